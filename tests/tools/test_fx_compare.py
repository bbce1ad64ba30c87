#!/usr/bin/python3
"""Our fusion and prepare passes against torch's own FX quantization (torch 1.13).

Run:  /usr/bin/python3 tests/tools/test_fx_compare.py [PATH/TO/quantscope-cli]
(the CLI path can also come from $QUANTSCOPE_CLI; meson passes it as the argument).

For resnet18, resnet50 and mobilenet_v2 (torchvision, eval mode, graph files in
data/models/ traced at 1x3x224x224):

1. fusion: torch.ao.quantization.quantize_fx.fuse_fx is run on the model and its fusion
   groups are recovered by comparing the fused GraphModule with symbolic_trace of the
   original: a fused node keeps the name and target of its head module (conv1), the absorbed
   nodes (bn1, relu) disappear.  They are compared with `quantscope-cli fuse --json`.
2. observers: torch.ao.quantization.quantize_fx.prepare_fx with the default "qnnpack"
   QConfigMapping; every activation_post_process node is mapped back to the value of the
   original graph it observes.  They are compared with the input and activation observers of
   `quantscope-cli prepare --march nash-e --json`, mapped the same way; weight observers are
   compared with the weighted modules torch leaves after fusion (prepare_fx observes weights
   only at convert time, so there is nothing in its graph to compare with).

Observers are compared by *value*: the name of the original FX node whose output is
observed.  Both torch and we name a fused node after its head, but the fused node outputs
the value of its last member, so an observer "on conv2" means bn2's output for torch
(conv+bn) and relu_1's output for us (conv+bn+add+relu).

The differences between the two are Horizon's design, not accidents.  Each is derived by a
rule from torch's own graph (not from our output), asserted exactly, and counted per model in
EXPECTED so that any change in our groups or observers fails the test:

Fusion
  F1  conv+bn(+relu)+add(+relu): our conv_bn_add_relu group (Horizon's ConvAdd/ConvAddReLU;
      the add's other operand is an extra input).  torch 1.13's native fusion patterns have
      no add, so torch's group is the conv+bn part only and the add (and the relu after it)
      stay separate nodes in its fused graph.
  F2  conv+bn+relu6: ours fuse relu6 like relu (Horizon has ConvReLU6); torch 1.13 fuses only
      nn.ReLU / F.relu, so torch's group is conv+bn and ReLU6 stays a separate module.
Observers (torch minus ours; ours minus torch is empty)
  O1  the conv(+bn) output in front of an add that we fuse (F1): torch quantizes it because
      its add is a separate quantized op; for us it lives inside a fused group.  (The add's
      output, or the output of add+relu, is observed by both: torch's prepare treats add+relu
      as one pattern with one observer after the relu.)
  O2  the conv+bn output in front of a relu6 that we fuse (F2): torch observes it, and then
      observes the relu6 output again with the *same* observer instance (shared qparams).
  O3  flatten: torch puts an observer after it that shares the instance of its input's; we
      place none on ops that compute nothing (flatten/reshape/dropout/...): a quantized value
      stays quantized through them.
  O4  dropout (mobilenet_v2 classifier.0): torch 1.13 gives nn.Dropout its own observer
      (its backend config lists it with "output uses a different observer"); in eval mode it
      is an identity and we treat it as computing nothing (O3).
Observer sharing
  S1  torch shares its input's observer instance for outputs whose range can't exceed the
      input's: max_pool2d, adaptive_avg_pool2d, flatten, relu6 (hardtanh).  Ours give max_pool2d
      and adaptive_avg_pool2d their own activation observer: every BPU op of ours requantizes
      its output with its own scale.  Asserted: torch's shared set is exactly those nodes, and
      both sides observe the pools' outputs.
Near-misses
  N1  mobilenet_v2: a block without a residual ends in conv+bn whose output is both the next
      block's input and the skip operand of the next block's add.  Our conv_bn_add_relu at
      that conv can't take the add (the value is shared), but the add is then fused with the
      next block's conv+bn, so fusion drops the near-miss as moot: the user could change
      nothing.  Asserted: no near-misses on any of the three models.

Dtypes are not compared: the qnnpack qconfig observes quint8 activations and qint8 per-tensor
weights; nash-e's default calibration template uses qint8 activations and per-channel qint8
weights (asserted on our side only).

Exits 77 (meson's "skipped") when torch or torchvision cannot be imported.  ~5 s."""

