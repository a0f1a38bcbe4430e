#!/usr/bin/env bash
# One entry point for a fresh clone:
#   ./build.sh demo    set up this machine, then fine-tune a two-stream I3D on a generated action dataset (samples/I3D.Net.Demo)
#   ./build.sh test    set up, restore, build (Release), run all tests but Category=Heavy, then the package consumer test
#                      and the samples smoke test (eng/samples-smoke.sh);
#                      ends with "tests: N passed, N failed, N skipped" and exits non-zero on any failure
#   ./build.sh setup   only make this machine able to build and run (eng/setup.sh)
#   ./build.sh pack    write I3D.Net and I3D.Net.Onnx .nupkg and .snupkg files, and the i3d tool's I3D.Net.Tool .nupkg
#                      (libtorch and OpenCV for linux-x64 inside, ~185 MB), to artifacts/packages
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Sums the counters of every TRX file under $1 into "passed failed skipped".
trx_counts() {
  local passed=0 failed=0 skipped=0 f line p e t n
  for f in "$1"/*.trx; do
    [[ -f "$f" ]] || continue
    line=$(grep -o '<Counters [^>]*>' "$f" | head -1)
    t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$line")
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line")
    e=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
    n=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$line")
    passed=$((passed + ${p:-0})); failed=$((failed + ${e:-0} + ${n:-0}))
    skipped=$((skipped + ${t:-0} - ${p:-0} - ${e:-0} - ${n:-0}))
  done
  echo "$passed $failed $skipped"
}

cmd=${1:-test}; shift || true
case "$cmd" in
  setup) bash eng/setup.sh ;;
  test)
    started=$(date +%s)
    bash eng/setup.sh
    dotnet restore I3D.Net.sln
    dotnet build I3D.Net.sln -c Release --no-restore
    results=artifacts/test-results
    rm -rf "$results"
    test_rc=0
    dotnet test I3D.Net.sln -c Release --no-build --filter "Category!=Heavy" \
      --logger "trx" --results-directory "$results" "$@" || test_rc=$?
    read -r passed failed skipped < <(trx_counts "$results")
    if [[ $test_rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi   # the run itself failed (e.g. a crash before the TRX)
    # The consumer test counts as one test: pack, fresh app, dotnet add package, build, forward pass.
    if bash eng/consumer-test.sh --no-build; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    # The samples smoke test counts as one test too: every sample run end to end on a tiny generated dataset.
    if bash eng/samples-smoke.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    echo "build.sh test: $(( $(date +%s) - started )) s"
    echo "tests: $passed passed, $failed failed, $skipped skipped"
    [[ $failed -eq 0 ]]
    ;;
  demo)
    bash eng/setup.sh >/dev/null
    dotnet run --project samples/I3D.Net.Demo -c Release -- "$@"
    ;;
  pack)
    for p in src/I3D.Net src/I3D.Net.Onnx src/I3D.Net.Tool; do dotnet pack "$p" -c Release -o artifacts/packages "$@"; done
    echo "install the tool: dotnet tool install -g --add-source artifacts/packages I3D.Net.Tool"
    ;;
  *) echo "usage: ./build.sh [test|demo|setup|pack]" >&2; exit 2 ;;
esac
