#!/usr/bin/python3
"""Writes the bad-input corpus: NAME.json + NAME.err (error code, then
substrings the message must contain). Run from anywhere; it writes next to
itself. The files are committed; rerun after changing a case."""
import copy
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def base():
    return {
        "format": "quantscope-graph",
        "version": 1,
        "model": {"name": "bad"},
        "weights": None,
        "modules": [
            {"path": "", "type": "Net"},
            {"path": "conv", "type": "torch.nn.Conv2d",
             "attrs": {"in_channels": 3, "out_channels": 4, "kernel_size": [3, 3],
                       "stride": [1, 1], "padding": [1, 1], "dilation": [1, 1],
                       "groups": 1, "bias": False},
             "params": [{"name": "weight", "shape": [4, 3, 3, 3], "dtype": "float32"}]},
        ],
        "values": [
            {"id": 0, "dtype": "float32", "shape": [1, 3, 8, 8]},
            {"id": 1, "dtype": "float32", "shape": [1, 4, 8, 8]},
            {"id": 2, "dtype": "float32", "shape": [1, 4, 8, 8]},
        ],
        "nodes": [
            {"id": 0, "name": "x", "kind": "placeholder", "target": "x",
             "inputs": [], "outputs": [0]},
            {"id": 1, "name": "conv", "kind": "call_module", "target": "conv",
             "inputs": [0], "outputs": [1], "args": [{"value": 0}]},
            {"id": 2, "name": "relu", "kind": "call_method", "target": "relu",
             "inputs": [1], "outputs": [2], "args": [{"value": 1}]},
            {"id": 3, "name": "output", "kind": "output", "target": "output",
             "inputs": [2], "outputs": [], "args": [{"value": 2}]},
        ],
        "wrapped": [],
    }


def safetensors(tensors, truncate=0):
    header = {}
    data = b""
    for name, shape in tensors.items():
        n = 1
        for d in shape:
            n *= d
        blob = struct.pack("<%df" % n, *([0.5] * n))
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    out = struct.pack("<Q", len(h)) + h + data
    return out[:len(out) - truncate] if truncate else out


CASES = {}


def case(name, code, *needles, text=None, weights=None):
    def deco(fn):
        CASES[name] = (code, needles, fn, text, weights)
        return fn
    return deco


@case("empty", "PARSE", "empty", text="")
def _(g): pass


@case("truncated", "PARSE", "not valid JSON", "truncated",
      text=json.dumps(base())[:300])
def _(g): pass


@case("not-an-object", "INVALID", "top level must be a JSON object", text="[1, 2, 3]")
def _(g): pass


@case("wrong-format", "INVALID", "format", "quantscope-graph")
def _(g): g["format"] = "onnx"


@case("future-version", "VERSION", "version 2", "update Quantscope")
def _(g): g["version"] = 2


@case("missing-nodes", "INVALID", "“nodes”", "missing")
def _(g): del g["nodes"]


@case("node-id-mismatch", "INVALID", "nodes[2]", "position in the array")
def _(g): g["nodes"][2]["id"] = 7


@case("unknown-kind", "INVALID", "nodes[2]", "unknown kind “call_lambda”")
def _(g): g["nodes"][2]["kind"] = "call_lambda"


@case("dangling-input", "DANGLING", "nodes[2]", "value 99")
def _(g): g["nodes"][2]["inputs"] = [99]


@case("huge-value-id", "DANGLING", "nodes[2]", "does not exist")
def _(g): g["nodes"][2]["inputs"] = [2 ** 40]


@case("dangling-module", "DANGLING", "nodes[1]", "“backbone.conv”", "not listed")
def _(g): g["nodes"][1]["target"] = "backbone.conv"


@case("unproduced-value", "DANGLING", "“relu”", "no node produces")
def _(g):
    g["values"].append({"id": 3, "dtype": "float32", "shape": [1, 4, 8, 8]})
    g["nodes"][2]["inputs"] = [3]


@case("cycle", "CYCLE", "cycle", "relu -> relu")
def _(g):
    g["nodes"][2]["inputs"] = [2]


@case("cycle-two-nodes", "CYCLE", "cycle", "conv -> relu -> conv")
def _(g):
    g["nodes"][1]["inputs"] = [2]


