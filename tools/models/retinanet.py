"""A small RetinaNet-style detector, the Quantscope demo model.

Structure after the RetinaNet example of Horizon's FX quantization guide: a backbone, an
FPN neck, a head shared by all pyramid levels, and a ``_post_process`` method decorated
with ``quantscope_trace.wrap`` so that FX keeps anchor generation, box decoding, the
``self.training`` branch (targets and losses) and NMS out of the traced graph, while the
modules called in it (``anchors``, ``post_process``, ...) are still known.

``retinanet_demo()`` builds it with seeded random weights and re-estimated BatchNorm
statistics: 10 classes, 3 anchors per location, input ``data["img"]`` of 1x3x256x256.
"""

import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from quantscope_trace import wrap


def conv_bn_relu(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def he_init(module: nn.Module) -> None:
    """Kaiming-normal weights and zero biases for the convs without BatchNorm."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class BasicBlock(nn.Module):
    """ResNet basic block: two 3x3 conv+bn, a residual add, relu."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + identity)


class Backbone(nn.Module):
    """Stem (stride 2) and four stride-2 stages; returns C3, C4, C5 (strides 8, 16, 32)."""

    def __init__(self, widths: Sequence[int] = (16, 24, 48, 96, 160)):
        super().__init__()
        self.stem = conv_bn_relu(3, widths[0], 2)
        self.layer1 = BasicBlock(widths[0], widths[1], 2)
        self.layer2 = BasicBlock(widths[1], widths[2], 2)
        self.layer3 = BasicBlock(widths[2], widths[3], 2)
        self.layer4 = BasicBlock(widths[3], widths[4], 2)
        self.out_channels = list(widths[2:])

    def forward(self, x) -> List[torch.Tensor]:
        x = self.layer1(self.stem(x))
        c3 = self.layer2(x)
        c4 = self.layer3(c3)
        c5 = self.layer4(c4)
        return [c3, c4, c5]


class FPN(nn.Module):
    """Lateral 1x1 convs, top-down nearest upsampling + add, 3x3 output convs."""

    def __init__(self, in_channels: Sequence[int], out_channels: int = 64):
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in in_channels)
        self.output = nn.ModuleList(nn.Conv2d(out_channels, out_channels, 3, padding=1)
                                    for _ in in_channels)
        he_init(self)

    def forward(self, feats: List[torch.Tensor]) -> List[torch.Tensor]:
        laterals = [conv(f) for conv, f in zip(self.lateral, feats)]
        for i in range(len(laterals) - 1, 0, -1):
            up = F.interpolate(laterals[i], scale_factor=2.0, mode="nearest")
            laterals[i - 1] = laterals[i - 1] + up
        return [conv(x) for conv, x in zip(self.output, laterals)]


class RetinaHead(nn.Module):
    """Classification and box towers shared by every pyramid level."""

    def __init__(self, in_channels: int, num_classes: int, num_anchors: int,
                 stacked_convs: int = 2, prior_prob: float = 0.01):
        super().__init__()
        self.num_classes = num_classes
        self.num_anchors = num_anchors

        def tower():
            layers = []
            for _ in range(stacked_convs):
                layers += [nn.Conv2d(in_channels, in_channels, 3, padding=1),
                           nn.ReLU(inplace=True)]
            return nn.Sequential(*layers)

        self.cls_tower = tower()
        self.reg_tower = tower()
        self.cls_out = nn.Conv2d(in_channels, num_anchors * num_classes, 3, padding=1)
        self.reg_out = nn.Conv2d(in_channels, num_anchors * 4, 3, padding=1)
        # He init keeps random-weight outputs informative (the usual std=0.01 init would
        # make every score equal the prior); the classifier bias still gets the prior.
        he_init(self)
        with torch.no_grad():  # smaller output layers: logits and box deltas of std ~1
            self.cls_out.weight.mul_(0.25)
            self.reg_out.weight.mul_(0.2)
        nn.init.constant_(self.cls_out.bias, -math.log((1 - prior_prob) / prior_prob))

    def forward(self, feats: List[torch.Tensor]):
        cls_scores = [self.cls_out(self.cls_tower(f)) for f in feats]
        bbox_preds = [self.reg_out(self.reg_tower(f)) for f in feats]
        return cls_scores, bbox_preds


