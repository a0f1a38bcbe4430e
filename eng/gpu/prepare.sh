#!/usr/bin/env bash
# Prepares OUT (default gpu-out/) for a GPU machine without .NET: publishes PROJECT framework-dependent for linux-x64
# against TorchSharp only (-p:TorchBackend=none drops TorchSharp-cpu: two libtorch copies must never share a process),
# packs the .NET runtime and copies run-on-device.sh next to it.
# usage: eng/gpu/prepare.sh PROJECT [OUT]      then on the device:  bash OUT/run-on-device.sh OUT app/NAME.dll [ARGS]
set -euo pipefail
cd "$(dirname "$0")/../.."
project=${1:?usage: eng/gpu/prepare.sh PROJECT [OUT]}; out=${2:-gpu-out}
dotnet publish "$project" -c Release -r linux-x64 --self-contained false -p:TorchBackend=none -o "$out/app"
if ls "$out/app" | grep -q '^libtorch_cpu\.so$'; then
  echo "prepare: $out/app contains libtorch_cpu.so; the project must honour -p:TorchBackend=none (reference TorchSharp only)" >&2; exit 1
fi
bash eng/gpu/pack-dotnet-runtime.sh "$out"
cp eng/gpu/run-on-device.sh "$out/"
echo "prepare: ready. On the device: bash $out/run-on-device.sh $out app/$(basename "${project%/}" .csproj).dll"
