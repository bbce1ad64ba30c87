#!/usr/bin/python3
"""Tests of tools/quantscope-trace.  Run:  /usr/bin/python3 tests/tools/test_tracer.py

Exits 77 (meson's "skipped") when torch or torchvision cannot be imported."""

import collections
import contextlib
import importlib.machinery
import importlib.util
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.realpath(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOLS = os.path.join(ROOT, "tools")
TRACE = os.path.join(TOOLS, "quantscope-trace")
DATA = os.path.join(ROOT, "data", "models")
sys.path.insert(0, TOOLS)
sys.path.insert(0, HERE)

try:
    import torch
    import torch.fx
    import torchvision  # noqa: F401
    from torch.fx.passes.shape_prop import ShapeProp
except ImportError as exc:
    print("1..0 # SKIP torch/torchvision not importable with %s: %s" % (sys.executable, exc))
    sys.exit(77)

from quantscope_trace import cli, safetensors_io  # noqa: E402
from quantscope_trace.tracer import QSTracer  # noqa: E402

torch.set_num_threads(1)


def _load_make_demo_models():
    path = os.path.join(TOOLS, "make-demo-models")
    loader = importlib.machinery.SourceFileLoader("make_demo_models", path)
    spec = importlib.util.spec_from_loader("make_demo_models", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def run_cli(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, err.getvalue()


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validate(tc, doc):
    """Structural checks of docs/graph-format.md."""
    tc.assertEqual(doc["format"], "quantscope-graph")
    tc.assertEqual(doc["version"], 1)
    for key in ("modules", "values", "nodes"):
        for k, e in enumerate(doc[key]):
            tc.assertEqual(e["id"], k, "%s[%d].id" % (key, k))
    paths = set()
    for m in doc["modules"]:
        p = m["path"]
        if p:
            parent = p.rsplit(".", 1)[0] if "." in p else ""
            while parent not in paths:
                tc.assertTrue(parent, "no listed parent for %s" % p)
                parent = parent.rsplit(".", 1)[0] if "." in parent else ""
        paths.add(p)
    produced = {}
    nodes = doc["nodes"]
    tc.assertEqual(nodes[-1]["kind"], "output")
    for n in nodes:
        for v in n["inputs"]:
            tc.assertIn(v, produced, "node %s reads value %d before it is produced"
                        % (n["name"], v))
        refs = []

        def collect(a):
            if isinstance(a, dict):
                if set(a) == {"value"}:
                    refs.append(a["value"])
                else:
                    for x in a.values():
                        collect(x)
            elif isinstance(a, list):
                for x in a:
                    collect(x)
        collect(n["args"])
        collect(n["kwargs"])
        tc.assertEqual(refs, n["inputs"], n["name"])
        tc.assertEqual(len(n["outputs"]), 0 if n["kind"] == "output" else 1)
        for v in n["outputs"]:
            tc.assertNotIn(v, produced)
            produced[v] = n["id"]
    tc.assertEqual(sorted(produced), list(range(len(doc["values"]))))
    for r in doc.get("wrapped", []):
        tc.assertEqual(nodes[r["node"]].get("wrapped"), doc["wrapped"].index(r))
        for p in r["modules"]:
            tc.assertIn(p, paths)
    for v in doc["values"]:
        if "shape" in v:
            tc.assertLessEqual(len(v["shape"]), 8)


def make_model(name):
    torch.manual_seed(0)
    if name == "retinanet-demo":
        from models.retinanet import retinanet_demo
        return retinanet_demo().eval(), lambda x: ({"img": x},), (1, 3, 256, 256)
    import torchvision.models as tvm
    return getattr(tvm, name)().eval(), lambda x: (x,), (1, 3, 224, 224)


class TracerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="qs-tracer-test-")
        cls.out = cls.tmp.name
        cls.demo = _load_make_demo_models()
        with contextlib.redirect_stderr(io.StringIO()):
            rc = cls.demo.run(cls.out)
        assert rc == 0, "make-demo-models failed"

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def graph(self, name):
        return load(os.path.join(self.out, name + ".qsgraph.json"))

    def test_models_match_fx(self):
        for name, _ in self.demo.DEMO_MODELS:
            with self.subTest(model=name):
                doc = self.graph(name)
                validate(self, doc)
                model, wrap_input, shape = make_model(name)
                gm = torch.fx.symbolic_trace(model)
                fx_nodes = list(gm.graph.nodes)
                self.assertEqual(collections.Counter(n["kind"] for n in doc["nodes"]),
                                 collections.Counter(n.op for n in fx_nodes))
                self.assertEqual([n["name"] for n in doc["nodes"]], [n.name for n in fx_nodes])
                torch.manual_seed(0)
                with torch.no_grad():
                    ShapeProp(gm).propagate(*wrap_input(torch.randn(shape)))
                checked = 0
                for n, v in zip(fx_nodes, doc["values"]):
                    meta = n.meta.get("tensor_meta")
                    if hasattr(meta, "shape"):
                        self.assertEqual(v["shape"], list(meta.shape), n.name)
                        self.assertEqual(v["dtype"], str(meta.dtype).replace("torch.", ""))
                        checked += 1
                self.assertGreater(checked, 50)
                sd = model.state_dict()
                listed = {}
                for m in doc["modules"]:
                    for t in m["params"] + m["buffers"]:
                        key = (m["path"] + "." if m["path"] else "") + t["name"]
                        listed[key] = t["shape"]
                self.assertEqual(listed, {k: list(v.shape) for k, v in sd.items()})

    def test_sources_and_targets(self):
        doc = self.graph("resnet18")
        conv = next(n for n in doc["nodes"] if n["name"] == "conv1")
        self.assertEqual(conv["source"]["file"], "torchvision/models/resnet.py")
        self.assertEqual(conv["source"]["code"], "x = self.conv1(x)")
        targets = {n["target"] for n in doc["nodes"] if n["kind"] == "call_function"}
        self.assertEqual(targets, {"operator.add", "torch.flatten"})
        mods = {m["path"]: m for m in doc["modules"]}
        self.assertEqual(mods["layer1.0.conv1"]["type"], "torch.nn.Conv2d")
        self.assertEqual(mods["layer1.0.conv1"]["attrs"]["kernel_size"], [3, 3])
        self.assertFalse(mods["layer1.0.conv1"]["attrs"]["bias"])
        self.assertEqual(mods[""]["type"], "torchvision.models.resnet.ResNet")
        self.assertIsNone(doc["weights"])

    def test_demo_wrapped_region(self):
        doc = self.graph("retinanet-demo")
        self.assertEqual(doc["weights"], "retinanet-demo.safetensors")
        self.assertEqual(doc["model"]["metadata"]["bn_recalibrated"], "true")
        (region,) = doc["wrapped"]
        self.assertEqual(region["kind"], "method")
        self.assertEqual(region["name"], "_post_process")
        self.assertIn("anchors", region["modules"])
        self.assertIn("post_process", region["modules"])
        self.assertNotIn("loss_cls", region["modules"])  # training branch did not run
        node = doc["nodes"][region["node"]]
        self.assertEqual(node["kind"], "call_function")
        self.assertEqual(node["target"], "wrap:models.retinanet.RetinaNet._post_process")
        self.assertEqual(node["source"]["file"], "models/retinanet.py")
        self.assertEqual(doc["values"][region["outputs"][0]]["dtype"], "dict")
        self.assertEqual(region["inputs"][0], 0)  # the data placeholder
        self.assertEqual(len(region["inputs"]), 10)  # data + 3 features + 3 + 3 head outputs
        head_calls = [n for n in doc["nodes"] if n["target"] == "head.cls_out"]
        self.assertEqual(len(head_calls), 3)  # shared head, one call per level

    def test_demo_runs_both_ways(self):
        from models.retinanet import retinanet_demo
        model = retinanet_demo()
        out = model({"img": torch.randn(1, 3, 256, 256)})
        self.assertEqual(out["pred_bboxes"][0].shape[1], 6)
        model.train()
        losses = model({"img": torch.randn(2, 3, 256, 256),
                        "gt_bboxes": [torch.tensor([[10., 20., 80., 100.]]), torch.zeros(0, 4)],
                        "gt_classes": [torch.tensor([3]), torch.zeros(0, dtype=torch.long)]})
        self.assertEqual(set(losses), {"cls_loss", "reg_loss"})
        self.assertTrue(all(torch.isfinite(v) for v in losses.values()))

    def test_safetensors_round_trip(self):
        from models.retinanet import retinanet_demo
        path = os.path.join(self.out, "retinanet-demo.safetensors")
        tensors, meta = safetensors_io.load_safetensors(path)
        self.assertEqual(meta["model"], "retinanet-demo")
        fresh = retinanet_demo(seed=1)
        fresh.load_state_dict(tensors, strict=True)
        original = retinanet_demo(seed=0).state_dict()
        for k, v in fresh.state_dict().items():
            self.assertTrue(torch.equal(v, original[k]), k)
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
            data_len = len(f.read())
        self.assertEqual(n % 8, 0)
        spans = sorted(v["data_offsets"] for k, v in header.items() if k != "__metadata__")
        self.assertEqual(spans[0][0], 0)
        self.assertEqual(spans[-1][1], data_len)
        for (_, e), (b, _) in zip(spans, spans[1:]):
            self.assertEqual(e, b)

    def test_safetensors_dtypes(self):
        ts = {"f": torch.randn(3, 5), "h": torch.randn(4).half(), "b": torch.randn(2).bfloat16(),
              "i": torch.arange(7), "s": torch.tensor(5), "m": torch.tensor([True, False]),
              "u": torch.arange(3, dtype=torch.uint8), "e": torch.zeros(0, 3),
              "t": torch.randn(4, 3).t()}
        path = os.path.join(self.out, "dtypes.safetensors")
        safetensors_io.save_safetensors(ts, path, metadata={"k": 1})
        back, meta = safetensors_io.load_safetensors(path)
        self.assertEqual(meta, {"k": "1"})
        self.assertEqual(set(back), set(ts))
        for k, v in ts.items():
            self.assertEqual(back[k].dtype, v.dtype, k)
            self.assertTrue(torch.equal(back[k], v), k)

    def test_demo_files_up_to_date(self):
        for name, _ in self.demo.DEMO_MODELS:
            with self.subTest(model=name):
                committed = os.path.join(DATA, name + ".qsgraph.json")
                self.assertTrue(os.path.exists(committed),
                                "%s missing: run tools/make-demo-models" % committed)
                a, b = load(committed), self.graph(name)
                a.pop("producer"), b.pop("producer")
                self.assertTrue(a == b, "%s is stale: run tools/make-demo-models" % committed)
        with open(os.path.join(DATA, "retinanet-demo.safetensors"), "rb") as f1, \
                open(os.path.join(self.out, "retinanet-demo.safetensors"), "rb") as f2:
            self.assertTrue(f1.read() == f2.read(),
                             "retinanet-demo.safetensors is stale: run tools/make-demo-models")

    def test_deterministic_output(self):
        out = os.path.join(self.out, "again.qsgraph.json")
        rc, err = run_cli(["torchvision.models:resnet18", "--input", "1x3x224x224",
                           "--no-weights", "--name", "resnet18", "-o", out])
        self.assertEqual(rc, 0, err)
        with open(out) as f1, open(os.path.join(self.out, "resnet18.qsgraph.json")) as f2:
            self.assertEqual(f1.read(), f2.read())

    def _line_of(self, needle):
        with open(os.path.join(HERE, "tracer_test_models.py")) as f:
            for i, line in enumerate(f, 1):
                if needle in line:
                    return i, line.strip()
        raise AssertionError(needle)

    def test_dynamic_control_flow_fails(self):
        out = os.path.join(self.out, "dyn.qsgraph.json")
        proc = subprocess.run(
            [TRACE, "tracer_test_models:dynamic", "--input", "1x3x8x8", "--path", HERE,
             "-o", out], cwd="/", capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        line, code = self._line_of("if y.sum() > 0")
        self.assertIn("tracer_test_models.py:%d" % line, proc.stderr)
        self.assertIn(code, proc.stderr)
        self.assertIn("TraceError", proc.stderr)
        self.assertIn("@quantscope_trace.wrap", proc.stderr)
        self.assertNotIn("Traceback", proc.stderr)
        self.assertFalse(os.path.exists(out))

    def test_numpy_on_proxy_fails(self):
        rc, err = run_cli(["tracer_test_models:numpy_model", "--input", "2x10", "--path", HERE,
                           "--no-weights", "-o", os.path.join(self.out, "np.qsgraph.json")])
        self.assertEqual(rc, 2, err)
        line, _ = self._line_of("np.asarray(x)")
        self.assertIn("tracer_test_models.py:%d" % line, err)
        self.assertIn("wrap", err)

    def test_wrapped_function(self):
        out = os.path.join(self.out, "wf.qsgraph.json")
        rc, err = run_cli(["tracer_test_models:wrapped_function", "--input", "2x10",
                           "--input", "2x4", "--path", HERE, "-o", out])
        self.assertEqual(rc, 0, err)
        doc = load(out)
        validate(self, doc)
        self.assertEqual(doc["weights"], "wf.safetensors")
        self.assertEqual([n["kind"] for n in doc["nodes"][:2]], ["placeholder"] * 2)
        (region,) = doc["wrapped"]
        self.assertEqual((region["kind"], region["name"]), ("function", "clip_boxes"))
        node = doc["nodes"][region["node"]]
        self.assertEqual(node["target"], "wrap:tracer_test_models.clip_boxes")
        self.assertEqual(node["args"][1], 50)
        value = doc["values"][region["outputs"][0]]
        self.assertEqual(value["dtype"], "tuple")
        self.assertEqual(value["elements"], [{"shape": [2, 4], "dtype": "float32"},
                                             {"dtype": "int"}])
        # outside tracing the wrapped function runs normally
        from tracer_test_models import clip_boxes
        boxes, n = clip_boxes(torch.tensor([[10.0, 80.0]]), 50)
        self.assertEqual(boxes.tolist(), [[10.0, 50.0]])
        self.assertEqual(n, 1)

    def test_wrapped_method_bare_decorator(self):
        out = os.path.join(self.out, "bm.qsgraph.json")
        rc, err = run_cli(["tracer_test_models:bare_method", "--input", "3x10", "--path", HERE,
                           "--no-weights", "-o", out])
        self.assertEqual(rc, 0, err)
        doc = load(out)
        validate(self, doc)
        self.assertIsNone(doc["weights"])
        (region,) = doc["wrapped"]
        self.assertEqual((region["kind"], region["name"], region["modules"]),
                         ("method", "_head", ["norm"]))
        node = doc["nodes"][region["node"]]
        self.assertEqual(node["target"], "wrap:tracer_test_models.BareWrappedMethod._head")
        self.assertEqual(node["kwargs"], {"scale": 2.0})
        self.assertEqual(doc["values"][node["outputs"][0]]["shape"], [3, 4])
        from tracer_test_models import BareWrappedMethod
        from quantscope_trace import is_wrapped
        m = BareWrappedMethod()
        self.assertTrue(is_wrapped(m._head))
        x = torch.randn(3, 4)
        self.assertTrue(torch.allclose(m._head(x, 3.0), m.norm(x) * 3.0))

    def test_leaf_module(self):
        argv = ["tracer_test_models:with_leaf", "--input", "1x3x8x8", "--path", HERE,
                "--no-weights"]
        rc, err = run_cli(argv + ["-o", os.path.join(self.out, "noleaf.qsgraph.json")])
        self.assertEqual(rc, 2, err)
        for leaf in ("gate", "Gate", "tracer_test_models.Gate"):
            with self.subTest(leaf=leaf):
                out = os.path.join(self.out, "leaf.qsgraph.json")
                rc, err = run_cli(argv + ["--leaf", leaf, "-o", out])
                self.assertEqual(rc, 0, err)
                doc = load(out)
                validate(self, doc)
                (region,) = doc["wrapped"]
                self.assertEqual(region["kind"], "leaf_module")
                self.assertEqual(region["name"], "gate")
                self.assertEqual(region["modules"], ["gate.a", "gate.b", "gate.b.0", "gate.b.1"])
                node = doc["nodes"][region["node"]]
                self.assertEqual((node["kind"], node["target"]), ("call_module", "gate"))
                self.assertEqual(doc["values"][node["outputs"][0]]["shape"], [1, 8, 8, 8])

    def test_tracer_class_is_usable_directly(self):
        tracer = QSTracer(leaves=["Gate"])
        from tracer_test_models import WithLeaf
        graph = tracer.trace(WithLeaf())
        self.assertEqual([n.op for n in graph.nodes],
                         ["placeholder", "call_module", "call_module", "call_module", "output"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
