"""Quantscope project files (*.qsproj) -> torch.ao.quantization.QConfigMapping.

Reads a project saved by Quantscope (docs/project-format.md) and builds the QConfigMapping
that makes torch's prepare_fx / prepare_qat_fx give every module the qconfig the project
resolves for it, so that the choices made in the window drive QAT in your own script:

    import quantscope_project as qp
    project = qp.load("model.qsproj")
    mapping = qp.build_qconfig_mapping(project)          # torch QConfigMapping
    model = prepare_qat_fx(model, mapping, example_inputs)

Only the Python standard library is needed to read a project and resolve it; torch is
imported when a mapping is built.  How rules map to torch (and to Horizon's qconfig
setters), and what cannot map exactly, is in docs/project-format.md.  In short:

    global / template      -> set_global            (the default qconfig of the kind)
    op                     -> set_object_type       (module classes and functions)
    prefix                 -> set_module_name       (torch also walks up to parents)
    regex                  -> set_module_name_regex (".*(?:regex)", last rule first)
    node, override         -> set_module_name       (call_module nodes: their module)
    anything torch would resolve differently (field-wise merging, our precedence:
    regex above prefix, templates by op or by model output, functions)
                           -> set_module_name / set_module_name_object_type_order
                              for that module or call, computed from the graph file

The parser refuses DOCTYPEs (no entities at all) and files over 16 MiB, as the engine does.
"""

import json
import os
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat

FORMAT_VERSION = 1
MAX_FILE_SIZE = 16 << 20
FIELDS = ("kind", "activation", "weight", "observer", "per_channel", "percentile",
          "fixed_scale")
LEVELS = ("global", "template", "op", "prefix", "regex", "node")

HERE = os.path.dirname(os.path.abspath(__file__))

# Templates (engine/qs-qconfig.c): fields and what they match.
SENSITIVE_OPS = {"softmax", "layer_norm", "group_norm", "exp", "div", "matmul"}
BOUNDED_OPS = {"sigmoid", "tanh", "hardsigmoid"}
TEMPLATES = {
    "default_calibration": dict(kind="calibration", activation="qint8", weight="qint8",
                                observer="minmax", per_channel=True),
    "default_qat": dict(kind="qat", activation="qint8", weight="qint8",
                        observer="moving_average_minmax", per_channel=True),
    "sensitive_int16": dict(activation="qint16"),
    "high_precision_outputs": dict(activation="float"),
    "fixed_scale_bounded": dict(observer="fixed_scale", fixed_scale=1.0 / 128.0),
}


class ProjectError(Exception):
    """A project file that can't be read; the message names the file."""


# Reading

def _refuse_doctype(*_args):
    raise ProjectError("a DOCTYPE is not allowed in a project file (no DTDs, no entities)")


def _parse(path):
    if os.path.getsize(path) > MAX_FILE_SIZE:
        raise ProjectError("%s: over the limit for project files (16 MiB)" % path)
    with open(path, "rb") as f:
        data = f.read(MAX_FILE_SIZE + 1)
    check = xml.parsers.expat.ParserCreate()
    check.StartDoctypeDeclHandler = _refuse_doctype
    check.EntityDeclHandler = _refuse_doctype
    try:
        check.Parse(data, True)
        return ET.fromstring(data)
    except (ProjectError, xml.parsers.expat.ExpatError, ET.ParseError) as e:
        raise ProjectError("%s: %s" % (path, e)) from None


def _migrate_v0(root):
    for section in root:
        if section.tag == "qconfig-rules":
            section.tag = "rules"
        for item in section:
            if item.tag == "use-template":
                item.tag = "template"
            for old, new in (("per_channel", "per-channel"), ("fixed_scale", "fixed-scale")):
                if old in item.attrib:
                    item.attrib[new] = item.attrib.pop(old)


def _fields(el):
    out = {}
    for name in FIELDS:
        v = el.get(name.replace("_", "-"))
        if v is None:
            continue
        if name == "per_channel":
            v = v == "true"
        elif name in ("percentile", "fixed_scale"):
            v = float(v)
        out[name] = v
    return out