class Anchors(nn.Module):
    """Anchors (x1, y1, x2, y2) of every level, ordered level, y, x, anchor."""

    def __init__(self, strides=(8, 16, 32), sizes=(32, 64, 128), ratios=(0.5, 1.0, 2.0)):
        super().__init__()
        self.strides, self.sizes, self.ratios = tuple(strides), tuple(sizes), tuple(ratios)

    def forward(self, feats: List[torch.Tensor]) -> torch.Tensor:
        out = []
        for f, stride, size in zip(feats, self.strides, self.sizes):
            h, w = f.shape[-2:]
            ys = (torch.arange(h, dtype=torch.float32) + 0.5) * stride
            xs = (torch.arange(w, dtype=torch.float32) + 0.5) * stride
            cy, cx = torch.meshgrid(ys, xs, indexing="ij")
            r = torch.tensor(self.ratios)
            half_w = size / torch.sqrt(r) / 2
            half_h = size * torch.sqrt(r) / 2
            cx, cy = cx[..., None], cy[..., None]
            boxes = torch.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], dim=-1)
            out.append(boxes.reshape(-1, 4))
        return torch.cat(out, dim=0)


def encode_boxes(anchors: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ax, ay = anchors[:, 0] + aw / 2, anchors[:, 1] + ah / 2
    bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    bx, by = boxes[:, 0] + bw / 2, boxes[:, 1] + bh / 2
    return torch.stack([(bx - ax) / aw, (by - ay) / ah,
                        torch.log(bw.clamp(min=1e-3) / aw), torch.log(bh.clamp(min=1e-3) / ah)],
                       dim=-1)


def decode_boxes(anchors: torch.Tensor, deltas: torch.Tensor) -> torch.Tensor:
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ax, ay = anchors[:, 0] + aw / 2, anchors[:, 1] + ah / 2
    dw = deltas[:, 2].clamp(max=math.log(1000.0 / 16))
    dh = deltas[:, 3].clamp(max=math.log(1000.0 / 16))
    x, y = ax + deltas[:, 0] * aw, ay + deltas[:, 1] * ah
    w, h = aw * torch.exp(dw), ah * torch.exp(dh)
    return torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=-1)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter).clamp(min=1e-6)


def flatten_head_out(inputs: List[torch.Tensor], num: int) -> torch.Tensor:
    """[N, A*num, H, W] per level -> [N, sum(H*W*A), num]."""
    return torch.cat([t.permute(0, 2, 3, 1).reshape(t.shape[0], -1, num) for t in inputs],
                     dim=1)


class RetinaPostProcess(nn.Module):
    """Sigmoid scores, top-k over anchors x classes, score threshold, box decoding,
    clipping and class-wise NMS.  Returns per image a [K, 6] tensor
    (x1, y1, x2, y2, score, label)."""

    def __init__(self, num_classes: int, score_thresh: float = 0.05, topk: int = 200,
                 nms_iou: float = 0.5, max_det: int = 50):
        super().__init__()
        self.num_classes = num_classes
        self.score_thresh, self.topk = score_thresh, topk
        self.nms_iou, self.max_det = nms_iou, max_det

    def forward(self, anchors, cls_scores, bbox_preds, image_sizes):
        from torchvision.ops import batched_nms
        scores = flatten_head_out(cls_scores, self.num_classes).sigmoid()
        deltas = flatten_head_out(bbox_preds, 4)
        results = []
        for i in range(scores.shape[0]):
            s = scores[i].flatten()
            top, idx = s.topk(min(self.topk, s.numel()))
            keep = top > self.score_thresh
            top, idx = top[keep], idx[keep]
            aidx = torch.div(idx, self.num_classes, rounding_mode="floor")
            labels = idx % self.num_classes
            boxes = decode_boxes(anchors[aidx], deltas[i, aidx])
            h, w = image_sizes[i]
            boxes = torch.stack([boxes[:, 0].clamp(0, w), boxes[:, 1].clamp(0, h),
                                 boxes[:, 2].clamp(0, w), boxes[:, 3].clamp(0, h)], dim=-1)
            k = batched_nms(boxes, top, labels, self.nms_iou)[: self.max_det]
            results.append(torch.cat([boxes[k], top[k, None], labels[k, None].float()], dim=1))
        return results


