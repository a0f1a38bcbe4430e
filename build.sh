#!/usr/bin/env bash
# One entry point for a fresh clone:  ./build.sh test  |  ./build.sh demo
set -euo pipefail
cd "$(dirname "$0")"
cmd=${1:-test}; shift || true
case "$cmd" in
  setup) bash eng/setup.sh ;;
  test)
    bash eng/setup.sh
    dotnet restore I3D.Net.sln
    dotnet build I3D.Net.sln -c Release --no-restore
    dotnet test I3D.Net.sln -c Release --no-build "$@"
    ;;
  *) echo "usage: ./build.sh [setup|test|demo]" >&2; exit 2 ;;
esac
