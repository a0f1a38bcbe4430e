#!/usr/bin/python3
"""Exports tools/reference_i3d.py's ReferenceI3D to ONNX with PyTorch's own exporter (torch.onnx.export), with weights
read from a safetensors file in the pytorch-i3d key layout (InceptionI3D's state dict, as I3D.Net writes it). This is
the "PyTorch-exported I3D with the same weights" that `I3D.Net.Benchmarks onnx` runs beside I3D.Net.Onnx's export.

A benchmark-only tool: nothing in the build or the tests needs it. With Debian's PyTorch (1.13.1):

    apt-get install -y python3-torch
    /usr/bin/python3 tools/export_reference_onnx.py --weights w.safetensors --out reference.onnx --frames 16 --size 224

Prints the reference logits' max |value| and, with --check-input/--check-output (raw float32 files), the largest
difference between the PyTorch model's logits and the given ones, so the caller can confirm both sides hold the same
weights. Exit code 2 on a weights file that does not match the model (missing or unexpected keys, other shapes).
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_i3d import ReferenceI3D  # noqa: E402

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path):
    """A plain reader of the safetensors layout: u64 header length, JSON header, raw little-endian data."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {entry['dtype']}; expected one of {sorted(DTYPES)}")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", required=True, help="safetensors state dict (pytorch-i3d key layout)")
    p.add_argument("--out", required=True, help="the .onnx file to write")
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--size", type=int, default=224, help="height and width (or use --height/--width)")
    p.add_argument("--height", type=int)
    p.add_argument("--width", type=int)
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--check-input", help="a raw float32 clip [1, C, T, H, W] to run through the PyTorch model")
    p.add_argument("--check-output", help="raw float32 logits the PyTorch model's logits are compared with")
    a = p.parse_args()
    height, width = a.height or a.size, a.width or a.size

    state = read_safetensors(a.weights)
    classes, cin = state["logits.conv3d.weight"].shape[0], state["Conv3d_1a_7x7.conv3d.weight"].shape[1]
    model = ReferenceI3D(classes=classes, cin=cin)
    expected = model.state_dict()
    missing = sorted(k for k in expected if k not in state and not k.endswith("num_batches_tracked"))
    unexpected = sorted(k for k in state if k not in expected)
    wrong = sorted(k for k in state if k in expected and tuple(state[k].shape) != tuple(expected[k].shape))
    if missing or unexpected or wrong:
        print(f"{a.weights}: does not match ReferenceI3D: missing {missing[:5]}, unexpected {unexpected[:5]}, "
              f"other shapes {wrong[:5]}", file=sys.stderr)
        return 2
    model.load_state_dict({k: state[k].to(expected[k].dtype) if k in state else v for k, v in expected.items()})
    model.eval()

    x = torch.zeros(1, cin, a.frames, height, width)
    if a.check_input:
        x = torch.from_numpy(np.fromfile(a.check_input, dtype="<f4").reshape(x.shape).copy())
    with torch.no_grad():
        logits = model(x)
    print(f"reference logits: max |logit| {logits.abs().max().item():.4g}")
    if a.check_output:
        other = torch.from_numpy(np.fromfile(a.check_output, dtype="<f4").reshape(logits.shape).copy())
        print(f"reference vs given logits: max |diff| {(logits - other).abs().max().item():.3g}")

    tmp = a.out + ".tmp"
    torch.onnx.export(model, x, tmp, opset_version=a.opset, input_names=["rgb" if cin == 3 else "flow"],
                      output_names=["logits"], do_constant_folding=True)
    os.replace(tmp, a.out)
    print(f"wrote {a.out} (PyTorch {torch.__version__}, opset {a.opset})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
