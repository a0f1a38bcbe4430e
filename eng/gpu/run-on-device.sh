#!/usr/bin/env bash
# Runs a framework-dependent I3D.Net app on a machine that has PyTorch (CUDA build) but no .NET.
# usage: run-on-device.sh DIR APP.dll [ARGS...]
#   DIR holds dotnet-runtime.tar.xz (from pack-dotnet-runtime.sh); APP.dll is relative to DIR.
# The torch/lib folder is taken from I3D_TORCH_LIB_DIR when set, else from `python3 -c 'import torch'`.
# The app must reference TorchSharp without a backend package; I3DRuntime then loads libtorch from that folder.
set -euo pipefail
dir=$(readlink -f "${1:?usage: run-on-device.sh DIR APP.dll [ARGS...]}"); app=${2:?usage: run-on-device.sh DIR APP.dll [ARGS...]}; shift 2
[[ -f "$dir/$app" ]] || { echo "run-on-device: $dir/$app not found" >&2; exit 1; }

rt=${DOTNET_RUNTIME_DIR:-/tmp/i3d-dotnet-runtime}
if [[ ! -x "$rt/dotnet/dotnet" || "$dir/dotnet-runtime.tar.xz" -nt "$rt/dotnet/dotnet" ]]; then
  mkdir -p "$rt" && tar -xJf "$dir/dotnet-runtime.tar.xz" -C "$rt" && touch "$rt/dotnet/dotnet"
fi
export DOTNET_ROOT=$rt/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ -z "${I3D_TORCH_LIB_DIR:-}" ]]; then
  py=${PYTHON:-python3}
  I3D_TORCH_LIB_DIR=$("$py" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))') \
    || { echo "run-on-device: set I3D_TORCH_LIB_DIR or make '$py -c \"import torch\"' work (PYTHON=/path/to/venv/bin/python3)" >&2; exit 1; }
fi
export I3D_TORCH_LIB_DIR
# libLibTorchSharp.so links libtorch by soname; I3DRuntime loads it by full path first, the loader path is a second safety net.
export LD_LIBRARY_PATH=$I3D_TORCH_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

echo "run-on-device: torch/lib = $I3D_TORCH_LIB_DIR"
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true; fi
exec "$DOTNET_ROOT/dotnet" "$dir/$app" "$@"
