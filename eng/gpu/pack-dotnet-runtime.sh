#!/usr/bin/env bash
# Packs this machine's .NET runtime (the dotnet host and Microsoft.NETCore.App, no SDK) into OUTDIR/dotnet-runtime.tar.xz,
# so a framework-dependent app can run on a machine without .NET (e.g. a GPU machine with only PyTorch installed).
# usage: eng/gpu/pack-dotnet-runtime.sh OUTDIR
set -euo pipefail
out=${1:?usage: pack-dotnet-runtime.sh OUTDIR}
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" {v=$2} END {print v}')
[[ -n "$runtime_version" ]] || { echo "pack-dotnet-runtime: no Microsoft.NETCore.App runtime found under $root" >&2; exit 1; }
mkdir -p "$out"
stamp="$out/dotnet-runtime.version"
if [[ -f "$out/dotnet-runtime.tar.xz" && "$(cat "$stamp" 2>/dev/null)" == "$runtime_version" ]]; then
  echo "pack-dotnet-runtime: $out/dotnet-runtime.tar.xz already holds .NET $runtime_version"
  exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/dotnet/shared/Microsoft.NETCore.App"
cp -a "$root/dotnet" "$root/host" "$tmp/dotnet/"
cp -a "$root/shared/Microsoft.NETCore.App/$runtime_version" "$tmp/dotnet/shared/Microsoft.NETCore.App/"
tar -C "$tmp" -cJf "$out/dotnet-runtime.tar.xz.tmp" dotnet
mv -f "$out/dotnet-runtime.tar.xz.tmp" "$out/dotnet-runtime.tar.xz"
echo "$runtime_version" > "$stamp"
echo "pack-dotnet-runtime: wrote $out/dotnet-runtime.tar.xz (.NET $runtime_version, $(du -h "$out/dotnet-runtime.tar.xz" | cut -f1))"
