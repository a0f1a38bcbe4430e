#!/usr/bin/python3
"""Writes the small PyTorch .pth fixtures used by tests/I3D.Net.Tests/Weights.

Run with Debian's python3-torch (1.13): /usr/bin/python3 tools/make_pth_fixtures.py
Outputs go to tests/I3D.Net.Tests/Fixtures/weights/. Values are deterministic (seeded) and the
expected values are re-derived in the C# tests from the same closed-form formulas, so the tests do not
depend on Python at run time.
"""
import collections
import os
import sys

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "I3D.Net.Tests", "Fixtures", "weights")


def ramp(*shape, dtype=torch.float32, scale=0.01):
    """Values k*scale for k = 0..numel-1, so C# can recompute them exactly."""
    n = 1
    for s in shape:
        n *= s
    return (torch.arange(n, dtype=torch.float64) * scale).to(dtype).reshape(*shape)


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = collections.OrderedDict()
    sd["conv.weight"] = ramp(4, 3, 3, 3)
    sd["conv.bias"] = ramp(4, scale=-0.5)
    sd["bn.weight"] = torch.ones(4)
    sd["bn.bias"] = ramp(4, scale=0.25)
    sd["bn.running_mean"] = ramp(4, scale=0.125)
    sd["bn.running_var"] = ramp(4, scale=1.0) + 1
    sd["bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    sd["half"] = ramp(2, 3, dtype=torch.float16, scale=0.5)
    sd["double"] = ramp(5, dtype=torch.float64, scale=0.1)
    # A non-contiguous tensor and a view into a shared storage exercise stride/offset handling.
    base = ramp(3, 4)
    sd["transposed"] = base.t()
    sd["row_view"] = base[1]
    torch.save(sd, os.path.join(OUT, "small_state_dict.pth"))

    # A training checkpoint that wraps the weights.
    torch.save({"state_dict": collections.OrderedDict(w=ramp(2, 2)), "epoch": 3},
               os.path.join(OUT, "nested_checkpoint.pth"))

    # Legacy (pre-1.6, non-zip) serialisation of the same state dict (the format of pytorch-i3d's rgb_imagenet.pt).
    torch.save(sd, os.path.join(OUT, "small_state_dict_legacy.pth"), _use_new_zipfile_serialization=False)

    # A whole pickled module (not a state dict) must be refused, never executed.
    torch.save(torch.nn.Linear(2, 2), os.path.join(OUT, "whole_module.pth"))
    torch.save(torch.nn.Linear(2, 2), os.path.join(OUT, "whole_module_legacy.pth"), _use_new_zipfile_serialization=False)
    print("wrote fixtures to", os.path.normpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