import collections
import copy
import json
import operator
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.realpath(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "data", "models")

try:
    import torch
    import torch.fx
    import torchvision
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import fuse_fx, prepare_fx
except ImportError as exc:
    print("1..0 # SKIP torch/torchvision not importable with %s: %s" % (sys.executable, exc))
    sys.exit(77)

torch.set_num_threads(1)

CLI = None  # set in __main__

MODELS = ("resnet18", "resnet50", "mobilenet_v2")

# Per model: a regression guard on the sizes of everything compared below.
#   groups      our fusion groups by pattern
#   torch       number of torch's fusion groups
#   F1, F2      our groups that differ from torch's by an add(+relu) / by a relu6
#   torch_obs   torch's activation_post_process nodes (input + activations)
#   ours_obs    our input + activation observers
#   O1..O4      torch-only observed values by reason
#   S1          torch observers that share an earlier observer's instance
#   weights     weight observers (= conv/linear modules after fusion)
#   near        our near-misses (N1)
EXPECTED = {
    "resnet18": dict(groups={"conv_bn_relu": 12, "conv_bn_add_relu": 8}, torch=20,
                     F1=8, F2=0, torch_obs=33, ours_obs=24, O1=8, O2=0, O3=1, O4=0,
                     S1=3, weights=21, near=0),
    "resnet50": dict(groups={"conv_bn_relu": 37, "conv_bn_add_relu": 16}, torch=53,
                     F1=16, F2=0, torch_obs=74, ours_obs=57, O1=16, O2=0, O3=1, O4=0,
                     S1=3, weights=54, near=0),
    "mobilenet_v2": dict(groups={"conv_bn_relu": 42, "conv_bn_add_relu": 10}, torch=52,
                         F1=10, F2=35, torch_obs=102, ours_obs=55, O1=10, O2=35, O3=1,
                         O4=1, S1=37, weights=53, near=0),
}

RELU6_TYPES = (torch.nn.ReLU6, torch.nn.Hardtanh)


def run_cli(*args):
    out = subprocess.run([CLI] + list(args), check=True, capture_output=True, text=True,
                         timeout=60)
    return json.loads(out.stdout)


def node_kind(gm, node):
    """'conv', 'linear', 'bn', 'relu', 'relu6', 'add', 'flatten', 'dropout', 'maxpool',
    'avgpool' or None, for a node of the original traced graph."""
    if node.op == "call_module":
        m = gm.get_submodule(node.target)
        for cls, kind in ((torch.nn.Conv2d, "conv"), (torch.nn.Linear, "linear"),
                          (torch.nn.BatchNorm2d, "bn"), (torch.nn.ReLU, "relu"),
                          (RELU6_TYPES, "relu6"), (torch.nn.Dropout, "dropout"),
                          (torch.nn.MaxPool2d, "maxpool"),
                          (torch.nn.AdaptiveAvgPool2d, "avgpool"),
                          (torch.nn.Flatten, "flatten")):
            if isinstance(m, cls):
                return kind
        return None
    if node.op == "call_function":
        return {operator.add: "add", torch.add: "add", torch.flatten: "flatten",
                torch.nn.functional.relu: "relu", torch.relu: "relu",
                torch.nn.functional.relu6: "relu6", torch.nn.functional.hardtanh: "relu6",
                torch.nn.functional.adaptive_avg_pool2d: "avgpool"}.get(node.target)
    return None


