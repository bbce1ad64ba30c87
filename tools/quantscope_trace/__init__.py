"""quantscope_trace: trace PyTorch models with torch.fx into Quantscope's graph format.

The public entry points are :func:`wrap` (keep a function or method opaque to FX),
:func:`trace_model` (trace a module and propagate shapes), :func:`write_graph`
(write ``*.qsgraph.json``) and :func:`save_safetensors` / :func:`load_safetensors`.
See ``docs/tracer.md``.
"""

__version__ = "0.1.0"

from .wrap import wrap, is_wrapped  # noqa: E402,F401

__all__ = ["wrap", "is_wrapped", "trace_model", "write_graph", "save_safetensors",
           "load_safetensors", "recalibrate_bn", "__version__"]


def __getattr__(name):
    # torch is imported lazily so that `from quantscope_trace import wrap` stays cheap.
    if name in ("trace_model", "TraceFailure", "QSTracer", "recalibrate_bn"):
        from . import tracer
        return getattr(tracer, name)
    if name in ("write_graph", "graph_to_json"):
        from . import writer
        return getattr(writer, name)
    if name in ("save_safetensors", "load_safetensors"):
        from . import safetensors_io
        return getattr(safetensors_io, name)
    raise AttributeError(name)
