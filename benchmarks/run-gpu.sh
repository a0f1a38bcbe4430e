#!/usr/bin/env bash
# The GPU benchmark as one command, prepared here and run on the GPU machine (PyTorch with CUDA, no .NET):
#   here:        bash benchmarks/run-gpu.sh prepare          (publishes without TorchSharp-cpu, packs the .NET runtime)
#   on the GPU:  bash benchmarks/run-gpu.sh run [OUTDIR]     (PyTorch baseline and I3D.Net, same workloads, then ratios)
# Workload (issue 8): RGB I3D, batch 8, 64 frames, 224², inference and SGD(momentum 0.9) train step, every variant;
# then TV-L1 optical flow throughput. Override with
# BATCH, FRAMES, SIZE, REPS, FLOW_BATCH; DEVICE=cpu is a dry run. Results go to OUTDIR (default: $OUT when set, else gpu-out/results).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-run}
case "$cmd" in
  prepare)
    bash eng/gpu/prepare.sh benchmarks/I3D.Net.Benchmarks gpu-out
    cp benchmarks/pytorch_baseline.py benchmarks/compare_tables.py benchmarks/run-gpu.sh tools/reference_i3d.py gpu-out/
    # The device tool moves at most 64 MiB with the working tree: ship the app compressed (34 MB -> ~10 MB).
    tar -C gpu-out -cJf gpu-out/app.tar.xz app && rm -rf gpu-out/app
    echo "run-gpu: gpu-out is $(du -sh gpu-out | cut -f1)"
    echo "run-gpu: ready; carry gpu-out and run: bash gpu-out/run-gpu.sh run"
    ;;
  run)
    here=$(cd "$(dirname "$0")" && pwd)   # gpu-out/ on the device, benchmarks/ here
    [[ -d "$here/app" || ! -f "$here/app.tar.xz" ]] || tar -C "$here" -xJf "$here/app.tar.xz"
    results=${2:-${OUT:-$here/results}}; mkdir -p "$results"
    args=(--batch "${BATCH:-8}" --frames "${FRAMES:-64}" --size "${SIZE:-224}" --reps "${REPS:-10}" --warmup 3)
    py=${PYTHON:-python3}
    device=${DEVICE:-cuda}   # DEVICE=cpu runs the same steps here as a dry run
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
    peak "the PyTorch baseline" "$py" "$here/pytorch_baseline.py" --device "$device" --sections model,train "${args[@]}" | tee "$results/pytorch.md"
    # fp32 (TF32) for everything: Inception blocks (separate vs fused 1x1), inference variants, train-step variants (flat SGD, fused 1x1, NDHWC), optimizer alone;
    # then bf16 inference (pure bf16 weights; training in bf16 is the trainer's mixed recipe, not measured here).
    bench() { I3D_BENCH_DEVICE=$device bash "$here/run-on-device.sh" "$here" app/I3D.Net.Benchmarks.dll "$@"; }
    peak "I3D.Net fp32 (all variants resident together)" bench quick --sections block,model,train,optimizer --dtypes fp32 "${args[@]}" | tee "$results/i3dnet.md"
    # Each later step may fail on its own (libtorch's CPU has no bf16 avg_pool3d, for one) without costing the others.
    bench quick --sections model --dtypes bf16 "${args[@]}" | tee -a "$results/i3dnet.md" || echo "run-gpu: bf16 inference failed (above)"
    "$py" "$here/compare_tables.py" "$results/pytorch.md" "$results/i3dnet.md" | tee "$results/comparison.md" || echo "run-gpu: comparison failed"
    # Optical flow on the GPU (TV-L1 in tensor ops; batch of frame pairs). Bounded, and last, so it cannot cost the rest.
    timeout 120 bash "$here/run-on-device.sh" "$here" app/I3D.Net.Benchmarks.dll flow --device "$device" --batch "${FLOW_BATCH:-16}" --calls 3 \
      --sizes 224x224,340x256 | tee "$results/flow.txt" || echo "run-gpu: flow timing did not finish" | tee -a "$results/flow.txt"
    ;;
  *) echo "usage: benchmarks/run-gpu.sh prepare|run [OUTDIR]" >&2; exit 2 ;;
esac