class TorchSide:
    """symbolic_trace, fuse_fx and prepare_fx of one torchvision model."""

    def __init__(self, name):
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)().eval()
        self.orig = torch.fx.symbolic_trace(model)
        self.nodes = {n.name: n for n in self.orig.graph.nodes}
        self.order = {n.name: i for i, n in enumerate(self.orig.graph.nodes)}
        self.kind = {n.name: node_kind(self.orig, n) for n in self.orig.graph.nodes}

        # fusion groups: each vanished node joins the group of the node it reads
        self.fused = fuse_fx(copy.deepcopy(model))
        fused_names = {n.name: n for n in self.fused.graph.nodes}
        root = {}
        for n in self.orig.graph.nodes:
            if n.name in fused_names:
                continue
            src = n.args[0]
            assert isinstance(src, torch.fx.Node), n
            root[n.name] = root.get(src.name, src.name)
        self.groups = collections.defaultdict(set)
        for member, head in root.items():
            self.groups[head] |= {head, member}
        self.groups = dict(self.groups)
        for head in self.groups:
            # the fused node keeps the head's name and module path
            assert fused_names[head].target == self.nodes[head].target, head
        self.fused_nodes = fused_names
        self.weighted = {n.name for n in self.fused.graph.nodes if n.op == "call_module"
                         and isinstance(self._weight_module(n.target),
                                        (torch.nn.Conv2d, torch.nn.Linear))}

        # observers: value observed, in original-graph names; shared instances
        prepared = prepare_fx(copy.deepcopy(model), get_default_qconfig_mapping("qnnpack"),
                              (torch.randn(1, 3, 224, 224),))
        self.observed = []          # in graph order
        self.shared = set()         # observed values whose observer instance is reused
        seen = {}
        for n in prepared.graph.nodes:
            if n.op != "call_module" or not n.target.startswith("activation_post_process"):
                continue
            value = self.value_of(n.args[0].name, self.groups)
            obs = prepared.get_submodule(n.target)
            if id(obs) in seen:
                self.shared.add(value)
            seen.setdefault(id(obs), value)
            self.observed.append(value)

    def _weight_module(self, target):
        m = self.fused.get_submodule(target)
        # torch.nn.intrinsic ConvReLU2d / LinearReLU are Sequentials of (conv, relu)
        return m[0] if isinstance(m, torch.nn.Sequential) else m

    def value_of(self, name, groups):
        """The original node whose output a (possibly fused) node named @name outputs."""
        members = groups.get(name)
        if not members:
            return name
        return max(members, key=self.order.__getitem__)


