#!/usr/bin/python3
"""Plots benchmark tables (as printed by `I3D.Net.Benchmarks quick` and pytorch_baseline.py) into a PNG bar chart of
throughput per workload and variant.   usage: plot_results.py OUT.png TABLE.md [TABLE.md ...]
Needs matplotlib (Debian: apt-get install python3-matplotlib)."""
import re
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rows(path):
    title, out = None, []
    for line in open(path, encoding="utf-8"):
        if line.startswith("# "):
            title = line[2:].strip()
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"[\d.]+", cells[3]):
            out.append((cells[0], f"{cells[1]} {cells[2]}", float(re.match(r"[\d.]+", cells[4]).group(0)), cells[4]))
    return title, out


def main(png, *tables):
    data, titles = [], []
    for t in tables:
        title, r = rows(t)
        titles.append(title or t)
        data.extend(r)
    workloads = list(dict.fromkeys(r[0] for r in data if not r[0].startswith("conv3d")))
    fig, axes = plt.subplots(1, len(workloads), figsize=(7 * len(workloads), 4.5), squeeze=False)
    for ax, w in zip(axes[0], workloads):
        sel = [r for r in data if r[0] == w]
        ax.barh([r[1] for r in sel], [r[2] for r in sel], color="#4878a8")
        for i, r in enumerate(sel):
            ax.text(r[2], i, f" {r[2]:.2f}", va="center")
        ax.set_title(w)
        ax.set_xlabel("clips/s (higher is better)")
    fig.suptitle("\n".join(textwrap.fill(t, 90) for t in titles), fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main(*sys.argv[1:])
