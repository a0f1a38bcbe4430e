#!/usr/bin/env bash
# Builds the seed corpora for fuzz/run.sh under fuzz/corpus/<target>: small files the harness generates, plus the
# repository's own small weight fixtures. Usage: bash fuzz/gen-seeds.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$here/corpus"
rm -rf "$out"
mkdir -p "$out/safetensors" "$out/pytorch" "$out/tf-index" "$out/pickle" "$out/tf-block"
dotnet build "$here/I3D.Net.Fuzz" -c Release -o "$here/bin/seeds" 2>&1 | grep -E "error|Warn|Elapsed" || true
dotnet "$here/bin/seeds/I3D.Net.Fuzz.dll" seeds "$out"
cp "$repo"/tests/I3D.Net.Tests/Fixtures/weights/*.pth "$repo"/tests/I3D.Net.Tests/Fixtures/pytorch/*.pt "$out/pytorch/"
for d in "$repo"/tests/I3D.Net.Tests/Fixtures/kinetics-i3d/checkpoints/{rgb,flow}_imagenet/; do
  cp "$d/model.ckpt.index" "$out/tf-index/$(basename "$d").index"
done
ls -l "$out"/*