class RetinaTargets(nn.Module):
    """Anchor assignment by IoU: positives >= pos_iou, negatives < neg_iou, the rest ignored.
    ``gt_labels[i]`` is [n, 5]: box (x1, y1, x2, y2) and class + 1."""

    def __init__(self, num_classes: int, pos_iou: float = 0.5, neg_iou: float = 0.4):
        super().__init__()
        self.num_classes, self.pos_iou, self.neg_iou = num_classes, pos_iou, neg_iou

    def forward(self, anchors: torch.Tensor, gt_labels: List[torch.Tensor]):
        cls_label, cls_mask, reg_label, reg_mask = [], [], [], []
        n = anchors.shape[0]
        for gt in gt_labels:
            cls_t = anchors.new_zeros(n, self.num_classes)
            reg_t = anchors.new_zeros(n, 4)
            pos = torch.zeros(n, dtype=torch.bool)
            valid = torch.ones(n, dtype=torch.bool)
            if gt.shape[0] > 0:
                iou, best = box_iou(anchors, gt[:, :4]).max(dim=1)
                pos = iou >= self.pos_iou
                valid = pos | (iou < self.neg_iou)
                cls_t[pos, gt[best[pos], 4].long() - 1] = 1.0
                reg_t[pos] = encode_boxes(anchors[pos], gt[best[pos], :4])
            cls_label.append(cls_t)
            cls_mask.append(valid[:, None].float())
            reg_label.append(reg_t)
            reg_mask.append(pos[:, None].float())
        labels = {"cls_label": torch.stack(cls_label), "cls_label_mask": torch.stack(cls_mask),
                  "reg_label": torch.stack(reg_label), "reg_label_mask": torch.stack(reg_mask)}
        return None, labels


class FocalLoss(nn.Module):
    def __init__(self, alpha: float = 0.25, gamma: float = 2.0):
        super().__init__()
        self.alpha, self.gamma = alpha, gamma

    def forward(self, pred, target, weight, avg_factor):
        pred = pred.clamp(1e-6, 1 - 1e-6)
        pt = torch.where(target > 0, pred, 1 - pred)
        alpha = torch.where(target > 0, torch.full_like(pred, self.alpha),
                            torch.full_like(pred, 1 - self.alpha))
        loss = -alpha * (1 - pt) ** self.gamma * torch.log(pt)
        return (loss * weight).sum() / avg_factor


class L1RegLoss(nn.Module):
    def forward(self, pred, target, weight, avg_factor):
        return ((pred - target).abs() * weight).sum() / avg_factor


