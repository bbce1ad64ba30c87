"""Small models for tests/tools/test_tracer.py (imported with --path tests/tools)."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from quantscope_trace import wrap


class DynamicControlFlow(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        if y.sum() > 0:  # data-dependent branch: FX cannot trace this
            y = y * 2
        return F.relu(y)


class NumpyOnProxy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 4)

    def forward(self, x):
        scale = np.asarray(x).mean()  # numpy on a proxy
        return self.fc(x) * float(scale)


@wrap
def clip_boxes(boxes, size: int):
    # data-dependent code in a wrapped function is fine: FX never sees it
    if boxes.max() > size:
        boxes = boxes.clamp(0, size)
    return boxes, boxes.shape[0]


class WrappedFunction(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 4)
        self.act = nn.ReLU()

    def forward(self, x, y):
        boxes, n = clip_boxes(self.fc(x) * 100, 50)
        return self.act(boxes) + y, n


class BareWrappedMethod(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 4)
        self.norm = nn.LayerNorm(4)
        self.unused = nn.ReLU()

    def forward(self, x):
        return self._head(self.fc(x), scale=2.0)

    @wrap
    def _head(self, h, scale=1.0):
        if h.numel() > 0:  # would fail in FX; fine in a wrapped method
            h = self.norm(h)
        return h * scale


class Gate(nn.Module):
    """Data-dependent module: traceable only as a leaf."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(8, 8, 1)
        self.b = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())

    def forward(self, x):
        if x.mean() > 0:
            return self.a(x)
        return self.b(x)


class WithLeaf(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.gate = Gate()
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        return self.head(self.gate(self.stem(x)))


def dynamic():
    return DynamicControlFlow()


def numpy_model():
    return NumpyOnProxy()


def wrapped_function():
    return WrappedFunction()


def bare_method():
    return BareWrappedMethod()


def with_leaf():
    return WithLeaf()
