"""YOLOv8 detection models (n/s/m/l/x), written from the public architecture description.

No ``ultralytics`` package and no downloads: the layers are re-implemented here after the
published ``yolov8.yaml`` (backbone, PAN-FPN neck, decoupled anchor-free head):

- ``Conv``: Conv2d (no bias, "same" padding) + BatchNorm2d (eps 1e-3, momentum 0.03) + SiLU;
- ``C2f``: 1x1 Conv to 2c channels, split in two with ``chunk``, ``n`` Bottlenecks (two 3x3
  Convs, residual add when ``shortcut``) chained on the second half, concat of the two
  halves and every Bottleneck output, 1x1 Conv;
- ``SPPF``: 1x1 Conv to c/2, three chained MaxPool2d(5, 1, 2), concat of the four, 1x1 Conv;
- neck: nearest x2 upsample + concat (top-down), 3x3 stride-2 Conv + concat (bottom-up),
  C2f without shortcut after every concat;
- ``Detect``: for P3/P4/P5 a box branch (Conv 3x3, Conv 3x3, Conv2d 1x1 to 4*reg_max = 64)
  and a class branch (Conv 3x3, Conv 3x3, Conv2d 1x1 to 80); each level's output is
  ``torch.cat((box, cls), 1)``: 1x144xHxW.

The traced graph ends at these raw head outputs (a tuple of three maps at strides 8, 16, 32),
the part Horizon's RDK model zoo compiles for the BPU; the DFL decode (softmax over 16 bins,
expectation), anchor points, box conversion and NMS are a CPU post-process,
``YOLOv8.postprocess()``, kept out of ``forward`` and therefore out of the graph.  (The RDK
model zoo's own export goes one step further and skips the per-level concat: six NHWC
outputs, box and class maps apart; ``YOLOv8(scale, rdk_layout=True)`` builds that variant.)

Scales (depth, width, max_channels), as published: n (0.33, 0.25, 1024),
s (0.33, 0.50, 1024), m (0.67, 0.75, 768), l (1.00, 1.00, 512), x (1.00, 1.25, 512).

``yolov8n()`` ... ``yolov8x()`` return eval-mode models with seeded random weights and
BatchNorm statistics re-estimated on a few random batches (see
/work/shared/docs/testing-with-random-weights.md).  ``param_count`` and ``conv_macs`` give
the numbers that are compared with the published ones in tests/tools/test_yolov8.py.
"""

import math
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn

SCALES = {
    "n": (0.33, 0.25, 1024),
    "s": (0.33, 0.50, 1024),
    "m": (0.67, 0.75, 768),
    "l": (1.00, 1.00, 512),
    "x": (1.00, 1.25, 512),
}

# Published (ultralytics README / RDK model zoo) numbers at 640x640, fused BatchNorm:
# parameters in millions and GFLOPs (2 x multiply-accumulates, 1e9).
PUBLISHED = {
    "n": (3.2, 8.7),
    "s": (11.2, 28.6),
    "m": (25.9, 78.9),
    "l": (43.7, 165.2),
    "x": (68.2, 257.8),
}

STRIDES = (8, 16, 32)


def make_divisible(x: float, divisor: int = 8) -> int:
    return int(math.ceil(x / divisor) * divisor)


class Conv(nn.Module):
    """Conv2d (bias-free, padding k // 2) + BatchNorm2d + SiLU."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU(inplace=True)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    """Two 3x3 Convs with an optional residual add (C2f uses expansion 1.0)."""

    def __init__(self, c1: int, c2: int, shortcut: bool = True, e: float = 1.0):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 3, 1)
        self.cv2 = Conv(c_, c2, 3, 1)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """CSP bottleneck with two convolutions: split, n Bottlenecks, concat of all, 1x1 Conv."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = False, e: float = 0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut, e=1.0) for _ in range(n))

    def forward(self, x):
        halves = self.cv1(x).chunk(2, 1)
        b = halves[1]            # explicit getitem: tuple unpacking of a Proxy does not
        y = [halves[0], b]       # trace with plain torch.fx 1.13 on Python 3.11
        for m in self.m:
            b = m(b)
            y.append(b)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    """Spatial pyramid pooling, fast: three chained 5x5 max pools, concat, 1x1 Conv."""

    def __init__(self, c1: int, c2: int, k: int = 5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_ * 4, c2, 1, 1)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        y3 = self.m(y2)
        return self.cv2(torch.cat((x, y1, y2, y3), 1))


