"""Symbolic tracing (torch.fx) with wrapped regions, leaf modules and shape propagation."""

import dis
import inspect
import linecache
import os
import sys
import sysconfig

import torch
import torch.fx
from torch.fx.passes.shape_prop import ShapeProp

from .wrap import WRAP_META

LEAF_META = "qs_leaf"
SCOPE_META = "quantscope_scope"
SOURCE_META = "qs_source"
VALUE_META = "qs_value"
REGION_MODULES_META = "qs_region_modules"

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_WRAP_FILE = os.path.join(_PKG_DIR, "wrap.py")
_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep
_STDLIB_DIR = os.path.abspath(sysconfig.get_paths()["stdlib"]) + os.sep


def _library_dirs():
    dirs = [_TORCH_DIR, _STDLIB_DIR]
    try:
        import numpy
        dirs.append(os.path.dirname(os.path.abspath(numpy.__file__)) + os.sep)
    except ImportError:
        pass
    return tuple(dirs)


_LIB_DIRS = _library_dirs()


def _frame_class(filename):
    """'user', 'library' (torch, numpy, stdlib, our wrap.py) or 'tool' (the tracer itself)."""
    if not filename or filename.startswith("<"):
        return "library"
    f = os.path.abspath(filename)
    if f == _WRAP_FILE or f.startswith(_LIB_DIRS):
        return "library"
    if f.startswith(_PKG_DIR):
        return "tool"
    return "user"


def type_name(cls):
    """``torch.nn.Conv2d`` when reachable from torch.nn, else ``module.QualName``."""
    if getattr(torch.nn, cls.__name__, None) is cls:
        return "torch.nn." + cls.__name__
    return "%s.%s" % (cls.__module__, cls.__qualname__)


def display_path(filename):
    """*filename* relative to the longest sys.path entry holding it (site-packages, tools/)."""
    f = os.path.abspath(filename)
    best = None
    for entry in sys.path:
        e = os.path.abspath(entry or os.getcwd())
        if f.startswith(e + os.sep) and (best is None or len(e) > len(best)):
            best = e
    if best is None:
        return f
    return os.path.relpath(f, best).replace(os.sep, "/")


def source_of(filename, lineno):
    return {"file": display_path(filename), "line": int(lineno),
            "code": linecache.getline(filename, lineno).strip()}


def _user_source(frame):
    while frame is not None:
        kind = _frame_class(frame.f_code.co_filename)
        if kind == "tool" and frame.f_code.co_name in ("<genexpr>", "__iter__", "call_module"):
            # QSProxy.__iter__ unpacking and QSTracer.call_module's scope
            # bookkeeping run on behalf of the user code that called them.
            kind = "library"
        if kind == "user":
            return source_of(frame.f_code.co_filename, frame.f_lineno)
        if kind == "tool":
            return None
        frame = frame.f_back
    return None


class QSProxy(torch.fx.Proxy):
    """Proxy whose ``a, b = proxy`` unpacking also works on Python 3.11, where
    torch 1.13's bytecode lookup (``f_lasti // 2``) lands on the wrong instruction."""

    def __iter__(self):
        frame = inspect.currentframe().f_back
        for inst in dis.get_instructions(frame.f_code):
            if inst.offset == frame.f_lasti:
                if inst.opname == "UNPACK_SEQUENCE":
                    return (self[i] for i in range(inst.argval))
                break
        return self.tracer.iter(self)


class QSTracer(torch.fx.Tracer):
    """A torch.fx Tracer that records source lines and treats named modules as leaves."""

    def __init__(self, leaves=(), **kwargs):
        super().__init__(**kwargs)
        self.leaves = set(leaves)
        self.matched_leaves = set()
        # Module paths being traced through, innermost last: a function call
        # made inside layer1.0's forward gets scope "layer1.0" (torch 1.13's
        # symbolic_trace records no nn_module_stack).
        self.scope_stack = []

    def proxy(self, node):
        return QSProxy(node, self)

    def is_user_leaf(self, m, qualname):
        if not self.leaves:
            return False
        cls = type(m)
        return bool({qualname, cls.__name__, cls.__qualname__, type_name(cls),
                     "%s.%s" % (cls.__module__, cls.__qualname__)} & self.leaves)

    def is_leaf_module(self, m, module_qualified_name):
        if self.is_user_leaf(m, module_qualified_name):
            return True
        return super().is_leaf_module(m, module_qualified_name)

    def call_module(self, m, forward, args, kwargs):
        try:
            path = self.path_of_module(m)
        except NameError:
            path = None
        if path is None:
            return super().call_module(m, forward, args, kwargs)
        self.scope_stack.append(path)
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self.scope_stack.pop()

    def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None,
                     proxy_factory_fn=None):
        proxy = super().create_proxy(kind, target, args, kwargs, name, type_expr,
                                     proxy_factory_fn)
        node = proxy.node
        if kind in ("call_function", "call_method") and SCOPE_META not in node.meta:
            node.meta[SCOPE_META] = self.scope_stack[-1] if self.scope_stack else ""
        if SOURCE_META not in node.meta:
            src = _user_source(sys._getframe(1))
            if src is not None:
                node.meta[SOURCE_META] = src
        if kind == "call_module":
            mod = self.root.get_submodule(target)
            if self.is_user_leaf(mod, target):
                node.meta[LEAF_META] = True
                self.matched_leaves.add(target)
        return proxy


