#!/usr/bin/env bash
# The GPU check and benchmark as one command, prepared here and run on the GPU machine (PyTorch with CUDA, no .NET):
#   here:        bash benchmarks/run-gpu.sh prepare          (publishes without TorchSharp-cpu, packs the .NET runtime)
#   on the GPU:  bash gpu-out/run-gpu.sh run [OUTDIR]        (verify, then the speed run)
#                bash gpu-out/run-gpu.sh verify [OUTDIR]     (correctness only: the PASS/FAIL table and the device tests)
#                bash gpu-out/run-gpu.sh speed [OUTDIR]      (speed only)
# verify: the CUDA verification table (I3D.Net.Benchmarks verify: device against CPU, docs/gpu.md), then the test suite's
# device-sensitive tests (trait Device=Sensitive) on the device through the published xunit v3 runner.
# speed (issue 8): RGB I3D, batch 8, 64 frames, 224², inference and SGD(momentum 0.9) train step, every variant, against
# the PyTorch baseline; then TV-L1 optical flow throughput. Override with BATCH, FRAMES, SIZE, REPS, FLOW_BATCH.
# DEVICE=cpu is a dry run (the default where nvidia-smi finds no GPU); it then loads TorchSharp-cpu's libtorch from the
# NuGet cache when I3D_TORCH_LIB_DIR is unset and python3 has no torch. Results go to OUTDIR (default: $OUT when set,
# else gpu-out/results). Bounds: VERIFY_TIMEOUT (120 s on CUDA), TESTS_TIMEOUT (90 s) and BUDGET (450 s for the whole
# run, each speed step gets what is left) keep verify + speed within the 8 minutes of device time docs/gpu.md plans
# for; the CPU dry run is unbounded by default.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-run}
case "$cmd" in
  prepare)
    rm -rf gpu-out/app gpu-out/tests gpu-out/results
    bash eng/gpu/prepare.sh benchmarks/I3D.Net.Benchmarks gpu-out
    # The test runner (xunit v3: the test project is an executable), without libtorch, OpenCV or ONNX Runtime natives
    # (-p:TorchBackend=none); built under artifacts/gpu-build so the usual bin/ and obj/ (TorchSharp-cpu) stay as they are.
    dotnet publish tests/I3D.Net.Tests -c Release -r linux-x64 --self-contained false -p:TorchBackend=none \
      --artifacts-path artifacts/gpu-build -o gpu-out/tests
    if ls gpu-out/tests | grep -Eq '^lib(torch_cpu|OpenCvSharpExtern|onnxruntime)\.so$'; then
      echo "run-gpu: gpu-out/tests contains a native library it must not ship (libtorch, OpenCV or ONNX Runtime)" >&2; exit 1
    fi
    cp benchmarks/pytorch_baseline.py benchmarks/compare_tables.py benchmarks/run-gpu.sh tools/reference_i3d.py gpu-out/
    # The device tool moves at most 64 MiB with the working tree: ship the app and the tests compressed.
    XZ_OPT=-T0 tar -C gpu-out -cJf gpu-out/app.tar.xz app && rm -rf gpu-out/app
    XZ_OPT=-T0 tar -C gpu-out -cJf gpu-out/tests.tar.xz tests && rm -rf gpu-out/tests
    size=$(du -sb gpu-out | cut -f1)
    echo "run-gpu: gpu-out is $((size / 1024 / 1024)) MiB ($size bytes; the device tool carries at most 64 MiB)"
    (( size < 64 * 1024 * 1024 )) || { echo "run-gpu: gpu-out is over the 64 MiB transfer limit" >&2; exit 1; }
    echo "run-gpu: ready; carry gpu-out and run: bash gpu-out/run-gpu.sh run"
    ;;
  run|verify|speed)
    here=$(cd "$(dirname "$0")" && pwd)   # gpu-out/ on the device, benchmarks/ here
    # Unpacked for this run only and removed at exit, so a dry run here leaves gpu-out/ at its carried size (< 64 MiB).
    unpacked=()
    trap 'rm -rf "${unpacked[@]}"' EXIT
    for part in app tests; do
      if [[ ! -d "$here/$part" && -f "$here/$part.tar.xz" ]]; then tar -C "$here" -xJf "$here/$part.tar.xz"; unpacked+=("$here/$part"); fi
    done
    results=${2:-${OUT:-$here/results}}; mkdir -p "$results"
    args=(--batch "${BATCH:-8}" --frames "${FRAMES:-64}" --size "${SIZE:-224}" --reps "${REPS:-10}" --warmup 3)
    py=${PYTHON:-python3}
    if [[ -z "${DEVICE:-}" ]] && ! nvidia-smi -L >/dev/null 2>&1; then
      echo "run-gpu: no GPU (nvidia-smi finds none): DEVICE=cpu, a dry run"; DEVICE=cpu
    fi
    device=${DEVICE:-cuda}   # DEVICE=cpu runs the same steps here as a dry run
    if [[ $device == cpu && -z "${I3D_TORCH_LIB_DIR:-}" ]] && ! "$py" -c 'import torch' >/dev/null 2>&1; then
      # Dry run on a machine without PyTorch: TorchSharp-cpu's libtorch from the NuGet cache has torch/lib's layout.
      I3D_TORCH_LIB_DIR=$(ls -d "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native 2>/dev/null | tail -1)
      [[ -n "$I3D_TORCH_LIB_DIR" ]] || { echo "run-gpu: DEVICE=cpu needs I3D_TORCH_LIB_DIR (a torch/lib folder), python3 with torch, or libtorch-cpu-linux-x64 in the NuGet cache" >&2; exit 1; }
      export I3D_TORCH_LIB_DIR
    fi
    verify_rc=0
    # Bounds that keep verify + speed within 8 minutes of device time (the device call's timeout is 480 s): verify and
    # the device tests are capped, and every speed step gets at most what is left of BUDGET seconds since this script
    # started. The CPU dry run is slower and unbounded by default.
    verify_timeout=${VERIFY_TIMEOUT:-$([[ $device == cpu ]] && echo 900 || echo 120)}
    tests_timeout=${TESTS_TIMEOUT:-$([[ $device == cpu ]] && echo 900 || echo 90)}
    budget=${BUDGET:-$([[ $device == cpu ]] && echo 86400 || echo 450)}
    left() { local l=$(( budget - SECONDS )); (( l > 5 )) && echo "$l" || echo 5; }
    if [[ $cmd != speed ]]; then
      # 1. The verification table: device against CPU, every line with its measured number and tolerance.
      started=$(date +%s)
      I3D_BENCH_DEVICE=$device timeout "$verify_timeout" bash "$here/run-on-device.sh" "$here" app/I3D.Net.Benchmarks.dll verify \
        --fixtures "$here/tests/Fixtures" | tee "$results/verify.md" || verify_rc=$?
      echo "run-gpu: verify table took $(( $(date +%s) - started )) s (exit $verify_rc)"
      # 2. The test suite's device-sensitive tests on the device (OpenCV-based ones excluded: gpu-out has no OpenCV).
      started=$(date +%s)
      I3D_TEST_DEVICE=$device timeout "$tests_timeout" bash "$here/run-on-device.sh" "$here" tests/I3D.Net.Tests.dll \
        -trait "Device=Sensitive" -trait- "Category=Heavy" -trait- "Needs=OpenCV" -noColor -reporter quiet \
        -trx "$results/device-tests.trx" > "$results/device-tests.txt" 2>&1 || verify_rc=$((verify_rc == 0 ? 2 : verify_rc))
      grep -A3 "\[FAIL\]" "$results/device-tests.txt" | head -60 || true
      echo "run-gpu: device tests (I3D_TEST_DEVICE=$device): $(grep -o '<Counters [^>]*>' "$results/device-tests.trx" 2>/dev/null \
        | sed -E 's/.* total="([0-9]+)" executed="([0-9]+)" passed="([0-9]+)" failed="([0-9]+)".*/total \1, executed \2, passed \3, failed \4/' \
        || echo "no TRX written: see $results/device-tests.txt")"
      echo "run-gpu: device tests took $(( $(date +%s) - started )) s"
      [[ $cmd == verify ]] && exit "$verify_rc"
    fi
    # The device's peak memory while a command runs (nvidia-smi every 200 ms; nothing else runs on that GPU). It covers
    # everything the process held at once, so it compares whole runs, not variants (TorchSharp exposes no allocator stats).
    peak() {
      local label=$1 log rc=0; shift; log=$(mktemp)
      nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$log" 2>/dev/null & local sampler=$!
      "$@" || rc=$?
      kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
      echo "<!-- peak GPU memory during $label: $(sort -n "$log" | tail -1) MiB -->"
      return "$rc"
    }
    peak "the PyTorch baseline" timeout "$(left)" "$py" "$here/pytorch_baseline.py" --device "$device" --sections model,train "${args[@]}" | tee "$results/pytorch.md" \
      || echo "run-gpu: the PyTorch baseline failed or ran out of budget (above)"
    # fp32 (TF32) for everything: Inception blocks (separate vs fused 1x1), inference variants, train-step variants (flat SGD, fused 1x1, NDHWC), optimizer alone;
    # then bf16 inference (pure bf16 weights; training in bf16 is the trainer's mixed recipe, not measured here).
    bench() { I3D_BENCH_DEVICE=$device timeout "$(left)" bash "$here/run-on-device.sh" "$here" app/I3D.Net.Benchmarks.dll "$@"; }
    peak "I3D.Net fp32 (all variants resident together)" bench quick --sections block,model,train,optimizer --dtypes fp32 "${args[@]}" | tee "$results/i3dnet.md" \
      || echo "run-gpu: the I3D.Net fp32 run failed or ran out of budget (above)"
    # Each later step may fail on its own (libtorch's CPU has no bf16 avg_pool3d, for one) without costing the others.
    bench quick --sections model --dtypes bf16 "${args[@]}" | tee -a "$results/i3dnet.md" || echo "run-gpu: bf16 inference failed (above)"
    "$py" "$here/compare_tables.py" "$results/pytorch.md" "$results/i3dnet.md" | tee "$results/comparison.md" || echo "run-gpu: comparison failed"
    # Optical flow on the GPU (TV-L1 in tensor ops; batch of frame pairs). Bounded, and last, so it cannot cost the rest.
    timeout "$(( $(left) < 120 ? $(left) : 120 ))" bash "$here/run-on-device.sh" "$here" app/I3D.Net.Benchmarks.dll flow --device "$device" --batch "${FLOW_BATCH:-16}" --calls 3 \
      --sizes 224x224,340x256 | tee "$results/flow.txt" || echo "run-gpu: flow timing did not finish" | tee -a "$results/flow.txt"
    [[ $verify_rc -eq 0 ]] || echo "run-gpu: verify FAILED (exit $verify_rc): see $results/verify.md and device-tests.txt"
    exit "$verify_rc"
    ;;
  *) echo "usage: benchmarks/run-gpu.sh prepare|run|verify|speed [OUTDIR]" >&2; exit 2 ;;
esac
