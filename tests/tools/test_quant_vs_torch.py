#!/usr/bin/python3
"""Fake-quant and integer execution (`quantscope-cli convert` / `run --mode`) against torch.

Run:  /usr/bin/python3 tests/tools/test_quant_vs_torch.py [PATH/TO/quantscope-cli]
(or set QS_CLI).  Exits 77 (meson's "skipped") without torch/torchvision.

For resnet18, mobilenet_v2 and the demo detector (its six head outputs), traced with seeded
random weights and BatchNorm re-estimated (/work/shared/docs/testing-with-random-weights.md),
with the same 8 calibration samples and the same input (all synthetic, seeded):

(a) our fake-quant (symmetric int8: per-tensor activations, per-channel weights, min-max)
    against torch's prepare_fx with equivalent observers (FakeQuantize over a symmetric qint8
    MinMaxObserver on activations, PerChannelMinMaxObserver weights, BN folded by fuse):
    the model-output SQNRs against float agree within 1 dB;
(b) our integer model (convert, then run --mode int on the converted graph) matches our
    fake-quant within 1 LSB on >= 99.9% of the output elements.
Also the bad inputs: wrong input shape, missing weights, NaN/Inf data, empty calibration set.
"""

import copy
import json
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
N_CALIB = 8
DB_TOLERANCE = 1.0
LSB_FRACTION = 0.999
MARCH = "nash-e"
RULES = {"kind": "calibration", "templates": ["default_calibration"]}
HEAD_NODES = ["head_cls_out", "head_cls_out_1", "head_cls_out_2",
              "head_reg_out", "head_reg_out_1", "head_reg_out_2"]
torch.set_num_threads(int(THREADS))


def sqnr(ref, got):
    ref = np.asarray(ref, np.float64)
    err = np.asarray(got, np.float64) - ref
    return 10 * np.log10((ref ** 2).sum() / max((err ** 2).sum(), 1e-300))


def torch_fakequant(model, calib, x):
    """prepare_fx with symmetric qint8 fake-quant activations (min-max) and per-channel
    symmetric qint8 weights: calibrate with observers on, then run with fake-quant on."""
    from torch.ao.quantization import (QConfig, QConfigMapping, FakeQuantize, MinMaxObserver,
                                       PerChannelMinMaxObserver, disable_fake_quant,
                                       enable_fake_quant, disable_observer, enable_observer)
    from torch.ao.quantization.backend_config import (BackendConfig, DTypeConfig,
                                                      ObservationType,
                                                      get_native_backend_config)
    from torch.ao.quantization.quantize_fx import prepare_fx

    native = get_native_backend_config()
    qint8 = DTypeConfig(input_dtype=torch.qint8, output_dtype=torch.qint8,
                        weight_dtype=torch.qint8, bias_dtype=torch.float)
    backend = BackendConfig("qs-symmetric-int8")
    # Equivalent observers: like our prepare, pooling gets an observer of its own
    # (torch's native config shares the input's; the range can only shrink).
    pools = (torch.nn.MaxPool2d, torch.nn.AdaptiveAvgPool2d, torch.nn.AvgPool2d,
             torch.nn.functional.max_pool2d, torch.nn.functional.adaptive_avg_pool2d,
             torch.nn.functional.avg_pool2d)
    for pattern, pattern_config in native.configs.items():
        pattern_config.add_dtype_config(qint8)
        if (pattern in pools and pattern_config.observation_type
                == ObservationType.OUTPUT_SHARE_OBSERVER_WITH_INPUT):
            pattern_config.set_observation_type(
                ObservationType.OUTPUT_USE_DIFFERENT_OBSERVER_AS_INPUT)
        backend.set_backend_pattern_config(pattern_config)
    act = FakeQuantize.with_args(observer=MinMaxObserver, quant_min=-128, quant_max=127,
                                 dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)
    weight = PerChannelMinMaxObserver.with_args(dtype=torch.qint8,
                                                qscheme=torch.per_channel_symmetric)
    mapping = QConfigMapping().set_global(QConfig(activation=act, weight=weight))
    prepared = prepare_fx(copy.deepcopy(model).eval(), mapping, (torch.from_numpy(x),),
                          backend_config=backend)
    # prepare_fx observes weights only at convert: fake-quantize them here, per channel
    with torch.no_grad():
        for m in prepared.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                obs = weight()
                obs(m.weight)
                scale, zp = obs.calculate_qparams()
                m.weight.copy_(torch.fake_quantize_per_channel_affine(
                    m.weight, scale, zp.to(torch.int32), 0, -128, 127))
        prepared.apply(disable_fake_quant)
        prepared.apply(enable_observer)
        for i in range(calib.shape[0]):
            prepared(torch.from_numpy(calib[i:i + 1]))
        prepared.apply(enable_fake_quant)
        prepared.apply(disable_observer)
        out = prepared(torch.from_numpy(x))
    return out


