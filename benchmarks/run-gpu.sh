#!/usr/bin/env bash
# The GPU benchmark as one command, prepared here and run on the GPU machine (PyTorch with CUDA, no .NET):
#   here:        bash benchmarks/run-gpu.sh prepare          (publishes without TorchSharp-cpu, packs the .NET runtime)
#   on the GPU:  bash benchmarks/run-gpu.sh run [OUTDIR]     (PyTorch baseline and I3D.Net, same workloads, then ratios)
# Workload (issue 8): RGB I3D, batch 8, 64 frames, 224², inference and SGD(momentum 0.9) train step. Override with
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
    I3D_BENCH_DEVICE=cuda bash "$here/run-on-device.sh" "$here" app/I3D.Net.Benchmarks.dll quick \
      --sections model,train --dtypes fp32 "${args[@]}" | tee "$results/i3dnet.md"
    "$py" "$here/compare_tables.py" "$results/pytorch.md" "$results/i3dnet.md" | tee "$results/comparison.md"
    ;;
  *) echo "usage: benchmarks/run-gpu.sh prepare|run [OUTDIR]" >&2; exit 2 ;;
esac
