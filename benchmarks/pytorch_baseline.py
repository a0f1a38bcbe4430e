#!/usr/bin/env python3
"""PyTorch baseline for I3D.Net's benchmarks: the same workloads as `I3D.Net.Benchmarks quick`, printed as the same
table, so one command on the GPU machine shows both side by side.

    python3 benchmarks/pytorch_baseline.py --device cuda --batch 8 --frames 64 --size 224 --sections model,train

Recipes: `eager-fp32` (plain eager), `eager-bf16-cl` (autocast bf16 + channels_last_3d, PyTorch's best eager recipe)
and, with --compile, `compile-bf16-cl`. The model is written here from the architecture (TF-SAME padding, BN eps 1e-3),
independent of I3D.Net.
"""
import argparse
import datetime
import statistics
import time

import torch
import torch.nn.functional as F


def same_pad(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Unit(torch.nn.Module):
    def __init__(self, cin, cout, k, s=1, bn=True, bias=False, relu=True):
        super().__init__()
        self.k, self.s, self.relu = (k,) * 3, (s,) * 3, relu
        self.conv3d = torch.nn.Conv3d(cin, cout, self.k, self.s, bias=bias)
        self.bn = torch.nn.BatchNorm3d(cout, eps=1e-3, momentum=0.01) if bn else None

    def forward(self, x):
        pads = [same_pad(x.shape[2 + d], self.k[d], self.s[d]) for d in range(3)]
        x = self.conv3d(F.pad(x, (*pads[2], *pads[1], *pads[0])))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.relu else x


def max_pool(x, k, s):
    pads = [same_pad(x.shape[2 + d], k[d], s[d]) for d in range(3)]
    return F.max_pool3d(F.pad(x, (*pads[2], *pads[1], *pads[0]), value=float("-inf")), k, s)


class Mixed(torch.nn.Module):
    def __init__(self, cin, w):
        super().__init__()
        self.b0 = Unit(cin, w[0], 1)
        self.b1a, self.b1b = Unit(cin, w[1], 1), Unit(w[1], w[2], 3)
        self.b2a, self.b2b = Unit(cin, w[3], 1), Unit(w[3], w[4], 3)
        self.b3b = Unit(cin, w[5], 1)
        self.out = w[0] + w[2] + w[4] + w[5]

    def forward(self, x):
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)),
                          self.b3b(max_pool(x, (3, 3, 3), (1, 1, 1)))], 1)


WIDTHS = [("Mixed_3b", (64, 96, 128, 16, 32, 32)), ("Mixed_3c", (128, 128, 192, 32, 96, 64)), ("pool4", None),
          ("Mixed_4b", (192, 96, 208, 16, 48, 64)), ("Mixed_4c", (160, 112, 224, 24, 64, 64)),
          ("Mixed_4d", (128, 128, 256, 24, 64, 64)), ("Mixed_4e", (112, 144, 288, 32, 64, 64)),
          ("Mixed_4f", (256, 160, 320, 32, 128, 128)), ("pool5", None),
          ("Mixed_5b", (256, 160, 320, 32, 128, 128)), ("Mixed_5c", (384, 192, 384, 48, 128, 128))]


class I3D(torch.nn.Module):
    def __init__(self, classes=400, cin=3):
        super().__init__()
        self.Conv3d_1a_7x7 = Unit(cin, 64, 7, 2)
        self.Conv3d_2b_1x1 = Unit(64, 64, 1)
        self.Conv3d_2c_3x3 = Unit(64, 192, 3)
        c, self.order = 192, []
        for name, w in WIDTHS:
            if w is not None:
                block = Mixed(c, w)
                setattr(self, name, block)
                c = block.out
            self.order.append(name)
        self.dropout = torch.nn.Dropout(0.5)
        self.logits = Unit(1024, classes, 1, bn=False, bias=True, relu=False)

    def forward(self, x):
        x = max_pool(self.Conv3d_1a_7x7(x), (1, 3, 3), (1, 2, 2))
        x = max_pool(self.Conv3d_2c_3x3(self.Conv3d_2b_1x1(x)), (1, 3, 3), (1, 2, 2))
        for name in self.order:
            if name == "pool4":
                x = max_pool(x, (3, 3, 3), (2, 2, 2))
            elif name == "pool5":
                x = max_pool(x, (2, 2, 2), (2, 2, 2))
            else:
                x = getattr(self, name)(x)
        k = (min(2, x.shape[2]), min(7, x.shape[3]), min(7, x.shape[4]))
        x = self.logits(self.dropout(F.avg_pool3d(x, k, (1, 1, 1))))
        return x.mean((2, 3, 4))


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
        model = I3D().to(dev).to(memory_format=fmt)
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