def _rule(el):
    for level in ("op", "prefix", "regex", "node"):
        if el.get(level) is not None:
            return {"level": level, "pattern": el.get(level), "fields": _fields(el)}
    return {"level": "global", "pattern": None, "fields": _fields(el)}


def load(path):
    """Reads a project into a dict: march, kind, graph (absolute path), rules (templates and
    rules in order: {"level", "pattern" or "template", "fields"}), overrides, annotations."""
    root = _parse(path)
    if root.tag != "project":
        raise ProjectError("%s: not a Quantscope project" % path)
    version = int(root.get("version", "-1"))
    if version < 0 or version > FORMAT_VERSION:
        raise ProjectError("%s: project format version %s is not one this module reads"
                           % (path, root.get("version")))
    if version == 0:
        _migrate_v0(root)
    project = {"path": path, "march": root.get("march"), "kind": root.get("qconfig"),
               "rules": [], "overrides": [], "annotations": {}, "version": version}
    for section in root:
        if section.tag == "graph":
            project["graph"] = os.path.normpath(os.path.join(
                os.path.dirname(os.path.abspath(path)), section.get("href")))
            project["graph_sha256"] = section.get("sha256")
        elif section.tag == "rules":
            for el in section:
                if el.tag == "template":
                    name = el.get("name")
                    if name not in TEMPLATES:
                        raise ProjectError("%s: unknown template %r" % (path, name))
                    project["rules"].append({"level": "template", "template": name,
                                             "pattern": None, "fields": TEMPLATES[name]})
                elif el.tag == "rule":
                    project["rules"].append(_rule(el))
        elif section.tag == "overrides":
            project["overrides"] = [_rule(el) for el in section if el.tag == "override"]
        elif section.tag == "annotations":
            project["annotations"] = {el.get("node"): el.text or "" for el in section}
    return project


def to_rules_json(project):
    """The project's rules and overrides in the rules file format of docs/qconfig.md."""
    rules = []
    for r in project["rules"] + project["overrides"]:
        if r["level"] == "template":
            continue
        d = {r["level"]: True if r["level"] == "global" else r["pattern"]}
        d.update(r["fields"])
        rules.append(d)
    return {"kind": project["kind"],
            "templates": [r["template"] for r in project["rules"] if r["level"] == "template"],
            "rules": rules}


# Resolving (a port of qs_qconfig_resolve; engine/qs-qconfig.c is the reference)

def _op_table():
    """FX target -> canonical op, from engine/qs-op-targets.inc."""
    table = {}
    inc = os.path.join(os.path.dirname(HERE), "engine", "qs-op-targets.inc")
    if os.path.exists(inc):
        pat = re.compile(r'QS_TARGET \((\w+),\s*"([^"]+)",\s*(\w+)\)')
        with open(inc) as f:
            for kind, target, op in pat.findall(f.read()):
                table[(kind, target)] = op.lower()
    return table


class Graph:
    """The parts of a *.qsgraph.json that rules look at."""

    def __init__(self, path):
        with open(path) as f:
            data = json.load(f)
        ops = _op_table()
        self.modules = {m["path"]: m["type"] for m in data["modules"]}
        self.nodes = data["nodes"]
        for n in self.nodes:
            if n["kind"] == "call_module":
                n["module_type"] = self.modules.get(n["target"], "")
                n["op"] = ops.get(("MODULE", n["module_type"]), "unknown")
                n["path"] = n.get("scope") or n["target"]
            else:
                key = {"call_function": "FUNCTION", "call_method": "METHOD"}.get(n["kind"])
                n["op"] = ops.get((key, n["target"]), "unknown") if key else \
                    {"placeholder": "input", "output": "output"}.get(n["kind"], "unknown")
                n["path"] = n.get("scope") or ""
        out = [n for n in self.nodes if n["kind"] == "output"]
        self.output_values = set(out[-1]["inputs"]) if out else set()


def _prefix_match(path, prefix):
    return prefix == "" or path == prefix or path.startswith(prefix + ".")


