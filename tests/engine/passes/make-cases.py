#!/usr/bin/python3
"""Writes the golden cases of the passes: NAME.qsgraph.json, NAME.cmd (the
pass and its arguments), optional NAME.rules.json. test-passes runs each
case and compares with NAME.out (QS_UPDATE_GOLDEN=1 rewrites them) or, for
cases expected to fail, with NAME.err (error code, then substrings).
Rerun after changing a case; review the .out diff before committing."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


class G:
    """A tiny graph builder: every op produces one float32 value."""

    def __init__(self, name):
        self.name = name
        self.modules = [{"path": "", "type": "Net"}]
        self.values = []
        self.nodes = []
        self.wrapped = []
        self.metadata = {}

    def module(self, path, type_, attrs=None, params=None):
        m = {"path": path, "type": type_}
        if attrs:
            m["attrs"] = attrs
        if params:
            m["params"] = [{"name": n, "dtype": "float32", "shape": s} for n, s in params]
        self.modules.append(m)
        return path

    def conv(self, path, cin, cout, k=3, shared_ok=True, transpose=False):
        t = "torch.nn.ConvTranspose2d" if transpose else "torch.nn.Conv2d"
        w = [cin, cout, k, k] if transpose else [cout, cin, k, k]
        return self.module(path, t, {"in_channels": cin, "out_channels": cout,
                                     "kernel_size": [k, k], "stride": [1, 1],
                                     "padding": [k // 2, k // 2]}, [("weight", w)])

    def bn(self, path, c):
        return self.module(path, "torch.nn.BatchNorm2d", {"num_features": c},
                           [("weight", [c]), ("bias", [c])])

    def node(self, name, kind, target, inputs, shape, scope=None, **extra):
        vid = len(self.values)
        self.values.append({"id": vid, "dtype": "float32", "shape": shape})
        n = {"id": len(self.nodes), "name": name, "kind": kind, "target": target,
             "inputs": inputs, "outputs": [vid], "args": [{"value": i} for i in inputs]}
        if scope is not None:
            n["scope"] = scope
        n.update(extra)
        self.nodes.append(n)
        return vid

    def input(self, shape, name="x"):
        return self.node(name, "placeholder", name, [], shape)

    def call(self, module, x, shape, name=None):
        return self.node(name or module.replace(".", "_"), "call_module", module, [x], shape)

    def fn(self, name, target, inputs, shape, scope=None):
        return self.node(name, "call_function", target, inputs, shape, scope)

    def method(self, name, target, inputs, shape, scope=None):
        return self.node(name, "call_method", target, inputs, shape, scope)

    def output(self, *vals):
        self.nodes.append({"id": len(self.nodes), "name": "output", "kind": "output",
                           "target": "output", "inputs": list(vals), "outputs": [],
                           "args": [[{"value": v} for v in vals]]})

    def doc(self):
        return {"format": "quantscope-graph", "version": 1,
                "model": {"name": self.name, "metadata": self.metadata}, "weights": None,
                "modules": self.modules, "values": self.values, "nodes": self.nodes,
                "wrapped": self.wrapped}


S = [1, 8, 16, 16]
CASES = {}


def case(name, cmd, rules=None):
    def deco(fn):
        CASES[name] = (cmd, rules, fn)
        return fn
    return deco


def block(g, prefix="", relu="module"):
    """conv -> bn -> relu"""
    p = prefix + "." if prefix else ""
    g.conv(p + "conv", 8, 8)
    g.bn(p + "bn", 8)
    x = g.input(S) if not g.values else len(g.values) - 1
    y = g.call(p + "conv", x, S)
    y = g.call(p + "bn", y, S)
    if relu == "module":
        g.module(p + "relu", "torch.nn.ReLU")
        y = g.call(p + "relu", y, S)
    elif relu == "method":
        y = g.method((prefix.replace(".", "_") + "_" if prefix else "") + "relu", "relu", [y], S,
                     scope=prefix)
    return y


# ---- one case per pattern ----

@case("fuse-conv-bn-relu", "fuse")
def _(g):
    g.output(block(g))


@case("fuse-conv-relu-method", "fuse")
def _(g):
    g.conv("conv", 8, 8)
    x = g.input(S)
    y = g.call("conv", x, S)
    g.output(g.method("relu", "relu", [y], S))


@case("fuse-conv-bn", "fuse")
def _(g):
    g.output(block(g, relu=None))


@case("fuse-conv-relu6", "fuse")
def _(g):
    g.conv("conv", 8, 8)
    x = g.input(S)
    y = g.call("conv", x, S)
    g.output(g.fn("relu6", "torch.nn.functional.relu6", [y], S))


@case("fuse-hardtanh-is-not-relu6", "fuse")
def _(g):
    # F.hardtanh(x) clamps to [-1, 1]: fusing it as relu6 would change the model
    g.output(g.fn("hardtanh", "torch.nn.functional.hardtanh", [block(g, relu=None)], S))


@case("fuse-conv-bn-add-relu", "fuse")
def _(g):
    g.conv("conv", 8, 8)
    g.bn("bn", 8)
    g.module("relu", "torch.nn.ReLU")
    x = g.input(S)
    y = g.call("bn", g.call("conv", x, S), S)
    y = g.fn("add", "operator.add", [y, x], S)
    g.output(g.call("relu", y, S))


@case("fuse-conv-add", "fuse")
def _(g):
    g.conv("conv", 8, 8)
    x = g.input(S)
    y = g.call("conv", x, S)
    g.output(g.fn("add", "torch.add", [x, y], S))


@case("fuse-add-broadcast-not-fused", "fuse")
def _(g):
    g.conv("conv", 8, 8)
    x = g.input(S)
    b = g.input([1, 8, 1, 1], name="bias")
    y = g.call("conv", x, S)
    g.output(g.fn("add", "operator.add", [y, b], S))


@case("fuse-linear-bn-relu", "fuse")
def _(g):
    g.module("fc", "torch.nn.Linear", {"in_features": 16, "out_features": 32},
             [("weight", [32, 16])])
    g.module("bn", "torch.nn.BatchNorm1d", {"num_features": 32}, [("weight", [32])])
    x = g.input([4, 16])
    y = g.call("bn", g.call("fc", x, [4, 32]), [4, 32])
    g.output(g.fn("relu", "torch.relu", [y], [4, 32]))


@case("fuse-convtranspose-bn-relu", "fuse")
def _(g):
    g.conv("up", 8, 8, k=3, transpose=True)
    g.bn("bn", 8)
    x = g.input(S)
    y = g.call("bn", g.call("up", x, S), S)
    g.output(g.method("relu", "relu", [y], S))


@case("fuse-bn-relu", "fuse")
def _(g):
    g.bn("bn", 8)
    x = g.input(S)
    y = g.call("bn", x, S)
    g.output(g.fn("relu", "torch.nn.functional.relu", [y], S))


@case("fuse-matmul-add", "fuse")
def _(g):
    a = g.input([2, 4, 8], name="a")
    b = g.input([2, 8, 6], name="b")
    c = g.input([2, 4, 6], name="c")
    y = g.fn("matmul", "torch.matmul", [a, b], [2, 4, 6])
    g.output(g.fn("add", "operator.add", [y, c], [2, 4, 6]))


@case("fuse-twice-is-idempotent", "fuse-twice")
def _(g):
    y = block(g)
    g.conv("conv2", 8, 8)
    g.output(g.call("conv2", y, S))


# ---- one case per near-miss reason ----

@case("near-miss-value-shared", "fuse")
def _(g):
    g.conv("conv", 8, 8)
    g.bn("bn", 8)
    x = g.input(S)
    y = g.call("conv", x, S)
    z = g.call("bn", y, S)
    g.output(z, y)


@case("near-miss-module-shared", "fuse")
def _(g):
    g.conv("conv", 8, 8)
    g.module("relu", "torch.nn.ReLU")
    x = g.input(S)
    y = g.call("relu", g.call("conv", x, S), S, name="relu")
    y = g.call("conv", y, S, name="conv_1")
    g.output(g.call("relu", y, S, name="relu_1"))


@case("near-miss-qconfig-differs", "prepare nash-e calibration",
      rules={"templates": ["default_calibration"],
             "rules": [{"node": "relu", "activation": "qint16"}]})
def _(g):
    g.output(block(g, relu="method"))


@case("near-miss-crosses-wrapped", "fuse")
def _(g):
    g.conv("conv", 8, 8)
    g.module("act", "torch.nn.ReLU")
    x = g.input(S)
    y = g.call("conv", x, S)
    z = g.call("act", y, S)
    g.wrapped.append({"name": "act", "kind": "leaf_module", "node": 2, "modules": [],
                      "inputs": [y], "outputs": [z]})
    g.nodes[2]["wrapped"] = 0
    g.output(z)


# ---- precedence: one case per level, and within a level ----

def precedence_graph(g):
    y = block(g, "backbone.layer1", relu="method")
    g.conv("head.cls", 8, 8)
    z = g.call("head.cls", y, S)
    g.output(g.fn("sigmoid", "torch.sigmoid", [z], S, scope="head"))


@case("precedence-global-default", "prepare nash-e calibration", rules={})
def _(g):
    precedence_graph(g)


@case("precedence-template-over-global", "prepare nash-e calibration",
      rules={"templates": ["default_calibration", "high_precision_outputs",
                           "fixed_scale_bounded"]})
def _(g):
    precedence_graph(g)


@case("precedence-op-over-template", "prepare nash-e calibration",
      rules={"templates": ["default_calibration"],
             "rules": [{"op": "conv2d", "activation": "qint16"},
                       {"op": "torch.sigmoid", "observer": "percentile", "percentile": 99.5}]})
def _(g):
    precedence_graph(g)


@case("precedence-prefix-over-op", "prepare nash-e calibration",
      rules={"templates": ["default_calibration"],
             "rules": [{"prefix": "backbone", "activation": "qint16"},
                       {"op": "conv2d", "activation": "fp16"},
                       {"prefix": "backbone.layer1", "weight": "qint16"},
                       {"prefix": "backbone.layer1.conv", "per_channel": False}]})
def _(g):
    precedence_graph(g)


@case("precedence-regex-over-prefix", "prepare nash-e calibration",
      rules={"templates": ["default_calibration"],
             "rules": [{"regex": "cls", "activation": "float"},
                       {"prefix": "head", "activation": "qint16"}]})
def _(g):
    precedence_graph(g)


@case("precedence-node-over-regex", "prepare nash-e calibration",
      rules={"templates": ["default_calibration"],
             "rules": [{"node": "head_cls", "activation": "qint8"},
                       {"regex": "^head", "activation": "qint16"}]})
def _(g):
    precedence_graph(g)


@case("precedence-later-wins", "prepare nash-e calibration",
      rules={"templates": ["default_calibration"],
             "rules": [{"op": "conv2d", "activation": "qint16"},
                       {"op": "conv2d", "activation": "fp16"}]})
def _(g):
    precedence_graph(g)


@case("qat-kind", "prepare nash-m qat", rules={"kind": "qat", "templates": ["default_qat"]})
def _(g):
    precedence_graph(g)


@case("march-cpu-fallback", "prepare bernoulli2 calibration",
      rules={"templates": ["default_calibration", "sensitive_int16"]})
def _(g):
    x = g.input([1, 10])
    g.output(g.fn("softmax", "torch.softmax", [x], [1, 10]))


@case("wrapped-modules-keep-qconfig", "prepare nash-e calibration",
      rules={"templates": ["default_calibration"],
             "rules": [{"prefix": "post", "activation": "qint16"}]})
def _(g):
    g.conv("conv", 8, 8)
    g.conv("post.conv", 8, 8)
    x = g.input(S)
    y = g.call("conv", x, S)
    z = g.fn("_post_process", "wrap:models.Net._post_process", [y], S)
    g.wrapped.append({"name": "_post_process", "kind": "method", "node": 2,
                      "modules": ["post.conv"], "inputs": [y], "outputs": [z]})
    g.nodes[2]["wrapped"] = 0
    g.output(z)


# ---- errors ----

@case("error-no-march", "prepare none calibration")
def _(g):
    g.output(block(g))


@case("error-mixed-kinds", "prepare nash-e calibration",
      rules={"templates": ["default_calibration"],
             "rules": [{"prefix": "backbone.layer1", "kind": "qat"}]})
def _(g):
    precedence_graph(g)


@case("error-rules-kind-mismatch", "prepare nash-e qat", rules={"kind": "calibration"})
def _(g):
    g.output(block(g))


@case("error-already-prepared", "prepare nash-e calibration")
def _(g):
    g.metadata["quantscope.prepared"] = "calibration"
    g.output(block(g))


@case("error-eager-prepared", "prepare nash-e calibration")
def _(g):
    g.module("conv", "torch.ao.nn.qat.Conv2d", {"in_channels": 8, "out_channels": 8},
             [("weight", [8, 8, 3, 3])])
    x = g.input(S)
    g.output(g.call("conv", x, S))


@case("error-fx-prepared", "prepare nash-e calibration")
def _(g):
    g.module("activation_post_process_0", "torch.ao.quantization.observer.MinMaxObserver")
    x = g.input(S)
    g.output(g.call("activation_post_process_0", x, S))


@case("error-unknown-template", "prepare nash-e calibration",
      rules={"templates": ["everything_int4"]})
def _(g):
    g.output(block(g))


@case("error-bad-regex", "prepare nash-e calibration",
      rules={"rules": [{"regex": "conv(", "activation": "qint16"}]})
def _(g):
    g.output(block(g))


@case("error-rule-without-match", "prepare nash-e calibration",
      rules={"rules": [{"activation": "qint16"}]})
def _(g):
    g.output(block(g))


ERRORS = {
    "error-no-march": ("NO_MARCH", "needs the target march", "nash-e"),
    "error-mixed-kinds": ("INVALID", "can't be mixed", "backbone_layer1_conv",
                          "rules[0]"),
    "error-rules-kind-mismatch": ("INVALID", "rules are for calibration", "qat"),
    "error-already-prepared": ("UNSUPPORTED", "already prepared"),
    "error-eager-prepared": ("UNSUPPORTED", "eager mode", "“conv”", "can't be mixed"),
    "error-fx-prepared": ("UNSUPPORTED", "activation_post_process_0", "already prepared"),
    "error-unknown-template": ("INVALID", "templates[0]", "everything_int4"),
    "error-bad-regex": ("INVALID", "rules[0]", "conv("),
    "error-rule-without-match": ("INVALID", "rules[0]", "exactly one of"),
}


def main():
    for f in os.listdir(HERE):
        if f.endswith((".json", ".cmd", ".err")):
            os.unlink(os.path.join(HERE, f))
    for name, (cmd, rules, fn) in sorted(CASES.items()):
        g = G(name)
        fn(g)
        with open(os.path.join(HERE, name + ".qsgraph.json"), "w") as f:
            json.dump(g.doc(), f, indent=1)
            f.write("\n")
        with open(os.path.join(HERE, name + ".cmd"), "w") as f:
            f.write(cmd + "\n")
        if rules is not None:
            with open(os.path.join(HERE, name + ".rules.json"), "w") as f:
                json.dump(rules, f, indent=1)
                f.write("\n")
        if name in ERRORS:
            with open(os.path.join(HERE, name + ".err"), "w") as f:
                f.write("\n".join(ERRORS[name]) + "\n")


if __name__ == "__main__":
    main()