@case("out-of-order", "CYCLE", "topological order", "“relu”")
def _(g):
    g["values"].append({"id": 3, "dtype": "float32", "shape": [1, 4, 8, 8]})
    g["nodes"].insert(2, {"id": 2, "name": "sig", "kind": "call_method", "target": "sigmoid",
                          "inputs": [3], "outputs": [2]})
    g["nodes"][3]["outputs"] = [3]
    g["nodes"][3]["id"] = 3
    g["nodes"][4]["id"] = 4


@case("shape-in-channels", "SHAPE", "“conv”", "in_channels=5")
def _(g): g["modules"][1]["attrs"]["in_channels"] = 5


@case("shape-recorded-output", "SHAPE", "“conv”", "records output float32[1,4,9,8]",
      "float32[1,4,8,8]")
def _(g): g["values"][1]["shape"] = [1, 4, 9, 8]


@case("shape-relu-changes-shape", "SHAPE", "“relu”", "float32[1,4,4,4]")
def _(g):
    g["values"][2]["shape"] = [1, 4, 4, 4]


@case("negative-dim", "SHAPE", "values[1]", "negative")
def _(g): g["values"][1]["shape"] = [1, -4, 8, 8]


@case("overflow-shape", "OVERFLOW", "values[1]", "overflows")
def _(g): g["values"][1]["shape"] = [2 ** 30, 2 ** 30, 8, 8]


@case("too-many-dims", "OVERFLOW", "values[0]", "at most 8")
def _(g): g["values"][0]["shape"] = [1] * 9


@case("unknown-dtype", "INVALID", "values[1]", "unknown dtype “float8”")
def _(g): g["values"][1]["dtype"] = "float8"


@case("inputs-not-array", "INVALID", "nodes[2]", "“inputs” must be an array")
def _(g): g["nodes"][2]["inputs"] = "conv"


@case("produced-twice", "INVALID", "produced by both", "“conv”", "“relu”")
def _(g): g["nodes"][2]["outputs"] = [1]


@case("duplicate-name", "INVALID", "two nodes are named “conv”")
def _(g): g["nodes"][2]["name"] = "conv"


@case("no-output-node", "INVALID", "output nodes", "exactly one")
def _(g):
    del g["nodes"][3]


@case("wrapped-unknown-module", "DANGLING", "wrapped[0]", "“head.anchors”")
def _(g):
    g["wrapped"] = [{"name": "_post_process", "kind": "method", "node": 2,
                     "modules": ["head.anchors"], "inputs": [1], "outputs": [2]}]


@case("wrapped-unknown-kind", "INVALID", "wrapped[0]", "unknown kind “lambda”")
def _(g):
    g["wrapped"] = [{"name": "f", "kind": "lambda", "node": 2, "inputs": [1], "outputs": [2]}]


@case("weights-file-missing", "WEIGHTS", "“no-such-file.safetensors”", "could not be read")
def _(g): g["weights"] = "no-such-file.safetensors"


@case("weights-absolute-path", "WEIGHTS", "absolute path")
def _(g): g["weights"] = "/etc/passwd"


@case("weights-wrong-shape", "WEIGHTS", "“conv.weight”", "float32[4,3,5,5]", "float32[4,3,3,3]",
      weights={"conv.weight": [4, 3, 5, 5]})
def _(g): g["weights"] = "weights-wrong-shape.safetensors"


@case("weights-missing-param", "WEIGHTS", "“conv.weight”", "missing",
      weights={"conv.bias": [4]})
def _(g): g["weights"] = "weights-missing-param.safetensors"


@case("weights-truncated", "WEIGHTS", "truncated",
      weights=({"conv.weight": [4, 3, 3, 3]}, 100))
def _(g): g["weights"] = "weights-truncated.safetensors"


def main():
    for f in os.listdir(HERE):
        if f.endswith((".json", ".err", ".safetensors")):
            os.unlink(os.path.join(HERE, f))
    for name, (code, needles, fn, text, weights) in sorted(CASES.items()):
        if text is None:
            g = base()
            fn(g)
            text = json.dumps(g, indent=1) + "\n"
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            f.write(text)
        with open(os.path.join(HERE, name + ".err"), "w") as f:
            f.write("\n".join((code,) + needles) + "\n")
        if weights is not None:
            truncate = 0
            if isinstance(weights, tuple):
                weights, truncate = weights
            with open(os.path.join(HERE, name + ".safetensors"), "wb") as f:
                f.write(safetensors(weights, truncate))


if __name__ == "__main__":
    main()