def _matches(rule, node, graph, members):
    level = rule["level"]
    if level == "global":
        return True
    if level == "template":
        t = rule["template"]
        if t in ("default_calibration", "default_qat"):
            return True
        if t == "sensitive_int16":
            return node["op"] in SENSITIVE_OPS
        if t == "fixed_scale_bounded":
            return node["op"] in BOUNDED_OPS
        # high_precision_outputs: a fused node outputs its last member's value
        last = members[-1] if members else node
        return node["kind"] != "output" and bool(set(last["outputs"][:1]) & graph.output_values)
    p = rule["pattern"]
    if level == "op":
        if "." not in p:
            return node["op"] == p
        return (node.get("module_type") if node["kind"] == "call_module" else node["target"]) == p
    if level == "prefix":
        return _prefix_match(node["path"], p)
    if level == "regex":
        return re.search(p, node["path"]) is not None or re.search(p, node["name"]) is not None
    names = [m["name"] for m in members] if members else [node["name"]]
    return p in names


def _precedence(rules):
    def key(i):
        r = rules[i]
        plen = len(r["pattern"]) if r["level"] == "prefix" else 0
        return (LEVELS.index(r["level"]), plen, i)
    return [rules[i] for i in sorted(range(len(rules)), key=key)]


def default_qconfig(kind):
    return dict(TEMPLATES["default_qat" if kind == "qat" else "default_calibration"],
                percentile=0.0, fixed_scale=0.0)


def resolve(project, graph, groups=None):
    """Node name -> resolved qconfig (a dict of FIELDS), as prepare resolves it.  @groups
    maps a fused group's head to its member names (from `quantscope-cli prepare --json`);
    without it every node is resolved on its own, as in an unfused graph."""
    rules = _precedence(project["rules"] + project["overrides"])
    by_name = {n["name"]: n for n in graph.nodes}
    out = {}
    for node in graph.nodes:
        members = [by_name[m] for m in (groups or {}).get(node["name"], [])]
        q = default_qconfig(project["kind"])
        for r in rules:
            if _matches(r, node, graph, members):
                q.update(r["fields"])
        out[node["name"]] = q
    return out


# torch

def _torch_qconfig(q):
    """Our qconfig -> a torch QConfig (None when the activation stays float)."""
    import torch
    from torch.ao.quantization import QConfig, FakeQuantize, FixedQParamsFakeQuantize
    from torch.ao.quantization import observer as obs

    if q["activation"] == "float":
        return None
    qat = q["kind"] == "qat"

    def ranged(dtype_name):
        if dtype_name == "qint8":
            return dict(dtype=torch.qint8, quant_min=-128, quant_max=127)
        # torch 1.13 has no qint16: a 16-bit range in qint32 (Horizon's plugin has qint16)
        return dict(dtype=torch.qint32, quant_min=-32768, quant_max=32767)

    if q["activation"] == "fp16":
        act = obs.PlaceholderObserver.with_args(dtype=torch.float16)
    elif q["observer"] == "fixed_scale":
        kw = dict(scale=q["fixed_scale"], zero_point=0, **ranged(q["activation"]))
        act = (FixedQParamsFakeQuantize.with_args(observer=obs.FixedQParamsObserver.with_args(**kw))
               if qat else obs.FixedQParamsObserver.with_args(**kw))
    else:
        cls = {"minmax": obs.MinMaxObserver,
               "moving_average_minmax": obs.MovingAverageMinMaxObserver,
               "percentile": QsPercentileObserver(), "mse": QsMseObserver()}[q["observer"]]
        kw = dict(qscheme=torch.per_tensor_symmetric, **ranged(q["activation"]))
        act = FakeQuantize.with_args(observer=cls, **kw) if qat else cls.with_args(**kw)
    if q["weight"] in ("float", "fp16"):
        wt = obs.PlaceholderObserver.with_args(
            dtype=torch.float16 if q["weight"] == "fp16" else torch.float)
    else:
        kw = dict(ranged(q["weight"]))
        if q["per_channel"]:
            cls, kw["qscheme"], kw["ch_axis"] = obs.PerChannelMinMaxObserver, \
                torch.per_channel_symmetric, 0
        else:
            cls, kw["qscheme"] = obs.MinMaxObserver, torch.per_tensor_symmetric
        if qat:
            cls = {obs.PerChannelMinMaxObserver: obs.MovingAveragePerChannelMinMaxObserver,
                   obs.MinMaxObserver: obs.MovingAverageMinMaxObserver}[cls]
        wt = FakeQuantize.with_args(observer=cls, **kw) if qat else cls.with_args(**kw)
    return QConfig(activation=act, weight=wt)


