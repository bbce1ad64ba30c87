#!/usr/bin/python3
"""tools/quantscope_project.py against torch's prepare_fx (torch 1.13).

Run:  /usr/bin/python3 tests/tools/test_project_torch.py [PATH/TO/quantscope-cli]

For the demo project (data/demo.qsproj, the RetinaNet demo) and a resnet18 project written
here, the QConfigMapping built from the project is given to prepare_fx (and prepare_qat_fx
for a QAT variant), and the qconfig torch ends up with on every module called in the graph
is compared with the one Quantscope resolves for it: `quantscope-cli check --print-rules`
turns the project into a rules file (read by the C loader), `quantscope-cli prepare --json
--rules` resolves it on the graph, and a fused group's modules are compared with the
group's qconfig.  The fields compared are those a torch QConfig carries
(quantscope_project.comparable).

Exits 77 (skipped) when torch or torchvision can't be imported.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.realpath(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))

try:
    import torch
    import torchvision
    from torch.ao.quantization.quantize_fx import prepare_fx, prepare_qat_fx
except ImportError:
    sys.exit(77)

import quantscope_project as qp  # noqa: E402

CLI = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("QUANTSCOPE_CLI", "quantscope-cli")

RESNET_PROJECT = """<?xml version="1.0" encoding="UTF-8"?>
<project version="1" march="nash-e" qconfig="%(kind)s">
  <graph href="%(graph)s"/>
  <rules>
    <template name="%(template)s"/>
    <rule op="linear" weight="qint16" per-channel="false"/>
    <rule prefix="layer4" activation="qint16"/>
    <rule prefix="layer4.1" observer="percentile" percentile="99.9"/>
    <rule regex="layer[23]\\.0\\.downsample" observer="mse"/>
    <rule regex="^layer1" observer="fixed_scale" fixed-scale="0.015625"/>
  </rules>
  <overrides>
    <override node="conv1" activation="qint16"/>
    <override node="fc" activation="float"/>
  </overrides>
</project>
"""


def cli(*args):
    out = subprocess.run([CLI] + list(args), check=True, capture_output=True, text=True)
    return out.stdout


def ours_by_module(project_file, graph_file):
    """Module path -> our qconfig (comparable fields), from the C engine."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(cli("check", "--print-rules", project_file))
    try:
        prepared = json.loads(cli("prepare", "--json", "--march", "nash-e", "--rules", f.name,
                                  graph_file))
    finally:
        os.unlink(f.name)
    graph = qp.Graph(graph_file)
    by_name = {n["name"]: n for n in graph.nodes}
    qconfig = {n["name"]: n["qconfig"] for n in prepared["nodes"]}
    head = {n: n for n in qconfig}
    groups = {}
    for g in prepared["groups"]:
        groups[g["node"]] = g["members"]
        for m in g["members"]:
            head[m] = g["node"]
    out = {}
    for name, node in by_name.items():
        if node["kind"] != "call_module" or name not in head:
            continue
        q = dict(qp.default_qconfig("calibration"), **qconfig[head[name]])
        out.setdefault(node["target"], []).append((name == head[name], qp.comparable(q)))
    return out, groups


class ProjectToTorch(unittest.TestCase):
    def compare(self, project_file, model, example, qat=False):
        project = qp.load(project_file)
        ours, groups = ours_by_module(project_file, project["graph"])
        notes = []
        mapping = qp.build_qconfig_mapping(project, groups=groups, notes=notes)
        self.assertEqual(notes, [])
        prepare = prepare_qat_fx if qat else prepare_fx
        prepared = prepare(model.train() if qat else model.eval(), mapping, example)
        modules = dict(prepared.named_modules())
        checked = 0
        for path, calls in ours.items():
            if path not in modules:
                continue  # absorbed by torch's own fusion (bn, relu)
            for is_head, want in calls:
                mod = modules[path]
                if type(mod).__name__ == "Identity":
                    continue
                got = qp.describe_torch_qconfig(getattr(mod, "qconfig", None))
                self.assertEqual(got, want, "module %s (%s)" % (path, type(mod).__name__))
                checked += 1
        self.assertGreater(checked, 10)
        return checked

    def resnet_project(self, tmp, kind):
        path = os.path.join(tmp, "resnet18-%s.qsproj" % kind)
        graph = os.path.join(ROOT, "data", "models", "resnet18.qsgraph.json")
        with open(path, "w") as f:
            f.write(RESNET_PROJECT % dict(kind=kind, graph=graph,
                                          template="default_qat" if kind == "qat"
                                          else "default_calibration"))
        return path

    def test_resnet18(self):
        with tempfile.TemporaryDirectory() as tmp:
            model = torchvision.models.resnet18()
            n = self.compare(self.resnet_project(tmp, "calibration"), model,
                             (torch.randn(1, 3, 224, 224),))
            print("resnet18: %d modules equal" % n)

    def test_resnet18_qat(self):
        with tempfile.TemporaryDirectory() as tmp:
            model = torchvision.models.resnet18()
            self.compare(self.resnet_project(tmp, "qat"), model,
                         (torch.randn(1, 3, 224, 224),), qat=True)

    def test_demo(self):
        from models.retinanet import retinanet_demo
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        model = retinanet_demo()
        n = self.compare(os.path.join(ROOT, "data", "demo.qsproj"), model,
                         ({"img": torch.randn(1, 3, 256, 256)},))
        print("demo: %d modules equal" % n)

    def test_rules_json_matches_engine(self):
        """The Python reader and the C loader read the demo the same way."""
        demo = os.path.join(ROOT, "data", "demo.qsproj")
        self.assertEqual(qp.to_rules_json(qp.load(demo)),
                         json.loads(cli("check", "--print-rules", demo)))

    def test_refuses_doctype(self):
        bad = os.path.join(ROOT, "tests", "engine", "projects", "bad", "xxe.qsproj")
        with self.assertRaises(qp.ProjectError):
            qp.load(bad)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
