#!/usr/bin/env bash
# The GPU benchmark as one command, prepared here and run on the GPU machine (PyTorch with CUDA, no .NET):
#   here:        bash benchmarks/run-gpu.sh prepare          (publishes without TorchSharp-cpu, packs the .NET runtime)
#   on the GPU:  bash benchmarks/run-gpu.sh run [OUTDIR]     (PyTorch baseline and I3D.Net, same workloads, then ratios)
# Workload (issue 8): RGB I3D, batch 8, 64 frames, 224², inference and SGD(momentum 0.9) train step, every variant;
# then TV-L1 optical flow throughput. Override with
# BATCH, FRAMES, SIZE, REPS. Results go to OUTDIR (default: $OUT when set, else gpu-out/results).
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
    "$py" "$here/pytorch_baseline.py" --device cuda --sections model,train "${args[@]}" | tee "$results/pytorch.md"
    # fp32 (TF32) for everything: inference variants, train-step variants (flat SGD, fused 1x1, NDHWC), optimizer alone;
    # then bf16 inference (pure bf16 weights; training in bf16 is the trainer's mixed recipe, not measured here).
    bench() { I3D_BENCH_DEVICE=cuda bash "$here/run-on-device.sh" "$here" app/I3D.Net.Benchmarks.dll "$@"; }
    bench quick --sections model,train,optimizer --dtypes fp32 "${args[@]}" | tee "$results/i3dnet.md"
    bench quick --sections model --dtypes bf16 "${args[@]}" | tee -a "$results/i3dnet.md"
    "$py" "$here/compare_tables.py" "$results/pytorch.md" "$results/i3dnet.md" | tee "$results/comparison.md"
    # Optical flow on the GPU (TV-L1 in tensor ops; batch of frame pairs). Bounded, and last, so it cannot cost the rest.
    timeout 120 bash "$here/run-on-device.sh" "$here" app/I3D.Net.Benchmarks.dll flow --device cuda --batch 16 --calls 3 \
      --sizes 224x224,340x256 | tee "$results/flow.txt" || echo "run-gpu: flow timing did not finish" | tee -a "$results/flow.txt"
    ;;
  *) echo "usage: benchmarks/run-gpu.sh prepare|run [OUTDIR]" >&2; exit 2 ;;
esac