class FxCompare(unittest.TestCase):
    maxDiff = None
    cache = {}

    def sides(self, name):
        if name not in self.cache:
            path = os.path.join(DATA, name + ".qsgraph.json")
            fuse = run_cli("fuse", path, "--json")
            prep = run_cli("prepare", path, "--march", "nash-e", "--json")
            with open(path) as f:
                graph = json.load(f)
            self.cache[name] = (TorchSide(name), graph, fuse, prep)
        return self.cache[name]

    def check_model(self, name):
        t, graph, fuse, prep = self.sides(name)
        exp = EXPECTED[name]

        # The graph file is the same torch.fx graph (names and order).
        self.assertEqual([n["name"] for n in graph["nodes"]],
                         [n.name for n in t.orig.graph.nodes])

        # ---- fusion --------------------------------------------------------------------
        ours = {g["node"]: g["members"] for g in fuse["groups"]}
        self.assertEqual({g["node"]: g["members"] for g in prep["groups"]}, ours,
                         "prepare fuses differently from fuse")
        self.assertEqual(collections.Counter(g["pattern"] for g in fuse["groups"]),
                         collections.Counter(exp["groups"]))
        for head, members in ours.items():
            self.assertEqual(members[0], head)
            self.assertEqual(members, sorted(members, key=t.order.__getitem__))

        as_torch = {}
        f1 = f2 = 0
        for g in fuse["groups"]:
            members = list(g["members"])
            kinds = [t.kind[m] for m in members]
            if g["pattern"] == "conv_bn_add_relu":
                # F1: torch keeps conv(+bn); the add and the relu after it stay separate
                cut = kinds.index("add")
                self.assertEqual(kinds[cut:], ["add", "relu"][:len(kinds) - cut], members)
                for m in members[cut:]:
                    self.assertIn(m, t.fused_nodes, "torch fused %s" % m)
                members = members[:cut]
                f1 += 1
            elif kinds[-1] == "relu6":
                # F2: torch 1.13 doesn't fuse ReLU6
                self.assertIn(members[-1], t.fused_nodes)
                members = members[:-1]
                f2 += 1
            if len(members) > 1:
                as_torch[members[0]] = set(members)
        self.assertEqual((f1, f2), (exp["F1"], exp["F2"]))
        self.assertEqual(as_torch, t.groups)
        self.assertEqual(len(t.groups), exp["torch"])

        # ---- observers -----------------------------------------------------------------
        groups = {h: set(m) for h, m in ours.items()}
        act = [o for o in prep["observers"] if o["point"] in ("input", "activation")]
        ours_obs = [t.value_of(o["node"], groups) for o in act]
        self.assertEqual(len(ours_obs), len(set(ours_obs)), "a value observed twice")
        self.assertEqual(len(ours_obs), exp["ours_obs"])
        self.assertEqual(len(t.observed), exp["torch_obs"])
        self.assertEqual(len(t.observed), len(set(t.observed)))
        placeholders = {n.name for n in t.orig.graph.nodes if n.op == "placeholder"}
        self.assertEqual({o["node"] for o in act if o["point"] == "input"}, placeholders)
        self.assertTrue(all(o["dtype"] == "qint8" for o in prep["observers"]))

        o1, o2, o3, o4 = set(), set(), set(), set()
        for g in fuse["groups"]:
            members = g["members"]
            kinds = [t.kind[m] for m in members]
            if "add" in kinds:                                      # O1
                o1.add(members[kinds.index("add") - 1])
            elif kinds[-1] == "relu6":                              # O2
                o2.add(members[-2])
        for n in t.orig.graph.nodes:
            if t.kind[n.name] == "flatten":                         # O3
                o3.add(n.name)
            elif t.kind[n.name] == "dropout":                       # O4
                o4.add(n.name)
        self.assertEqual([len(s) for s in (o1, o2, o3, o4)],
                         [exp["O1"], exp["O2"], exp["O3"], exp["O4"]])
        self.assertEqual(set(t.observed) - set(ours_obs), o1 | o2 | o3 | o4)
        self.assertEqual(set(ours_obs) - set(t.observed), set())

        # S1: torch's shared observer instances; ours observe the pools on their own
        shared = {n for n in t.observed
                  if t.kind[n] in ("maxpool", "avgpool", "flatten", "relu6")}
        self.assertEqual(t.shared, shared)
        self.assertEqual(len(shared), exp["S1"])
        pools = {n for n in shared if t.kind[n] in ("maxpool", "avgpool")}
        self.assertTrue(pools and pools <= set(ours_obs), pools)

        # weights: every conv/linear left after fusion, once
        weights = [o["node"] for o in prep["observers"] if o["point"] == "weight"]
        self.assertEqual(len(weights), len(set(weights)))
        self.assertEqual(set(weights), t.weighted)
        self.assertEqual(len(weights), exp["weights"])
        self.assertTrue(all(o.get("param") == "weight" and o["per_channel"]
                            for o in prep["observers"] if o["point"] == "weight"))

        # ---- near-misses (N1) ----------------------------------------------------------
        # value-shared misses whose "next" was fused into another group are dropped as moot
        self.assertEqual(fuse["near_misses"], [])
        self.assertEqual(len(fuse["near_misses"]), exp["near"])

    def test_resnet18(self):
        self.check_model("resnet18")

    def test_resnet50(self):
        self.check_model("resnet50")

    def test_mobilenet_v2(self):
        self.check_model("mobilenet_v2")

    def test_resnet18_by_name(self):
        """The differences spelled out for one residual block of resnet18."""
        t, _, fuse, prep = self.sides("resnet18")
        ours = {g["node"]: set(g["members"]) for g in fuse["groups"]}
        self.assertEqual(ours["layer1_0_conv2"],
                         {"layer1_0_conv2", "layer1_0_bn2", "add", "layer1_0_relu_1"})
        self.assertEqual(t.groups["layer1_0_conv2"], {"layer1_0_conv2", "layer1_0_bn2"})
        self.assertIn("add", t.fused_nodes)
        self.assertIn("layer1_0_relu_1", t.fused_nodes)
        self.assertEqual(ours["conv1"], t.groups["conv1"])
        self.assertEqual(ours["layer2_0_downsample_0"], t.groups["layer2_0_downsample_0"])
        # torch: conv2+bn2 output and relu_1 output; ours: relu_1 only (head name conv2)
        self.assertIn("layer1_0_bn2", t.observed)
        self.assertIn("layer1_0_relu_1", t.observed)
        self.assertIn({"point": "activation", "node": "layer1_0_conv2"},
                      [{"point": o["point"], "node": o["node"]} for o in prep["observers"]])
        self.assertEqual(t.shared, {"maxpool", "avgpool", "flatten"})
        self.assertEqual(t.observed[-1], "fc")


if __name__ == "__main__":
    args = sys.argv[1:]
    CLI = args.pop(0) if args and not args[0].startswith("-") else os.environ.get(
        "QUANTSCOPE_CLI", os.path.join(ROOT, "_build", "src", "cli", "quantscope-cli"))
    if not os.access(CLI, os.X_OK):
        print("quantscope-cli not found at %s (pass its path as the first argument or in "
              "$QUANTSCOPE_CLI)" % CLI, file=sys.stderr)
        sys.exit(1)
    unittest.main(argv=[sys.argv[0]] + args)