class Concat(nn.Module):
    """torch.cat along channels (a module only to keep the published layer numbering)."""

    def forward(self, xs: List[torch.Tensor]):
        return torch.cat(xs, 1)


class DFL(nn.Module):
    """Distribution focal loss integral: softmax over reg_max bins, expectation with a fixed
    1x1 conv whose weights are 0..reg_max-1 (a parameter without gradient, as published)."""

    def __init__(self, c1: int = 16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(c1, dtype=torch.float).view(1, c1, 1, 1)
        self.c1 = c1

    def forward(self, x):                     # x: B x 4*c1 x A
        b, _, a = x.shape
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


class Detect(nn.Module):
    """Decoupled anchor-free head: per level a box branch (to 4*reg_max) and a class branch
    (to nc), concatenated along channels. The DFL module is used only by the post-process."""

    def __init__(self, nc: int = 80, ch: Sequence[int] = (), reg_max: int = 16):
        super().__init__()
        self.nc = nc
        self.nl = len(ch)
        self.reg_max = reg_max
        self.no = nc + 4 * reg_max
        c2 = max(16, ch[0] // 4, 4 * reg_max)
        c3 = max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(
            nn.Sequential(Conv(c, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * reg_max, 1))
            for c in ch)
        self.cv3 = nn.ModuleList(
            nn.Sequential(Conv(c, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, nc, 1))
            for c in ch)
        self.dfl = DFL(reg_max)
        self.rdk_layout = False

    def init_biases(self, strides: Sequence[int] = STRIDES) -> None:
        """The published bias initialisation: box logits 1.0, class logits
        log(5 / nc / (640 / stride)^2) (a prior of ~5 objects per 640 image)."""
        for a, b, s in zip(self.cv2, self.cv3, strides):
            a[-1].bias.data[:] = 1.0
            b[-1].bias.data[:] = math.log(5 / self.nc / (640 / s) ** 2)

    def forward(self, feats: List[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        p3, p4, p5 = feats
        if self.rdk_layout:
            # RDK model zoo export: six NHWC maps, boxes (64) then classes (80), P3..P5
            box = [self.cv2[i](f).permute(0, 2, 3, 1).contiguous()
                   for i, f in enumerate((p3, p4, p5))]
            cls = [self.cv3[i](f).permute(0, 2, 3, 1).contiguous()
                   for i, f in enumerate((p3, p4, p5))]
            return tuple(box + cls)
        return (torch.cat((self.cv2[0](p3), self.cv3[0](p3)), 1),
                torch.cat((self.cv2[1](p4), self.cv3[1](p4)), 1),
                torch.cat((self.cv2[2](p5), self.cv3[2](p5)), 1))


class YOLOv8(nn.Module):
    """YOLOv8 detector; ``forward(x)`` returns the raw head maps (B x (64+nc) x H/s x W/s for
    s = 8, 16, 32); ``postprocess()`` turns them into boxes.  With ``rdk_layout`` it returns
    instead the six outputs of the RDK model zoo's modified export (box maps B x H/s x W/s x
    64 for the three levels, then class maps B x H/s x W/s x nc; permute + contiguous, no
    concat), which ``postprocess()`` also accepts."""

    def __init__(self, scale: str = "n", nc: int = 80, reg_max: int = 16,
                 rdk_layout: bool = False):
        super().__init__()
        depth, width, max_channels = SCALES[scale]
        self.scale = scale

        def ch(c):
            return make_divisible(min(c, max_channels) * width, 8)

        def rep(n):
            return max(round(n * depth), 1) if n > 1 else n

        c64, c128, c256, c512, c1024 = ch(64), ch(128), ch(256), ch(512), ch(1024)
        # One list indexed like the published yolov8.yaml, so that state_dict keys follow
        # the published checkpoint layout (model.0.conv.weight ... model.22.dfl.conv.weight).
        self.model = nn.ModuleList([
            # backbone
            Conv(3, c64, 3, 2),                            # 0  P1/2
            Conv(c64, c128, 3, 2),                         # 1  P2/4
            C2f(c128, c128, rep(3), True),                 # 2
            Conv(c128, c256, 3, 2),                        # 3  P3/8
            C2f(c256, c256, rep(6), True),                 # 4
            Conv(c256, c512, 3, 2),                        # 5  P4/16
            C2f(c512, c512, rep(6), True),                 # 6
            Conv(c512, c1024, 3, 2),                       # 7  P5/32
            C2f(c1024, c1024, rep(3), True),               # 8
            SPPF(c1024, c1024, 5),                         # 9
            # neck: top-down
            nn.Upsample(scale_factor=2.0, mode="nearest"),  # 10
            Concat(),                                      # 11 cat backbone P4
            C2f(c1024 + c512, c512, rep(3), False),        # 12
            nn.Upsample(scale_factor=2.0, mode="nearest"),  # 13
            Concat(),                                      # 14 cat backbone P3
            C2f(c512 + c256, c256, rep(3), False),         # 15 P3 out
            # neck: bottom-up
            Conv(c256, c256, 3, 2),                        # 16
            Concat(),                                      # 17 cat neck P4
            C2f(c256 + c512, c512, rep(3), False),         # 18 P4 out
            Conv(c512, c512, 3, 2),                        # 19
            Concat(),                                      # 20 cat SPPF P5
            C2f(c512 + c1024, c1024, rep(3), False),       # 21 P5 out
            Detect(nc, (c256, c512, c1024), reg_max),      # 22
        ])
        self.head.init_biases()
        self.head.rdk_layout = rdk_layout

    @property
    def head(self) -> "Detect":
        return self.model[22]

    def forward(self, x):
        m = self.model
        x = m[2](m[1](m[0](x)))
        p3 = m[4](m[3](x))
        p4 = m[6](m[5](p3))
        p5 = m[9](m[8](m[7](p4)))
        t4 = m[12](m[11]([m[10](p5), p4]))
        n3 = m[15](m[14]([m[13](t4), p3]))
        n4 = m[18](m[17]([m[16](n3), t4]))
        n5 = m[21](m[20]([m[19](n4), p5]))
        return m[22]([n3, n4, n5])

    @torch.no_grad()
    def postprocess(self, outputs: Sequence[torch.Tensor], conf: float = 0.25,
                    iou: float = 0.7, max_det: int = 300) -> List[torch.Tensor]:
        """CPU post-process of the raw head maps, not part of the traced graph: DFL decode,
        anchor points at cell centres, distance-to-box (xyxy, input pixels), sigmoid scores,
        confidence threshold and class-aware NMS. Returns per image an N x 6 tensor
        (x1, y1, x2, y2, score, class)."""
        import torchvision

        head = self.head
        if len(outputs) == 2 * len(STRIDES):   # rdk_layout: NHWC box maps, then class maps
            outputs = [torch.cat((bx, cl), 3).permute(0, 3, 1, 2)
                       for bx, cl in zip(outputs[:3], outputs[3:])]
        b = outputs[0].shape[0]
        flat, anchors, strides = [], [], []
        for o, s in zip(outputs, STRIDES):
            h, w = o.shape[2:]
            flat.append(o.reshape(b, head.no, h * w))
            ys = torch.arange(h, dtype=o.dtype) + 0.5
            xs = torch.arange(w, dtype=o.dtype) + 0.5
            yy, xx = torch.meshgrid(ys, xs, indexing="ij")
            anchors.append(torch.stack((xx, yy), -1).view(-1, 2))
            strides.append(torch.full((h * w, 1), float(s), dtype=o.dtype))
        y = torch.cat(flat, 2)
        anchors = torch.cat(anchors).t().unsqueeze(0)           # 1 x 2 x A
        stride = torch.cat(strides).t().unsqueeze(0)            # 1 x 1 x A
        box, cls = y.split((4 * head.reg_max, head.nc), 1)
        lt, rb = head.dfl(box).chunk(2, 1)
        boxes = torch.cat((anchors - lt, anchors + rb), 1) * stride   # B x 4 x A
        scores = cls.sigmoid()
        results = []
        for i in range(b):
            score, label = scores[i].max(0)
            keep = score > conf
            bx, sc, lb = boxes[i].t()[keep], score[keep], label[keep]
            k = torchvision.ops.batched_nms(bx, sc, lb, iou)[:max_det]
            results.append(torch.cat((bx[k], sc[k, None], lb[k, None].to(bx.dtype)), 1))
        return results


def param_count(model: nn.Module, fused: bool = True) -> int:
    """Parameters as ultralytics reports them: with ``fused`` (its published numbers, after
    folding every Conv's BatchNorm into a conv bias) each BatchNorm's 2*C affine parameters
    become C bias parameters."""
    n = sum(p.numel() for p in model.parameters())
    if fused:
        n -= sum(m.num_features for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    return n


def conv_macs(model: nn.Module, image_size: int = 640) -> int:
    """Multiply-accumulates of every Conv2d run by ``forward`` on a 1x3xSxS input (the
    quantity behind the published GFLOPs = 2 * MACs / 1e9; BatchNorm fused away, pooling,
    activations, upsampling and concatenation counted as free, as ultralytics' thop-based
    count does). Computed from the output shapes, so it runs the model once."""
    total = [0]

    def hook(m, inputs, out):
        kh, kw = m.kernel_size
        total[0] += out.numel() * (m.in_channels // m.groups) * kh * kw

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, image_size, image_size))
    finally:
        for h in handles:
            h.remove()
    return total[0]


def build_yolov8(scale: str, seed: int = 0, calib_batches: int = 4,
                 calib_size: int = 160) -> YOLOv8:
    """YOLOv8-``scale`` in eval mode with seeded random weights; BatchNorm statistics are
    re-estimated on *calib_batches* random batches of 2x3xSxS (S = *calib_size*: small,
    because only the statistics matter and x at 640 costs ~260 GFLOPs per image)."""
    from quantscope_trace.tracer import recalibrate_bn

    torch.manual_seed(seed)
    model = YOLOv8(scale)
    gen = torch.Generator().manual_seed(seed + 1)
    shape = (2, 3, calib_size, calib_size)
    n = recalibrate_bn(model, lambda: (torch.randn(shape, generator=gen),), calib_batches)
    model.eval()
    published = PUBLISHED[scale]
    model.quantscope_metadata = {
        "weights": "random, seed %d" % seed,
        "bn_recalibrated": "true" if n else "false",
        "bn_recalibration": "%d random batches of %s, %d BatchNorm layers"
                            % (calib_batches, "x".join(map(str, shape)), n),
        "architecture": "YOLOv8%s (depth %.2f, width %.2f, max_channels %d)"
                        % ((scale,) + SCALES[scale]),
        "num_classes": "80",
        "reg_max": "16",
        "input_size": "1x3x640x640",
        "outputs": "raw head maps per level: cat(box 4*reg_max, cls 80) at strides 8, 16, 32",
        "post_process": "YOLOv8.postprocess (DFL, anchors, NMS): outside the graph",
        "published": "%.1fM params, %.1f GFLOPs (640, fused BN)" % published,
        "data": "synthetic (random weights, random inputs)",
    }
    return model


def yolov8n(seed: int = 0) -> YOLOv8:
    return build_yolov8("n", seed)


def yolov8s(seed: int = 0) -> YOLOv8:
    return build_yolov8("s", seed)


def yolov8m(seed: int = 0) -> YOLOv8:
    return build_yolov8("m", seed)


def yolov8l(seed: int = 0) -> YOLOv8:
    return build_yolov8("l", seed)


def yolov8x(seed: int = 0) -> YOLOv8:
    return build_yolov8("x", seed)
