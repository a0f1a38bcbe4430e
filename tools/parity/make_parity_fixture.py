#!/usr/bin/python3
"""Writes the I3D parity fixture: expected outputs of an independent PyTorch implementation of the reference
architecture, for weights and inputs that both sides compute from the same integer formula (so the fixture stays small).

Run with Debian's PyTorch:  apt-get install python3-torch  &&  /usr/bin/python3 tools/parity/make_parity_fixture.py
Writes tests/I3D.Net.Tests/Fixtures/parity/*.safetensors. The C# twin of the formula is tests/.../Parity/FormulaTensors.cs.

The model is tools/reference_i3d.py: written from the architecture description, sharing no code with I3D.Net.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from reference_i3d import ReferenceI3D, head_pool  # noqa: E402

MASK = 0xFFFFFFFF


def fnv1a32(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & MASK
    return h


def fmix32(h):
    h = h.astype(np.uint64)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(MASK)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & np.uint64(MASK)
    h ^= h >> np.uint64(16)
    return h


def uniform(key, count):
    """x_i = fmix32((i * 0x9E3779B1 + fnv1a32(key)) mod 2^32) / 2^31 - 1, in float64: exactly representable."""
    i = np.arange(count, dtype=np.uint64)
    h = fmix32((i * np.uint64(0x9E3779B1) + np.uint64(fnv1a32(key))) & np.uint64(MASK))
    return h.astype(np.float64) / 2147483648.0 - 1.0


def formula_tensor(key, shape):
    """The value of every state-dict entry, from its key and shape (see FormulaTensors.cs)."""
    n = int(np.prod(shape)) if len(shape) else 1
    x = uniform(key, n)
    if key.endswith("conv3d.weight"):
        fan_in = int(np.prod(shape[1:]))
        v = x * math.sqrt(6.0 / fan_in)
    elif key.endswith("conv3d.bias"):
        v = x * 0.1
    elif key.endswith("bn.weight"):
        v = 1.0 + 0.1 * x
    elif key.endswith("bn.bias") or key.endswith("bn.running_mean"):
        v = 0.1 * x
    elif key.endswith("bn.running_var"):
        v = 1.0 + 0.5 * x
    elif key == "input":
        v = x
    else:
        raise KeyError(key)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))
    os.replace(tmp, path)


def make_case(out_dir, name, classes, shape):
    torch.manual_seed(0)
    model = ReferenceI3D(classes, shape[1]).eval()
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if key.endswith("num_batches_tracked"):
                t.zero_()
            else:
                t.copy_(formula_tensor(key, tuple(t.shape)))
        x = formula_tensor("input", shape)
        mixed_5c, per_time, logits = model.endpoints(x)
    features = head_pool(mixed_5c).mean((2, 3, 4))
    write_safetensors(os.path.join(out_dir, f"{name}.safetensors"),
                      {"logits": logits, "per_time_logits": per_time, "mixed_5c": mixed_5c, "features": features},
                      {"input_shape": json.dumps(list(shape)), "num_classes": str(classes),
                       "generator": "tools/parity/make_parity_fixture.py", "torch": torch.__version__})
    print(f"{name}: input {list(shape)} logits {list(logits.shape)} mixed_5c {list(mixed_5c.shape)} "
          f"|logits|max {logits.abs().max().item():.4f} logits[:5] {logits[0, :5].tolist()}")


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out_dir = os.path.join(root, "tests", "I3D.Net.Tests", "Fixtures", "parity")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    make_case(out_dir, "rgb_1x3x16x224x224", 400, (1, 3, 16, 224, 224))
    make_case(out_dir, "flow_1x2x24x200x216", 400, (1, 2, 24, 200, 216))


if __name__ == "__main__":
    sys.exit(main())