_OBSERVER_CLASSES = {}


def _histogram_subclass(name):
    # torch has no percentile or MSE observer: both use its histogram observer (which
    # minimises the L2 quantization error), under their own names so they stay apart.
    if name not in _OBSERVER_CLASSES:
        from torch.ao.quantization.observer import HistogramObserver
        _OBSERVER_CLASSES[name] = type(name, (HistogramObserver,), {"__module__": __name__})
    return _OBSERVER_CLASSES[name]


def QsPercentileObserver():
    return _histogram_subclass("QsPercentileObserver")


def QsMseObserver():
    return _histogram_subclass("QsMseObserver")


def describe_torch_qconfig(qconfig):
    """A torch QConfig -> our fields (kind, activation, weight, observer, per_channel,
    fixed_scale), by instantiating its observers.  None -> activation float."""
    import torch
    from torch.ao.quantization import FakeQuantize
    from torch.ao.quantization import observer as obs

    if qconfig is None:
        return {"activation": "float"}

    def dtype_name(o):
        if o.dtype == torch.float16:
            return "fp16"
        if o.dtype == torch.float:
            return "float"
        return "qint8" if (o.quant_min, o.quant_max) == (-128, 127) else "qint16"

    a, w = qconfig.activation(), qconfig.weight()
    qat = isinstance(a, torch.ao.quantization.FakeQuantizeBase)
    a_obs = a.activation_post_process if qat else a
    w_obs = w.activation_post_process if isinstance(w, FakeQuantize) else w
    out = {"kind": "qat" if qat else "calibration", "activation": dtype_name(a_obs),
           "weight": dtype_name(w_obs)}
    if out["activation"] != "fp16":
        names = {obs.MinMaxObserver: "minmax",
                 obs.MovingAverageMinMaxObserver: "moving_average_minmax",
                 obs.FixedQParamsObserver: "fixed_scale",
                 QsPercentileObserver(): "percentile", QsMseObserver(): "mse"}
        out["observer"] = names[type(a_obs)]
        if out["observer"] == "fixed_scale":
            out["fixed_scale"] = float(a_obs.scale)
    if out["weight"] not in ("float", "fp16"):
        out["per_channel"] = w_obs.qscheme == torch.per_channel_symmetric
    return out


def comparable(q):
    """The fields of our qconfig that a torch QConfig carries (see describe_torch_qconfig)."""
    if q["activation"] == "float":
        return {"activation": "float"}
    out = {k: q[k] for k in ("kind", "activation", "weight")}
    if q["activation"] != "fp16":
        out["observer"] = q["observer"]
        if q["observer"] == "fixed_scale":
            out["fixed_scale"] = q["fixed_scale"]
    if q["weight"] not in ("float", "fp16"):
        out["per_channel"] = q["per_channel"]
    return out


def _resolve_object(name):
    import importlib
    mod, _, attr = name.rpartition(".")
    if mod == "operator" or name.startswith("_operator."):
        import operator
        return getattr(operator, attr)
    try:
        obj = importlib.import_module(mod)
    except ImportError:
        return None
    return getattr(obj, attr, None)


def _op_objects(project, graph, pattern):
    """Torch classes and functions that a rule by op names."""
    if "." in pattern:
        objs = [pattern]
    else:
        objs = sorted({n.get("module_type") if n["kind"] == "call_module" else n["target"]
                       for n in graph.nodes if n["op"] == pattern
                       and n["kind"] in ("call_module", "call_function")})
    return [o for o in (_resolve_object(x) for x in objs) if o is not None]


