#!/usr/bin/python3
"""Writes the I3D parity fixture: expected outputs of an independent PyTorch implementation of the reference
architecture, for weights and inputs that both sides compute from the same integer formula (so the fixture stays small).

Run with Debian's PyTorch:  apt-get install python3-torch  &&  /usr/bin/python3 tools/parity/make_parity_fixture.py
Writes tests/I3D.Net.Tests/Fixtures/parity/*.safetensors. The C# twin of the formula is tests/.../Parity/FormulaTensors.cs.

Written from the architecture description (Carreira & Zisserman 2017; DeepMind's kinetics-i3d layer table) with the
pytorch-i3d state-dict key layout; it shares no code with I3D.Net. TF "SAME" padding is done the plain way here: an
explicit zero pad before every conv and a -inf pad before every max pool.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

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


def same_pad(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def pad_args(x, k, s):
    (t0, t1), (h0, h1), (w0, w1) = (same_pad(x.shape[2 + d], k[d], s[d]) for d in range(3))
    return (w0, w1, h0, h1, t0, t1)


class Unit(torch.nn.Module):
    def __init__(self, cin, cout, k, s=1, bn=True, bias=False, relu=True):
        super().__init__()
        self.k, self.s, self.relu = (k,) * 3, (s,) * 3, relu
        self.conv3d = torch.nn.Conv3d(cin, cout, self.k, self.s, bias=bias)
        self.bn = torch.nn.BatchNorm3d(cout, eps=1e-3, momentum=0.01) if bn else None

    def forward(self, x):
        x = self.conv3d(F.pad(x, pad_args(x, self.k, self.s)))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.relu else x


def max_pool(x, k, s):
    return F.max_pool3d(F.pad(x, pad_args(x, k, s), value=float("-inf")), k, s)


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


WIDTHS = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32), "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64), "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64), "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128), "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}


class ReferenceI3D(torch.nn.Module):
    def __init__(self, classes, cin):
        super().__init__()
        self.Conv3d_1a_7x7 = Unit(cin, 64, 7, 2)
        self.Conv3d_2b_1x1 = Unit(64, 64, 1)
        self.Conv3d_2c_3x3 = Unit(64, 192, 3)
        c = 192
        for name, w in WIDTHS.items():
            block = Mixed(c, w)
            setattr(self, name, block)
            c = block.out
        self.logits = Unit(1024, classes, 1, bn=False, bias=True, relu=False)

    def mixed_5c(self, x):
        x = self.Conv3d_1a_7x7(x)
        x = max_pool(x, (1, 3, 3), (1, 2, 2))
        x = self.Conv3d_2c_3x3(self.Conv3d_2b_1x1(x))
        x = max_pool(x, (1, 3, 3), (1, 2, 2))
        x = self.Mixed_3c(self.Mixed_3b(x))
        x = max_pool(x, (3, 3, 3), (2, 2, 2))
        for name in ("Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e", "Mixed_4f"):
            x = getattr(self, name)(x)
        x = max_pool(x, (2, 2, 2), (2, 2, 2))
        return self.Mixed_5c(self.Mixed_5b(x))

    def forward(self, x):
        m = self.mixed_5c(x)
        pooled = F.avg_pool3d(m, (2, 7, 7), (1, 1, 1))  # VALID; inputs here keep Mixed_5c >= 2x7x7
        per_time = self.logits(pooled).squeeze(4).squeeze(3)  # dropout is identity in eval
        return m, per_time, per_time.mean(2)


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
        mixed_5c, per_time, logits = model(x)
    features = F.avg_pool3d(mixed_5c, (2, 7, 7), (1, 1, 1)).mean((2, 3, 4))
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
