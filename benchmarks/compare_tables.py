#!/usr/bin/env python3
"""Reads the tables printed by pytorch_baseline.py and `I3D.Net.Benchmarks quick` and prints I3D.Net's throughput
as a ratio of PyTorch's best recipe and of plain fp32 eager, per workload."""
import re
import sys


def rows(path):
    out = []
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        number = re.match(r"[\d.]+", cells[4]) if len(cells) == 5 else None
        # Rows whose throughput is not a leading number (block timings) have no PyTorch counterpart.
        if number and cells[3].replace(".", "", 1).isdigit():
            out.append((cells[0], cells[1], cells[2], float(cells[3]), float(number.group(0))))
    return out


def main(pytorch, i3dnet):
    torch_rows, net_rows = rows(pytorch), rows(i3dnet)
    print("| workload | I3D.Net variant | clips/s | vs PyTorch best | vs PyTorch fp32 eager |")
    print("|---|---|---|---|---|")
    for workload in dict.fromkeys(r[0] for r in net_rows):
        base = [r for r in torch_rows if r[0] == workload]
        if not base:
            continue
        best = max(r[4] for r in base)
        fp32 = next((r[4] for r in base if r[1] == "eager-fp32"), float("nan"))
        for r in (r for r in net_rows if r[0] == workload):
            print(f"| {workload} | {r[1]} {r[2]} | {r[4]:.2f} | {r[4] / best:.2f}x | {r[4] / fp32:.2f}x |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
