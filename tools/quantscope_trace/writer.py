"""Write a traced model as a Quantscope graph (``*.qsgraph.json``, version 1)."""

import json
import math

import torch
import torch.fx
from torch.fx.node import Node, _get_qualified_name, map_arg

from . import __version__
from .tracer import (LEAF_META, REGION_MODULES_META, SCOPE_META, SOURCE_META, VALUE_META, type_name,
                     _DTYPE_NAMES)
from .wrap import WRAP_META

FORMAT_VERSION = 1

ATTR_KEYS = ("in_channels out_channels kernel_size stride padding dilation groups bias "
             "in_features out_features num_features eps momentum affine output_padding "
             "normalized_shape negative_slope inplace dim start_dim end_dim output_size "
             "scale_factor mode align_corners ceil_mode count_include_pad p").split()


def _json_attr(v):
    """A JSON number, bool, string or (nested) array of numbers, else None."""
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, (list, tuple, torch.Size)):
        items = [_json_attr(x) for x in v]
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items):
            return items
    return None


_CONTAINERS = (torch.nn.Module, torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)


def _is_torch_nn_layer(m):
    """True when some class in type(m)'s MRO is a torch.nn layer (not a container)."""
    return any(getattr(torch.nn, c.__name__, None) is c and c not in _CONTAINERS
               for c in type(m).__mro__)


def module_attrs(m):
    """Recognised constructor attributes of torch.nn layers (and of their subclasses)."""
    attrs = {}
    if not _is_torch_nn_layer(m):
        return attrs
    for key in ATTR_KEYS:
        if key == "bias":
            if "bias" in m._parameters:
                attrs["bias"] = m._parameters["bias"] is not None
            continue
        if not hasattr(m, key):
            continue
        try:
            v = _json_attr(getattr(m, key))
        except Exception:
            continue
        if v is not None:
            attrs[key] = v
    if isinstance(getattr(m, "padding_mode", None), str):
        attrs["padding_mode"] = m.padding_mode
    return attrs


def _tensor_entry(name, t):
    return {"name": name, "shape": [int(s) for s in t.shape],
            "dtype": _DTYPE_NAMES.get(t.dtype, str(t.dtype).replace("torch.", ""))}


def module_entries(root):
    out = []
    for i, (path, m) in enumerate(root.named_modules()):
        params = [_tensor_entry(n, p) for n, p in m.named_parameters(recurse=False)]
        skip = getattr(m, "_non_persistent_buffers_set", set())
        buffers = [_tensor_entry(n, b) for n, b in m.named_buffers(recurse=False)
                   if n not in skip]
        out.append({"id": i, "path": path, "type": type_name(type(m)),
                    "attrs": module_attrs(m), "params": params, "buffers": buffers})
    return out


def function_name(target):
    """Public name of a call_function target (torch.add, operator.add, builtins.getattr)."""
    try:
        q = _get_qualified_name(target)
    except Exception:
        q = "%s.%s" % (getattr(target, "__module__", None) or "?",
                       getattr(target, "__qualname__", None) or repr(target))
    if "." not in q:
        q = "builtins." + q
    if q.startswith("_operator."):
        q = "operator." + q[len("_operator."):]
    for prefix in ("torch._C._nn.", "torch._C._VariableFunctions.",
                   "torch._VariableFunctionsClass."):
        if q.startswith(prefix):
            short = q[len(prefix):]
            if prefix == "torch._C._nn.":
                if getattr(torch.nn.functional, short, None) is not None:
                    q = "torch.nn.functional." + short
            elif getattr(torch, short, None) is not None:
                q = "torch." + short
    return q


def node_target(node):
    if node.op == "call_function":
        info = node.meta.get(WRAP_META)
        if info is not None:
            return "wrap:" + info["qualname"]
        return function_name(node.target)
    if node.op == "output":
        return "output"
    return str(node.target)