class TraceFailure(Exception):
    """Tracing failed; carries the innermost user source location of the failure."""

    def __init__(self, exc, source):
        super().__init__(str(exc))
        self.exc = exc
        self.source = source

    def report(self):
        lines = []
        if self.source:
            lines.append("%s:%d: symbolic tracing failed here:" %
                         (self.source["file"], self.source["line"]))
            lines.append("    " + self.source["code"])
        else:
            lines.append("symbolic tracing failed:")
        msg = str(self.exc).strip().splitlines()
        lines.append("%s: %s" % (type(self.exc).__name__, msg[0] if msg else ""))
        lines.extend("    " + m for m in msg[1:4])
        lines.append("hint: wrap the function or method containing this line with "
                     "@quantscope_trace.wrap (or name the module with --leaf) so FX keeps "
                     "it opaque")
        return "\n".join(lines)


def _failure_source(exc):
    best = None
    tb = exc.__traceback__
    while tb is not None:
        f = tb.tb_frame.f_code.co_filename
        if _frame_class(f) == "user":
            best = source_of(f, tb.tb_lineno)
            best["abs_file"] = os.path.abspath(f)
        tb = tb.tb_next
    return best


class _RegionProp(ShapeProp):
    """ShapeProp that also summarises every result and records, for wrapped calls and
    leaf modules, which submodules actually ran inside them."""

    def __init__(self, gm, root):
        super().__init__(gm)
        self._paths = {}
        for path, m in root.named_modules(remove_duplicate=False):
            self._paths.setdefault(id(m), path)
        self._region = None

    def _hook(self, module, inputs):
        if self._region is not None:
            path = self._paths.get(id(module))
            if path is not None:
                self._region.add(path)

    def run_node(self, n):
        in_region = WRAP_META in n.meta or n.meta.get(LEAF_META)
        if in_region:
            self._region = set()
        try:
            result = super().run_node(n)
        finally:
            if in_region:
                n.meta[REGION_MODULES_META] = self._region
                self._region = None
        n.meta[VALUE_META] = summarize(result)
        return result

    def propagate(self, *args):
        from torch.nn.modules.module import register_module_forward_pre_hook
        handle = register_module_forward_pre_hook(self._hook)
        try:
            with torch.no_grad():
                return super().propagate(*args)
        finally:
            handle.remove()


_DTYPE_NAMES = {
    torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.float64: "float64", torch.int64: "int64", torch.int32: "int32",
    torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool",
}


def summarize(obj):
    """The graph-format value description of a runtime result (without ``id``)."""
    if isinstance(obj, torch.Tensor):
        name = _DTYPE_NAMES.get(obj.dtype)
        if name is None or obj.dim() > 8:
            return {"dtype": "unknown"}
        return {"shape": [int(s) for s in obj.shape], "dtype": name}
    if isinstance(obj, bool):
        return {"dtype": "bool_scalar"}
    if isinstance(obj, int):
        return {"dtype": "int"}
    if isinstance(obj, float):
        return {"dtype": "float"}
    if obj is None:
        return {"dtype": "none"}
    if isinstance(obj, (tuple, list)):
        return {"dtype": "tuple" if isinstance(obj, tuple) else "list",
                "elements": [summarize(e) for e in obj]}
    if isinstance(obj, dict):
        return {"dtype": "dict"}
    return {"dtype": "unknown"}


class TraceResult:
    def __init__(self, root, graph_module, tracer):
        self.root = root
        self.graph_module = graph_module
        self.graph = graph_module.graph
        self.tracer = tracer


def trace_model(model, example_inputs, leaves=()):
    """Trace *model* and run shape propagation on *example_inputs* (a tuple of forward
    arguments; a callable returning one is also accepted, so that inputs that the model
    mutates can be made fresh).  Raises TraceFailure when symbolic tracing fails."""
    tracer = QSTracer(leaves=leaves)
    try:
        graph = tracer.trace(model)
    except Exception as exc:  # TraceError, RuntimeError from Proxy.__len__, numpy, ...
        raise TraceFailure(exc, _failure_source(exc)) from exc
    name = type(model).__name__
    gm = torch.fx.GraphModule(tracer.root, graph, name)
    inputs = example_inputs() if callable(example_inputs) else example_inputs
    _RegionProp(gm, model).propagate(*inputs)
    return TraceResult(model, gm, tracer)


def recalibrate_bn(model, make_input, batches):
    """Re-estimate BatchNorm running statistics: reset them, put only the BatchNorm layers
    in train mode with cumulative averaging (momentum None), run *batches* forward passes on
    ``make_input()`` under no_grad, then restore momentum and leave the model in eval mode.
    Returns the number of BatchNorm layers updated."""
    bns = [m for m in model.modules()
           if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
    model.eval()
    if not bns or batches <= 0:
        return 0
    momenta = []
    for m in bns:
        momenta.append(m.momentum)
        m.reset_running_stats()
        m.momentum = None
        m.train()
    try:
        with torch.no_grad():
            for _ in range(batches):
                model(*make_input())
    finally:
        for m, mom in zip(bns, momenta):
            m.momentum = mom
        model.eval()
    return len(bns)
