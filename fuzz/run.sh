#!/usr/bin/env bash
# Coverage-guided fuzzing of one weight-file parser with AFL++ and SharpFuzz; never run by CI.
# Usage: bash fuzz/run.sh <safetensors|pytorch|pickle|tf-index|tf-block> [seconds=600]
# Needs: afl++ (apt-get install afl++) and the SharpFuzz tool (dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0).
# Findings (crashes = an undocumented exception, over 5 s or over 256 MiB) land in fuzz/findings/<target>/default/crashes;
# replay one with the uninstrumented build: dotnet fuzz/bin/build/I3D.Net.Fuzz.dll <target> <file>
set -euo pipefail
target="${1:?target: safetensors, pytorch, pickle, tf-index or tf-block}"
seconds="${2:-600}"
here="$(cd "$(dirname "$0")" && pwd)"
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v afl-fuzz >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "afl-fuzz not found: sudo apt-get install afl++" >&2; exit 1; }
  apt-get update -qq && apt-get install -y -qq afl++
fi
command -v sharpfuzz >/dev/null || dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
[ -d "$here/corpus/$target" ] || bash "$here/gen-seeds.sh"
bin="$here/bin/afl"
# Build into a staging folder and instrument a fresh copy every time (instrumenting twice, or not at all because a
# copy kept an old timestamp, would break the run).
dotnet build "$here/I3D.Net.Fuzz" -c Release -o "$here/bin/build" 2>&1 | grep -E " error |Elapsed" || true
rm -rf "$bin" && cp -r "$here/bin/build" "$bin"
sharpfuzz "$bin/I3D.Net.dll"            # adds AFL++'s edge coverage to the library (not to TorchSharp)
mkdir -p "$here/findings"
resume="$here/corpus/$target"
[ -d "$here/findings/$target/default/queue" ] && resume="-"   # continue an earlier session
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
dict=()
[ -f "$here/dict/$target.dict" ] && dict=(-x "$here/dict/$target.dict")   # tokens of the formats
timeout --signal=INT "$seconds" afl-fuzz -i "$resume" -o "$here/findings/$target" "${dict[@]}" -t 10000 -m none \
  -- dotnet "$bin/I3D.Net.Fuzz.dll" "$target" || true
stats="$here/findings/$target/default/fuzzer_stats"
[ -f "$stats" ] && grep -E "execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|edges_found|run_time" "$stats"
ls "$here/findings/$target/default/crashes" 2>/dev/null | grep -v README || echo "no crashes"
