#!/usr/bin/env bash
# Consumer test: the I3D.Net package works for an application that knows nothing of this repository.
#   1. packs I3D.Net with a unique prerelease version (so no stale copy in the shared NuGet cache is ever used),
#   2. checks the .nuspec: TorchSharp is the only TorchSharp* dependency (apps choose the native backend),
#   3. creates a fresh net10.0 console app in a temp folder, adds I3D.Net from the local folder and TorchSharp-cpu,
#   4. builds and runs it: it builds an InceptionI3D(numClasses: 5) and runs a forward pass on a 1x3x9x64x64 clip.
# Cleans up the temp app and this version's folder in the NuGet cache. Prints "consumer-test: passed" on success.
# usage: eng/consumer-test.sh [--no-build]   (--no-build packs the existing Release build, as build.sh test does)
set -euo pipefail
start=$(date +%s)
cd "$(dirname "$0")/.."
repo=$PWD
say() { printf 'consumer-test: [%3ds] %s\n' "$(( $(date +%s) - start ))" "$*"; }
fail() { printf 'consumer-test: FAILED: %s\n' "$*" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
torchsharp_version=$(sed -n 's/.*PackageVersion Include="TorchSharp-cpu" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
[[ -n "$torchsharp_version" ]] || fail "TorchSharp-cpu's version not found in Directory.Packages.props"
suffix="consumer.$(date -u +%Y%m%d%H%M%S).$$"
packages="$repo/artifacts/consumer-test/packages"
work=$(mktemp -d "${TMPDIR:-/tmp}/i3d-consumer.XXXXXX")
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
version=""
cleanup() {
  rm -rf "$work"
  # Only this run's version: the shared cache keeps everything else.
  if [[ -n "$version" ]]; then rm -rf "$cache/i3d.net/$version"; fi
}
trap cleanup EXIT

pack_args=()
if [[ "${1:-}" == "--no-build" ]]; then pack_args+=(--no-build); fi

# 1. Pack.
rm -rf "$packages"; mkdir -p "$packages"
dotnet pack src/I3D.Net -c Release -o "$packages" -p:VersionSuffix="$suffix" "${pack_args[@]}" -nologo -v:q >"$work/pack.log" 2>&1 \
  || { cat "$work/pack.log"; fail "dotnet pack failed"; }
nupkg=$(ls "$packages"/I3D.Net.*.nupkg | grep -v '\.snupkg$' | head -1)
[[ -f "$nupkg" ]] || fail "no I3D.Net nupkg in $packages"
version=$(basename "$nupkg" .nupkg); version=${version#I3D.Net.}
[[ -f "$packages/I3D.Net.$version.snupkg" ]] || fail "no symbols package I3D.Net.$version.snupkg"
say "packed I3D.Net $version"

# 2. The package's contents and dependencies.
contents=$(unzip -Z1 "$nupkg")
for f in I3D.Net.nuspec README.md lib/net10.0/I3D.Net.dll lib/net10.0/I3D.Net.xml; do
  grep -qx "$f" <<<"$contents" || fail "$f missing from $(basename "$nupkg")"
done
nuspec=$(unzip -p "$nupkg" I3D.Net.nuspec)
grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "the nuspec lacks the MIT license expression"
torch_deps=$(grep -o '<dependency id="TorchSharp[^"]*"' <<<"$nuspec" | sed 's/<dependency id="//; s/"$//' | sort -u | tr '\n' ' ')
[[ "$torch_deps" == "TorchSharp " ]] || fail "the package's TorchSharp* dependencies are '$torch_deps'; expected exactly TorchSharp (no native backend)"
say "nuspec: README, MIT license, XML docs; TorchSharp* dependencies: $torch_deps"

# 3. A fresh console app, outside the repository (so none of its props apply).
app="$work/ConsumerApp"
dotnet new console -o "$app" --framework net10.0 >"$work/new.log" 2>&1 || { cat "$work/new.log"; fail "dotnet new console failed"; }
cat >"$app/Program.cs" <<'CS'
using I3D.Net.Models;
using I3D.Net.Runtime;
using TorchSharp;

var device = I3DRuntime.ResolveDevice(ComputeDevice.Auto);
torch.manual_seed(7);
using var model = new InceptionI3D(numClasses: 5);
model.to(device).eval();
using (torch.no_grad())
{
    // RGB in [-1, 1]: batch 1, 3 channels, 9 frames of 64x64.
    using var clip = (torch.rand([1, 3, 9, 64, 64]) * 2 - 1).to(device);
    using var logits = model.forward(clip);
    Console.WriteLine($"device: {device.type}");
    Console.WriteLine($"logits shape: [{string.Join(", ", logits.shape)}]");
    Console.WriteLine($"logits finite: {logits.isfinite().all().item<bool>()}");
}
CS
# TorchSharp, I3D.Net's dependency, is in the NuGet cache already: packing restored it.
{ dotnet add "$app" package I3D.Net --version "$version" --source "$packages" \
    && dotnet add "$app" package TorchSharp-cpu --version "$torchsharp_version"; } >"$work/add.log" 2>&1 \
  || { cat "$work/add.log"; fail "dotnet add package failed"; }
say "created a console app referencing I3D.Net $version and TorchSharp-cpu $torchsharp_version"

# 4. Build and run.
dotnet build "$app" -c Release -nologo -v:q >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "the consumer app does not build"; }
say "built the consumer app"
output=$(dotnet "$app/bin/Release/net10.0/ConsumerApp.dll" 2>&1) || { echo "$output"; fail "the consumer app failed"; }
echo "$output" | sed 's/^/consumer-app: /'
grep -qx 'logits shape: \[1, 5\]' <<<"$output" || fail "expected 'logits shape: [1, 5]'"
grep -qx 'logits finite: True' <<<"$output" || fail "expected finite logits"
say "passed"