class RetinaNet(nn.Module):
    def __init__(self, backbone: nn.Module, neck: Optional[nn.Module] = None,
                 head: Optional[nn.Module] = None, anchors: Optional[nn.Module] = None,
                 targets: Optional[nn.Module] = None,
                 post_process: Optional[nn.Module] = None,
                 loss_cls: Optional[nn.Module] = None, loss_reg: Optional[nn.Module] = None):
        super().__init__()
        self.backbone = backbone
        self.neck = neck
        self.head = head
        self.anchors = anchors
        self.targets = targets
        self.post_process = post_process
        self.loss_cls = loss_cls
        self.loss_reg = loss_reg

    def rearrange_head_out(self, inputs: List[torch.Tensor], num: int):
        return flatten_head_out(inputs, num)

    def forward(self, data: Dict):
        feat = self.backbone(data["img"])
        feat = self.neck(feat) if self.neck else feat
        cls_scores, bbox_preds = self.head(feat)
        if self.post_process is None:
            return cls_scores, bbox_preds
        # Everything below is opaque to FX: one call_function node.
        return self._post_process(data, feat, cls_scores, bbox_preds)

    @wrap()
    def _post_process(self, data, feat, cls_scores, bbox_preds):
        anchors = self.anchors(feat)
        # self.training must be tested in wrapped code: FX would freeze the branch.
        if self.training:
            cls_scores = self.rearrange_head_out(cls_scores, self.head.num_classes)
            bbox_preds = self.rearrange_head_out(bbox_preds, 4)
            gt_labels = [
                torch.cat([data["gt_bboxes"][i], data["gt_classes"][i][:, None] + 1], dim=-1)
                for i in range(len(data["gt_classes"]))
            ]
            gt_labels = [gt_label.float() for gt_label in gt_labels]
            _, labels = self.targets(anchors, gt_labels)
            avg_factor = labels["reg_label_mask"].sum()
            if avg_factor == 0:
                avg_factor += 1
            cls_loss = self.loss_cls(pred=cls_scores.sigmoid(), target=labels["cls_label"],
                                     weight=labels["cls_label_mask"], avg_factor=avg_factor)
            reg_loss = self.loss_reg(pred=bbox_preds, target=labels["reg_label"],
                                     weight=labels["reg_label_mask"], avg_factor=avg_factor)
            return {"cls_loss": cls_loss, "reg_loss": reg_loss}
        if "resized_shape" in data:
            sizes = [tuple(int(v) for v in s) for s in data["resized_shape"]]
        else:
            sizes = [tuple(int(v) for v in data["img"].shape[-2:])] * data["img"].shape[0]
        preds = self.post_process(anchors, cls_scores, bbox_preds, sizes)
        assert "pred_bboxes" not in data.keys(), "pred_bboxes has been in data.keys()"
        data["pred_bboxes"] = preds
        return data


def build_retinanet(num_classes: int = 10) -> RetinaNet:
    backbone = Backbone()
    neck = FPN(backbone.out_channels, 64)
    head = RetinaHead(64, num_classes, num_anchors=3)
    return RetinaNet(backbone, neck, head, anchors=Anchors(),
                     targets=RetinaTargets(num_classes),
                     post_process=RetinaPostProcess(num_classes),
                     loss_cls=FocalLoss(), loss_reg=L1RegLoss())


def retinanet_demo(seed: int = 0, num_classes: int = 10, image_size: int = 256,
                   calib_batches: int = 8) -> RetinaNet:
    """The demo model in eval mode: seeded random weights, BatchNorm re-estimated on
    *calib_batches* random batches of 2x3xSxS (see docs/tracer.md)."""
    from quantscope_trace.tracer import recalibrate_bn

    torch.manual_seed(seed)
    model = build_retinanet(num_classes)
    gen = torch.Generator().manual_seed(seed + 1)
    shape = (2, 3, image_size, image_size)
    n = recalibrate_bn(model, lambda: ({"img": torch.randn(shape, generator=gen)},),
                       calib_batches)
    model.eval()
    model.quantscope_metadata = {
        "weights": "random, seed %d" % seed,
        "bn_recalibrated": "true",
        "bn_recalibration": "%d random batches of %s, %d BatchNorm layers"
                            % (calib_batches, "x".join(map(str, shape)), n),
        "num_classes": str(num_classes),
        "input_size": "1x3x%dx%d" % (image_size, image_size),
        "data": "synthetic (random weights, random inputs)",
    }
    return model
