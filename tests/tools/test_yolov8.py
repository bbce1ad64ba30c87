#!/usr/bin/python3
"""Tests of the YOLOv8 models (tools/models/yolov8.py) and their traced graphs in
data/models/.  Run:  /usr/bin/python3 tests/tools/test_yolov8.py

- parameters (fused BatchNorm, as published) and conv MACs at 640x640 of n/s/m/l/x are
  within 3% of the published numbers in /work/shared/data/nash-latency-train.csv (or, when
  that file is absent, of the same numbers in yolov8.PUBLISHED);
- the graph files have the nodes torch.fx gives, their shapes give the same MACs, and every
  target is in engine/qs-op-targets.inc;
- the graph files are up to date: n and s are re-traced at 640x640 and compared; m, l and x
  (10-22 s each at 640) are re-traced at 64x64 and compared with spatial sizes scaled by 10.

Exits 77 (meson's "skipped") when torch or torchvision cannot be imported."""

import collections
import contextlib
import csv
import importlib.machinery
import importlib.util
import io
import json
import os
import re
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.realpath(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOLS = os.path.join(ROOT, "tools")
DATA = os.path.join(ROOT, "data", "models")
OP_TARGETS = os.path.join(ROOT, "engine", "qs-op-targets.inc")
CSV = "/work/shared/data/nash-latency-train.csv"
sys.path.insert(0, TOOLS)

try:
    import torch
    import torch.fx
    import torchvision  # noqa: F401
except ImportError as exc:
    print("1..0 # SKIP torch/torchvision not importable with %s: %s" % (sys.executable, exc))
    sys.exit(77)

from models import yolov8 as Y  # noqa: E402
from quantscope_trace import cli  # noqa: E402

torch.set_num_threads(1)

SCALES = "nsmlx"
TOLERANCE = 0.03
FULL_RETRACE = ("yolov8n", "yolov8s")   # the others are re-traced at SMALL and scaled
SMALL = 64

# This implementation's exact counts (fused BatchNorm params, conv MACs at 640x640): a
# regression guard. n matches ultralytics' own summary (3,151,904 fused / 3,157,200 params).
EXACT = {
    "n": (3151904, 4371456000),
    "s": (11156544, 14300774400),
    "m": (25886080, 39467827200),
    "l": (43668288, 82573721600),
    "x": (68200608, 128901632000),
}


def published():
    """{scale: (params_M, gflops)} from the CSV (YOLOv8 rows), else yolov8.PUBLISHED."""
    if not os.path.exists(CSV):
        return dict(Y.PUBLISHED), False
    out = {}
    with open(CSV, newline="") as f:
        for row in csv.DictReader(f):
            m = re.fullmatch(r"YOLOv8([nsmlx])", row["model"])
            if m and row["params_M"] and row["gflops"]:
                out[m.group(1)] = (float(row["params_M"]), float(row["gflops"]))
    return out, True


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_make_demo_models():
    path = os.path.join(TOOLS, "make-demo-models")
    loader = importlib.machinery.SourceFileLoader("make_demo_models", path)
    spec = importlib.util.spec_from_loader("make_demo_models", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def graph_macs(doc):
    """Conv MACs from a graph file alone: output shape x in_channels/groups x kernel."""
    mods = {m["path"]: m for m in doc["modules"]}
    total = 0
    for n in doc["nodes"]:
        if n["kind"] != "call_module" or mods[n["target"]]["type"] != "torch.nn.Conv2d":
            continue
        a = mods[n["target"]]["attrs"]
        numel = 1
        for d in doc["values"][n["outputs"][0]]["shape"]:
            numel *= d
        total += numel * a["in_channels"] // a["groups"] * a["kernel_size"][0] \
            * a["kernel_size"][1]
    return total


def op_table():
    """{(kind, target)} known to engine/qs-op-targets.inc, or None without the file."""
    if not os.path.exists(OP_TARGETS):
        return None
    with open(OP_TARGETS) as f:
        return set(re.findall(r'QS_TARGET \((MODULE|FUNCTION|METHOD),\s*"([^"]+)"', f.read()))


def scale_value(v, factor):
    """A value description with the spatial dims of every 4-D tensor multiplied."""
    v = dict(v)
    if "shape" in v and len(v["shape"]) == 4:
        v["shape"] = v["shape"][:2] + [d * factor for d in v["shape"][2:]]
    if "elements" in v:
        v["elements"] = [scale_value(e, factor) for e in v["elements"]]
    return v


class YOLOv8Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="qs-yolov8-test-")
        cls.out = cls.tmp.name
        cls.demo = load_make_demo_models()
        cls.published, cls.from_csv = published()
        cls.models = {}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def model(self, scale):
        """The architecture with seeded random weights (no BN re-estimation: counts and
        structure do not depend on it)."""
        if scale not in self.models:
            torch.manual_seed(0)
            self.models[scale] = Y.YOLOv8(scale).eval()
        return self.models[scale]

    def graph(self, name):
        path = os.path.join(DATA, name + ".qsgraph.json")
        self.assertTrue(os.path.exists(path), "%s missing: run tools/make-demo-models" % path)
        return load(path)

    def test_published_numbers(self):
        self.assertEqual(sorted(self.published), sorted(SCALES))
        if self.from_csv:
            self.assertEqual(self.published, Y.PUBLISHED)

    def test_params_match_published(self):
        for s in SCALES:
            with self.subTest(scale=s):
                m = self.model(s)
                fused, unfused = Y.param_count(m), Y.param_count(m, fused=False)
                self.assertEqual(fused, EXACT[s][0])
                bn = sum(b.num_features for b in m.modules()
                         if isinstance(b, torch.nn.BatchNorm2d))
                self.assertEqual(unfused - fused, bn)
                want = self.published[s][0] * 1e6
                self.assertLess(abs(fused / want - 1), TOLERANCE,
                                "%s: %d params vs %.1fM published" % (s, fused, want / 1e6))

    def test_macs_match_published(self):
        # Every feature map is S/stride for S a multiple of 32, so conv MACs scale exactly
        # with the input area: MACs(640) = 100 * MACs(64) (checked at 640 for n).
        n640 = Y.conv_macs(self.model("n"), 640)
        self.assertEqual(n640, 100 * Y.conv_macs(self.model("n"), SMALL))
        for s in SCALES:
            with self.subTest(scale=s):
                macs = 100 * Y.conv_macs(self.model(s), SMALL)
                self.assertEqual(macs, EXACT[s][1])
                gflops = 2 * macs / 1e9
                self.assertLess(abs(gflops / self.published[s][1] - 1), TOLERANCE,
                                "%s: %.2f GFLOPs vs %.1f published"
                                % (s, gflops, self.published[s][1]))
                # the graph file at 640 gives the same count from its shapes alone
                self.assertEqual(graph_macs(self.graph("yolov8" + s)), macs)

    def test_graph_matches_fx(self):
        for s in SCALES:
            with self.subTest(scale=s):
                doc = self.graph("yolov8" + s)
                fx_nodes = list(torch.fx.symbolic_trace(self.model(s)).graph.nodes)
                self.assertEqual(len(doc["nodes"]), len(fx_nodes))
                self.assertEqual(collections.Counter(n["kind"] for n in doc["nodes"]),
                                 collections.Counter(n.op for n in fx_nodes))
                self.assertEqual([n["name"] for n in doc["nodes"]], [n.name for n in fx_nodes])
                self.assertIsNone(doc["weights"])
                self.assertEqual(doc["wrapped"], [])  # post-process is outside the graph
                self.assertEqual(doc["model"]["metadata"]["bn_recalibrated"], "true")
                out = doc["nodes"][-1]
                self.assertEqual([doc["values"][v]["shape"] for v in out["inputs"]],
                                 [[1, 144, 640 // st, 640 // st] for st in Y.STRIDES])
                listed = {}
                for m in doc["modules"]:
                    for t in m["params"] + m["buffers"]:
                        listed[(m["path"] + "." if m["path"] else "") + t["name"]] = t["shape"]
                self.assertEqual(listed, {k: list(v.shape)
                                          for k, v in self.model(s).state_dict().items()})

    def test_targets_in_op_table(self):
        known = op_table()
        if known is None:
            self.skipTest("no %s" % OP_TARGETS)
        kinds = {"call_module": "MODULE", "call_function": "FUNCTION", "call_method": "METHOD"}
        for name in ["yolov8" + s for s in SCALES] + ["resnet152"]:
            with self.subTest(model=name):
                doc = self.graph(name)
                types = {m["path"]: m["type"] for m in doc["modules"]}
                unknown = set()
                for n in doc["nodes"]:
                    if n["kind"] in kinds:
                        t = types[n["target"]] if n["kind"] == "call_module" else n["target"]
                        if (kinds[n["kind"]], t) not in known:
                            unknown.add(t)
                self.assertEqual(unknown, set())

    def test_data_files_up_to_date(self):
        entries = dict(self.demo.YOLOV8_MODELS)
        self.assertEqual(sorted(entries), sorted("yolov8" + s for s in SCALES))
        self.assertIn("resnet152", dict(self.demo.DEMO_MODELS))
        for name, argv in self.demo.YOLOV8_MODELS:
            with self.subTest(model=name):
                committed = self.graph(name)
                committed.pop("producer")
                full = name in FULL_RETRACE
                if not full:
                    i = argv.index("--input")
                    argv = argv[:i + 1] + ["1x3x%dx%d" % (SMALL, SMALL)] + argv[i + 2:]
                err = io.StringIO()
                with contextlib.redirect_stderr(err):
                    rc = cli.main(self.demo.argv_for(name, argv, self.out))
                self.assertEqual(rc, 0, err.getvalue())
                fresh = load(os.path.join(self.out, name + ".qsgraph.json"))
                fresh.pop("producer")
                if not full:
                    self.assertEqual(fresh["model"]["metadata"].pop("input"),
                                     "1x3x%dx%d" % (SMALL, SMALL))
                    fresh["model"]["metadata"]["input"] = "1x3x640x640"
                    fresh["values"] = [scale_value(v, 640 // SMALL) for v in fresh["values"]]
                self.assertTrue(committed == fresh,
                                "%s is stale: run tools/make-demo-models" % name)

    def test_postprocess_decodes_dfl(self):
        head = self.model("n").head
        size = 64
        outs = []
        for st in Y.STRIDES:
            o = torch.full((1, head.no, size // st, size // st), -20.0)
            outs.append(o)
        # one confident class-7 prediction at level P4, cell (y=1, x=2); box distance bins
        # (left, top, right, bottom) = (1, 2, 3, 4) as one-hot logits
        o = outs[1]
        for side, k in enumerate((1, 2, 3, 4)):
            o[0, side * 16 + k, 1, 2] = 30.0
        o[0, 64 + 7, 1, 2] = 10.0
        (det,) = self.model("n").postprocess(outs)
        self.assertEqual(det.shape, (1, 6))
        cx, cy = (2 + 0.5) * 16, (1 + 0.5) * 16
        want = torch.tensor([cx - 1 * 16, cy - 2 * 16, cx + 3 * 16, cy + 4 * 16])
        self.assertTrue(torch.allclose(det[0, :4], want, atol=1e-3), det)
        self.assertEqual(int(det[0, 5]), 7)
        self.assertGreater(float(det[0, 4]), 0.99)

    def test_factory_runs(self):
        m = Y.yolov8n()
        self.assertFalse(m.training)
        torch.manual_seed(0)
        with torch.no_grad():
            outs = m(torch.randn(1, 3, 128, 128))
        self.assertEqual([tuple(o.shape) for o in outs],
                         [(1, 144, 128 // st, 128 // st) for st in Y.STRIDES])
        # BatchNorm re-estimated: the signal survives (no vanishing outputs)
        self.assertGreater(min(float(o[:, :64].std()) for o in outs), 0.1)
        (det,) = m.postprocess(outs, conf=0.0)
        self.assertEqual(det.shape[1], 6)
        self.assertTrue(bool(torch.isfinite(det).all()))

    def test_rdk_layout(self):
        torch.manual_seed(0)
        rdk = Y.YOLOv8("n", rdk_layout=True).eval()
        rdk.load_state_dict(self.model("n").state_dict())
        x = torch.randn(1, 3, 128, 128)
        with torch.no_grad():
            plain, six = self.model("n")(x), rdk(x)
        self.assertEqual([tuple(o.shape) for o in six],
                         [(1, 128 // st, 128 // st, 64) for st in Y.STRIDES]
                         + [(1, 128 // st, 128 // st, 80) for st in Y.STRIDES])
        for p, bx, cl in zip(plain, six[:3], six[3:]):
            self.assertTrue(torch.equal(p, torch.cat((bx, cl), 3).permute(0, 3, 1, 2)))
        self.assertTrue(torch.equal(self.model("n").postprocess(plain, conf=0.0)[0],
                                    rdk.postprocess(six, conf=0.0)[0]))
        targets = {n.target for n in torch.fx.symbolic_trace(rdk).graph.nodes
                   if n.op == "call_method"}
        self.assertEqual(targets, {"chunk", "permute", "contiguous"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