class Heads(torch.nn.Module):
    """The demo detector up to its head outputs (what torch FX can trace)."""

    def __init__(self, model):
        super().__init__()
        self.backbone, self.neck, self.head = model.backbone, model.neck, model.head

    def forward(self, x):
        cls, reg = self.head(self.neck(self.backbone(x)))
        return tuple(cls) + tuple(reg)


class QuantVsTorch(unittest.TestCase):
    results = {}

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="qs-quant-torch-")
        self.dir = self.tmp.name
        self.rules = os.path.join(self.dir, "rules.json")
        with open(self.rules, "w") as f:
            json.dump(RULES, f)

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def trace(self, factory, name, shape, extra=()):
        out = self.path(name + ".qsgraph.json")
        cmd = [sys.executable, TRACE, factory, "--input", "x".join(map(str, shape)),
               "--recalibrate-bn", "4", "--name", name, "-o", out] + list(extra)
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        weights, _ = safetensors_io.load_safetensors(out[:-len(".qsgraph.json")] + ".safetensors")
        return out, weights

    def data(self, shape):
        rng = np.random.RandomState(7)
        calib = rng.standard_normal((N_CALIB,) + tuple(shape[1:])).astype(np.float32)
        x = rng.standard_normal(shape).astype(np.float32)
        np.save(self.path("calib.npy"), calib)
        np.save(self.path("x.npy"), x)
        return calib, x

    def cli(self, *args, ok=True):
        r = subprocess.run([CLI] + list(args), capture_output=True, text=True)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def ours(self, graph, input_arg, until=()):
        """fake-quant of the float graph, and int of the converted graph."""
        extra = []
        for n in until:
            extra += ["--until", n]
        fq, qi = self.path("fq.npz"), self.path("int.npz")
        self.cli("run", graph, "--mode", "fakequant", "--march", MARCH, "--rules", self.rules,
                 "--data", self.path("calib.npy"), "--input", input_arg, "--output", fq,
                 "--threads", THREADS, *extra)
        conv = self.path("conv.qsgraph.json")
        self.cli("convert", graph, "--march", MARCH, "--rules", self.rules, "--data",
                 self.path("calib.npy"), "-o", conv, "--threads", THREADS)
        self.cli("run", conv, "--mode", "int", "--input", input_arg, "--output", qi,
                 "--threads", THREADS, *extra)
        return np.load(fq), np.load(qi), conv

    def lsb_agreement(self, conv, fq, qi, names):
        """Fraction of output elements within 1 LSB (the output's activation scale)."""
        scales, _ = safetensors_io.load_safetensors(conv[:-len(".qsgraph.json")] + ".safetensors")
        within = total = 0
        for name in names:
            scale = float(scales["quant.%s.act" % name].numpy()[0])
            d = np.abs(fq[name].astype(np.float64) - qi[name]) / scale
            within += int((d <= 1.0001).sum())
            total += d.size
        return within / total

    def compare(self, label, want_float, want_fq, fq, qi, conv, names):
        f = np.concatenate([w.ravel() for w in want_float])
        t = np.concatenate([w.ravel() for w in want_fq])
        o = np.concatenate([fq[n].ravel() for n in names])
        i = np.concatenate([qi[n].ravel() for n in names])
        self.assertGreater(np.abs(f).max(), 1e-3, "%s: float output ~0" % label)
        s_torch, s_ours, s_int = sqnr(f, t), sqnr(f, o), sqnr(f, i)
        lsb = self.lsb_agreement(conv, fq, qi, names)
        print("# %-16s SQNR vs float: torch fake-quant %.2f dB, ours %.2f dB (diff %+.2f), "
              "ours int %.2f dB; int within 1 LSB of fake-quant: %.4f%% (synthetic data)"
              % (label, s_torch, s_ours, s_ours - s_torch, s_int, 100 * lsb))
        self.results[label] = (s_torch, s_ours, s_int, lsb)
        self.assertLess(abs(s_ours - s_torch), DB_TOLERANCE, label)
        self.assertGreaterEqual(lsb, LSB_FRACTION, label)

    def classifier(self, name):
        import torchvision.models as tvm
        shape = (1, 3, 224, 224)
        graph, weights = self.trace("torchvision.models:" + name, name, shape)
        model = getattr(tvm, name)().eval()
        model.load_state_dict(weights)
        calib, x = self.data(shape)
        fq, qi, conv = self.ours(graph, self.path("x.npy"))
        with torch.no_grad():
            want = model(torch.from_numpy(x)).numpy()
        want_fq = torch_fakequant(model, calib, x).detach().numpy()
        out = fq.files[0]
        self.compare(name, [want], [want_fq], fq, qi, conv, [out])

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
        heads = Heads(model).eval()
        calib, x = self.data(shape)
        fq, qi, conv = self.ours(graph, "img=" + self.path("x.npy"), HEAD_NODES)
        with torch.no_grad():
            want = [t.numpy() for t in heads(torch.from_numpy(x))]
        want_fq = [t.detach().numpy() for t in torch_fakequant(heads, calib, x)]
        self.compare("retinanet-demo", want, want_fq, fq, qi, conv, HEAD_NODES)

    # ---- bad input ----------------------------------------------------------------------

    def small_graph(self):
        shape = (1, 3, 64, 64)
        graph, _ = self.trace("torchvision.models:resnet18", "r18-small", shape)
        return graph, shape

    def calibrate_error(self, graph, data):
        r = self.cli("calibrate", graph, "--march", MARCH, "--data", data, ok=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        return r.stderr

    def test_bad_inputs(self):
        graph, shape = self.small_graph()
        good = np.random.RandomState(1).standard_normal((4,) + shape[1:]).astype(np.float32)
        np.save(self.path("wrong.npy"), good[:, :2])
        self.assertIn("the model takes [N, 3, 64, 64]", self.calibrate_error(graph, self.path("wrong.npy")))
        bad = good.copy()
        bad[2, 1, 3, 3] = np.inf
        np.save(self.path("inf.npy"), bad)
        bad[2, 1, 3, 3] = np.nan
        np.save(self.path("nan.npy"), bad)
        for f in ("inf.npy", "nan.npy"):
            self.assertIn("NaN or infinity (sample 2", self.calibrate_error(graph, self.path(f)))
        np.save(self.path("empty.npy"), good[:0])
        self.assertIn("empty calibration set", self.calibrate_error(graph, self.path("empty.npy")))
        os.makedirs(self.path("empty-dir"))
        self.assertIn("empty calibration set", self.calibrate_error(graph, self.path("empty-dir")))
        # no weights
        nw = self.path("noweights.qsgraph.json")
        with open(graph) as f:
            doc = json.load(f)
        doc["weights"] = None
        with open(nw, "w") as f:
            json.dump(doc, f)
        np.save(self.path("ok.npy"), good)
        self.assertIn("has no weights", self.calibrate_error(nw, self.path("ok.npy")))
        # run --mode int with a wrong input shape, and without a march
        np.save(self.path("x-wrong.npy"), good[:1, :, :32])
        r = self.cli("run", graph, "--mode", "int", "--march", MARCH, "--synthetic", "2",
                     "--input", self.path("x-wrong.npy"), "--output", self.path("o.npy"), ok=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("expected float32[1,3,64,64]", r.stderr)
        self.assertIn("SYNTHETIC", r.stderr)
        r = self.cli("run", graph, "--mode", "int", "--data", self.path("ok.npy"), "--input",
                     self.path("ok.npy"), "--output", self.path("o.npy"), ok=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("needs the target march", r.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        CLI = sys.argv.pop(1)
    if not CLI or not os.access(CLI, os.X_OK):
        print("usage: test_quant_vs_torch.py PATH/TO/quantscope-cli (or set QS_CLI)",
              file=sys.stderr)
        sys.exit(2)
    unittest.main(verbosity=2)
