#!/usr/bin/env python3
"""PyTorch baseline for I3D.Net's benchmarks: the same workloads as `I3D.Net.Benchmarks quick`, printed as the same
table, so one command on the GPU machine shows both side by side.

    python3 benchmarks/pytorch_baseline.py --device cuda --batch 8 --frames 64 --size 224 --sections model,train

Recipes: `eager-fp32` (plain eager), `eager-bf16-cl` (autocast bf16 + channels_last_3d, PyTorch's best eager recipe)
and, with --compile, `compile-bf16-cl`. The model is tools/reference_i3d.py (TF-SAME padding, BN eps 1e-3),
independent of I3D.Net.
"""
import argparse
import datetime
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

# The reference model lives in tools/ (in a prepared gpu-out/ folder, next to this script).
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_here, os.path.join(_here, "..", "tools")]
from reference_i3d import ReferenceI3D  # noqa: E402


def median_ms(fn, device, reps, warmup):
    for _ in range(warmup):
        fn()
    if device == "cuda":
        torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def row(workload, variant, dtype, ms, throughput):
    print(f"| {workload} | {variant} | {dtype} | {ms:.1f} | {throughput} |", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--sections", default="model")
    p.add_argument("--compile", action="store_true")
    a = p.parse_args()
    dev = a.device
    if dev == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    print(f"# PyTorch {torch.__version__} baseline | device {dev} | batch {a.batch} | frames {a.frames} | size {a.size} "
          f"| threads {torch.get_num_threads()} | {datetime.datetime.utcnow():%Y-%m-%d %H:%M}Z")
    print("| workload | variant | dtype | median ms | throughput |")
    print("|---|---|---|---|---|")
    recipes = [("eager-fp32", False, torch.contiguous_format)]
    if dev == "cuda":
        recipes.append(("eager-bf16-cl", True, torch.channels_last_3d))
        if a.compile:
            recipes.append(("compile-bf16-cl", True, torch.channels_last_3d))
    sections = a.sections.split(",")
    for name, bf16, fmt in recipes:
        model = ReferenceI3D().to(dev).to(memory_format=fmt)
        run = torch.compile(model) if name.startswith("compile") else model
        x = (torch.rand(a.batch, 3, a.frames, a.size, a.size, device=dev) * 2 - 1).to(memory_format=fmt)
        y = torch.randint(0, 400, (a.batch,), device=dev)
        ctx = (lambda: torch.autocast(dev, dtype=torch.bfloat16)) if bf16 else (lambda: torch.autocast(dev, enabled=False))
        dtype = "bf16" if bf16 else "fp32"
        if "model" in sections:
            model.eval()

            def infer():
                with torch.no_grad(), ctx():
                    run(x)
            ms = median_ms(infer, dev, a.reps, a.warmup)
            row("inference", name, dtype, ms, f"{a.batch * 1000 / ms:.2f} clips/s")
        if "train" in sections:
            model.train()
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

            def step():
                opt.zero_grad(set_to_none=True)
                with ctx():
                    loss = F.cross_entropy(run(x), y)
                loss.backward()
                opt.step()
            ms = median_ms(step, dev, a.reps, a.warmup)
            row("train step (SGD m=0.9)", name, dtype, ms, f"{a.batch * 1000 / ms:.2f} clips/s")


if __name__ == "__main__":
    main()
