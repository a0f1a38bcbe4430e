"""An independent PyTorch implementation of the reference I3D, written from the architecture description
(Carreira & Zisserman 2017; DeepMind's kinetics-i3d layer table) with the pytorch-i3d state-dict key layout. It shares no
code with I3D.Net: TF "SAME" padding is done the plain way, an explicit zero pad before every conv and a -inf pad before
every max pool. Used by tools/parity/make_parity_fixture.py (exactness) and benchmarks/pytorch_baseline.py (speed)."""
import torch
import torch.nn.functional as F


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


def head_pool(m):
    """The reference's VALID 2x7x7 average pool (shrunk where Mixed_5c is smaller, as I3D.Net documents)."""
    # int(): under torch.onnx.export's tracer a size is a traced value, which avg_pool3d's kernel list cannot hold.
    return F.avg_pool3d(m, (min(2, int(m.shape[2])), min(7, int(m.shape[3])), min(7, int(m.shape[4]))), (1, 1, 1))


class ReferenceI3D(torch.nn.Module):
    def __init__(self, classes=400, cin=3, dropout=0.5):
        super().__init__()
        self.Conv3d_1a_7x7 = Unit(cin, 64, 7, 2)
        self.Conv3d_2b_1x1 = Unit(64, 64, 1)
        self.Conv3d_2c_3x3 = Unit(64, 192, 3)
        c = 192
        for name, w in WIDTHS.items():
            block = Mixed(c, w)
            setattr(self, name, block)
            c = block.out
        self.dropout = torch.nn.Dropout(dropout)
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

    def endpoints(self, x):
        """(Mixed_5c, per-time logits [B, N, T'], logits [B, N])."""
        m = self.mixed_5c(x)
        per_time = self.logits(self.dropout(head_pool(m))).mean((3, 4))
        return m, per_time, per_time.mean(2)

    def forward(self, x):
        return self.endpoints(x)[2]