class _ArgWriter:
    def __init__(self, ids):
        self.ids = ids

    def __call__(self, a):
        if isinstance(a, Node):
            return {"value": self.ids[a]}
        if isinstance(a, bool) or a is None or isinstance(a, (int, str)):
            return a
        if isinstance(a, float):
            return a if math.isfinite(a) else {"repr": repr(a)}
        if isinstance(a, (list, tuple)):
            return [self(x) for x in a]
        if isinstance(a, dict):
            return {str(k): self(v) for k, v in a.items()}
        if isinstance(a, slice):
            parts = (a.start, a.stop, a.step)
            if any(isinstance(p, Node) for p in parts):
                return {"slice": [self(p) for p in parts]}
            return {"repr": repr(a)}
        return {"repr": repr(a)}


def graph_to_json(result, name, factory=None, metadata=None, weights=None):
    """Build the graph document (a dict) from a tracer.TraceResult."""
    graph = result.graph
    nodes = list(graph.nodes)
    if nodes[-1].op != "output" or sum(n.op == "output" for n in nodes) != 1:
        raise ValueError("graph must end with exactly one output node")
    ids = {n: i for i, n in enumerate(nodes)}
    modules = module_entries(result.root)
    module_index = {m["path"]: m["id"] for m in modules}
    write_arg = _ArgWriter(ids)

    values, node_entries, wrapped = [], [], []
    for i, n in enumerate(nodes):
        inputs = []
        map_arg((n.args, n.kwargs), lambda x: inputs.append(ids[x]))
        entry = {"id": i, "name": n.name, "kind": n.op, "target": node_target(n),
                 "inputs": inputs, "outputs": [] if n.op == "output" else [i],
                 "args": write_arg(tuple(n.args)), "kwargs": write_arg(dict(n.kwargs))}
        if n.meta.get(SCOPE_META):
            entry["scope"] = n.meta[SCOPE_META]
        if SOURCE_META in n.meta:
            entry["source"] = dict(n.meta[SOURCE_META])
        region = None
        if WRAP_META in n.meta:
            info = n.meta[WRAP_META]
            mods = n.meta.get(REGION_MODULES_META) or set()
            region = {"name": info["name"], "kind": info["kind"]}
        elif n.meta.get(LEAF_META):
            prefix = n.target + "."
            mods = {p for p in module_index if p.startswith(prefix)}
            region = {"name": n.target, "kind": "leaf_module"}
        if region is not None:
            region.update({"node": i,
                           "modules": sorted(mods, key=lambda p: module_index.get(p, 1 << 30)),
                           "inputs": list(dict.fromkeys(inputs)), "outputs": [i]})
            entry["wrapped"] = len(wrapped)
            wrapped.append(region)
        node_entries.append(entry)
        if n.op != "output":
            v = {"id": i}
            v.update(n.meta.get(VALUE_META) or {"dtype": "unknown"})
            values.append(v)

    doc = {
        "format": "quantscope-graph",
        "version": FORMAT_VERSION,
        "producer": {"name": "quantscope-trace", "version": __version__,
                     "torch": torch.__version__.split("+")[0]},
        "model": {"name": name, "factory": factory or "",
                  "metadata": {str(k): str(v) for k, v in sorted((metadata or {}).items())}},
        "weights": weights,
        "modules": modules,
        "values": values,
        "nodes": node_entries,
        "wrapped": wrapped,
    }
    return doc


def _dump(obj):
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def dumps_graph(doc):
    """Serialise *doc* with one module, value or node per line."""
    parts = []
    for key, val in doc.items():
        if isinstance(val, list):
            if not val:
                parts.append('%s: []' % _dump(key))
            else:
                body = ",\n".join(_dump(e) for e in val)
                parts.append('%s: [\n%s\n]' % (_dump(key), body))
        else:
            parts.append("%s: %s" % (_dump(key), _dump(val)))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def write_graph(doc, path):
    text = dumps_graph(doc)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return text