def _torch_lookup(mapping_entries, node):
    """What torch would pick for a call_module node from the structural entries
    (torch/ao/quantization/qconfig_mapping_utils.py)."""
    glob, types, regexes, names = mapping_entries
    q = types.get(node.get("module_type"), glob)
    for pat, qc in regexes:
        if re.match(pat, node["target"]):
            q = qc
            break
    path = node["target"]
    while path:
        if path in names:
            return names[path]
        path = path.rpartition(".")[0]
    return q


def build_qconfig_mapping(project, graph=None, groups=None, notes=None):
    """A torch QConfigMapping equal, module by module, to the project's resolved qconfigs.
    @graph defaults to the project's graph file; @notes (a list) receives what could not
    be mapped exactly."""
    from torch.ao.quantization import QConfigMapping

    graph = graph or Graph(project["graph"])
    notes = notes if notes is not None else []
    ours = resolve(project, graph, groups)
    base = default_qconfig(project["kind"])
    for r in _precedence(project["rules"]):
        if r["level"] == "global" or (r["level"] == "template"
                                      and r["template"] in ("default_calibration",
                                                            "default_qat")):
            base.update(r["fields"])
    mapping = QConfigMapping().set_global(_torch_qconfig(base))
    types, regexes, names = {}, [], {}
    # Structural entries first: a reader sees the rules in them.
    for r in _precedence(project["rules"] + project["overrides"]):
        merged = dict(base, **r["fields"])
        if r["level"] == "op":
            # An entry equal to the global one says nothing, and torch refuses object
            # types with differing qconfigs inside one fusion pattern (conv vs relu).
            if comparable(merged) == comparable(base):
                continue
            for obj in _op_objects(project, graph, r["pattern"]):
                types[obj] = merged
        elif r["level"] == "prefix":
            names[r["pattern"]] = merged
        elif r["level"] == "regex":
            regexes.insert(0, (".*(?:%s)" % r["pattern"], merged))
        elif r["level"] == "node":
            for n in graph.nodes:
                if n["name"] == r["pattern"] and n["kind"] == "call_module":
                    names[n["target"]] = merged
    # Then the exact fix-ups: every called module whose qconfig torch would get wrong.
    entries = (base, {k: v for k, v in types.items() if isinstance(k, type)}, regexes, names)
    calls = {}
    for n in graph.nodes:
        if n["kind"] == "call_module":
            calls.setdefault(n["target"], []).append(n)
    for target, nodes in calls.items():
        want = ours[nodes[0]["name"]]
        if any(comparable(ours[n["name"]]) != comparable(want) for n in nodes[1:]):
            notes.append("module %s is called %d times with different qconfigs; torch keeps "
                         "one qconfig per module: using the first call's" % (target, len(nodes)))
        if comparable(_torch_lookup(entries, nodes[0])) != comparable(want):
            names[target] = want
    # Functions: torch takes the qconfig of the calling module first, so each call whose
    # result differs is pinned by (module, function, index).
    order = {}
    for n in graph.nodes:
        if n["kind"] != "call_function":
            continue
        fn = _resolve_object(n["target"])
        if fn is None:
            continue
        scope = n.get("scope") or ""
        idx = order.setdefault((scope, fn), 0)
        order[(scope, fn)] += 1
        got = types.get(fn, base)
        path = scope
        while path:
            if path in names:
                got = names[path]
                break
            path = path.rpartition(".")[0]
        if comparable(got) != comparable(ours[n["name"]]):
            mapping.set_module_name_object_type_order(scope, fn, idx,
                                                      _torch_qconfig(ours[n["name"]]))
    for obj, q in types.items():
        mapping.set_object_type(obj, _torch_qconfig(q))
    for pat, q in regexes:
        mapping.set_module_name_regex(pat, _torch_qconfig(q))
    for name, q in names.items():
        mapping.set_module_name(name, _torch_qconfig(q))
    return mapping


if __name__ == "__main__":
    import sys
    p = load(sys.argv[1])
    print(json.dumps(to_rules_json(p), indent=2))
