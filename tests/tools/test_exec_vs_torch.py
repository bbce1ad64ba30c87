#!/usr/bin/python3
"""The float executor (`quantscope-cli run`) against torch on traced models.

Run:  /usr/bin/python3 tests/tools/test_exec_vs_torch.py [PATH/TO/quantscope-cli]
(or set QS_CLI).  Exits 77 (meson's "skipped") when torch or torchvision cannot be
imported.

Each case traces a model with seeded random weights and BatchNorm statistics
re-estimated (tools/quantscope-trace --recalibrate-bn, see
/work/shared/docs/testing-with-random-weights.md), writes a seeded random input .npy,
runs torch (loading the traced safetensors, so both sides use the same weights) and
the CLI, and checks the relative error of every output:

    max |cli - torch| / max |torch|   <  1e-4

The demo detector's wrapped _post_process cannot run in C, so its six head outputs
(the tensors the wrapped call reads) are compared, fetched with --until.
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.realpath(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOLS = os.path.join(ROOT, "tools")
TRACE = os.path.join(TOOLS, "quantscope-trace")
sys.path.insert(0, TOOLS)

try:
    import numpy as np
    import torch
    import torchvision  # noqa: F401
except ImportError as exc:
    print("1..0 # SKIP torch/torchvision not importable with %s: %s" % (sys.executable, exc))
    sys.exit(77)

from quantscope_trace import safetensors_io  # noqa: E402

CLI = os.environ.get("QS_CLI")
THREADS = "2"
TOLERANCE = 1e-4
torch.set_num_threads(int(THREADS))

HEAD_NODES = ["head_cls_out", "head_cls_out_1", "head_cls_out_2",
              "head_reg_out", "head_reg_out_1", "head_reg_out_2"]


def relative_error(got, want):
    """max abs error over max abs of the torch output."""
    scale = float(np.abs(want).max())
    return float(np.abs(got.astype(np.float64) - want).max()) / max(scale, 1e-30), scale


class ExecVsTorch(unittest.TestCase):
    errors = {}

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="qs-exec-torch-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def trace(self, factory, name, shape, extra=()):
        out = os.path.join(self.dir, name + ".qsgraph.json")
        cmd = [sys.executable, TRACE, factory, "--input", "x".join(map(str, shape)),
               "--recalibrate-bn", "4", "--name", name, "-o", out] + list(extra)
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        weights, _ = safetensors_io.load_safetensors(out[:-len(".qsgraph.json")] + ".safetensors")
        return out, weights

    def write_input(self, shape, seed):
        x = np.random.RandomState(seed).standard_normal(shape).astype(np.float32)
        path = os.path.join(self.dir, "input.npy")
        np.save(path, x)
        return path, torch.from_numpy(x)

    def run_cli(self, graph, inputs, output, extra=()):
        cmd = [CLI, "run", graph, "--output", output, "--threads", THREADS]
        for i in inputs:
            cmd += ["--input", i]
        r = subprocess.run(cmd + list(extra), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stderr

    def check(self, label, got, want):
        self.assertEqual(got.shape, want.shape, label)
        err, scale = relative_error(got, want)
        print("# %-28s rel. error %.3g (max |torch| %.3g)" % (label, err, scale))
        self.errors[label] = err
        self.assertGreater(scale, 1e-3, "%s: torch output is ~0: BN recalibration failed?" % label)
        self.assertLess(err, TOLERANCE, label)

    def classifier(self, name):
        import torchvision.models as tvm
        shape = (1, 3, 224, 224)
        graph, weights = self.trace("torchvision.models:" + name, name, shape)
        model = getattr(tvm, name)().eval()
        model.load_state_dict(weights)
        path, x = self.write_input(shape, seed=1)
        out = os.path.join(self.dir, "out.npy")
        self.run_cli(graph, [path], out)
        with torch.no_grad():
            want = model(x).numpy()
        self.check(name, np.load(out), want)

    def test_resnet18(self):
        self.classifier("resnet18")

    def test_mobilenet_v2(self):
        self.classifier("mobilenet_v2")

    def test_retinanet_demo_heads(self):
        from models.retinanet import retinanet_demo
        shape = (1, 3, 256, 256)
        graph, weights = self.trace("models.retinanet:retinanet_demo", "retinanet-demo", shape,
                                    ["--input-key", "img"])
        model = retinanet_demo().eval()
        model.load_state_dict(weights)
        captured = {"head.cls_out": [], "head.reg_out": []}
        for path, outs in captured.items():
            model.get_submodule(path).register_forward_hook(
                lambda m, i, o, outs=outs: outs.append(o.detach().numpy().copy()))
        path, x = self.write_input(shape, seed=2)
        out = os.path.join(self.dir, "heads.npz")
        until = []
        for n in HEAD_NODES:
            until += ["--until", n]
        self.run_cli(graph, ["img=" + path], out, until)
        with torch.no_grad():
            model({"img": x})
        want = captured["head.cls_out"] + captured["head.reg_out"]
        got = np.load(out)
        self.assertEqual(sorted(got.files), sorted(HEAD_NODES))
        for n, w in zip(HEAD_NODES, want):
            self.check("retinanet-demo " + n, got[n], w)

    def test_running_the_wrapped_call_fails_clearly(self):
        graph = os.path.join(ROOT, "data", "models", "retinanet-demo.qsgraph.json")
        path, _ = self.write_input((1, 3, 256, 256), seed=3)
        r = subprocess.run([CLI, "run", graph, "--input", "img=" + path, "--output",
                            os.path.join(self.dir, "o.npz")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("_post_process", r.stderr)
        self.assertIn("--until", r.stderr)

    def test_int_mode_needs_a_march(self):
        # a float graph runs in int mode only after prepare, which needs the march
        graph = os.path.join(ROOT, "data", "models", "retinanet-demo.qsgraph.json")
        r = subprocess.run([CLI, "run", graph, "--mode", "int", "--input", "x.npy",
                            "--output", "o.npy"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("needs the target march", r.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        CLI = sys.argv.pop(1)
    if not CLI or not os.access(CLI, os.X_OK):
        print("usage: test_exec_vs_torch.py PATH/TO/quantscope-cli (or set QS_CLI)",
              file=sys.stderr)
        sys.exit(2)
    unittest.main(verbosity=2)
