"""`wrap`: keep a function or method opaque to torch.fx symbolic tracing.

Like Horizon's ``fx_wrap``: during symbolic tracing, a call of a wrapped function or
method becomes ONE ``call_function`` node; FX does not trace inside it.  Outside tracing
the call goes straight through to the original code.

    @wrap
    def decode(boxes, deltas): ...

    class Net(nn.Module):
        @wrap()
        def _post_process(self, data, feats): ...

For a method, the node's target is the original function bound to the module instance
and its arguments are the call's arguments without ``self``.  A call is traced as a node
when any argument (searched through lists, tuples and dicts) is an FX ``Proxy``; calls
with only concrete arguments run eagerly even while tracing.
"""

import functools
import inspect
import sys
import types

WRAP_META = "qs_wrap"


def _is_method(fn):
    """A function defined in a class body (qualname ``Class.name``) taking ``self``."""
    parts = fn.__qualname__.split(".")
    if len(parts) < 2 or parts[-2] == "<locals>":
        return False
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "self"


def _find_proxy(obj):
    from torch.fx import Proxy  # lazy: torch is only needed once something is traced
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, Proxy):
            return o
        if isinstance(o, (list, tuple)):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())
    return None


def _make_wrapper(fn):
    if getattr(fn, "__qs_wrapped__", None) is not None:
        return fn
    method = _is_method(fn)
    qualname = "%s.%s" % (fn.__module__, fn.__qualname__)
    info = {"kind": "method" if method else "function", "qualname": qualname,
            "name": fn.__name__}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        call_args = args[1:] if method else args
        if "torch.fx" not in sys.modules:
            return fn(*args, **kwargs)
        proxy = _find_proxy((call_args, kwargs))
        if proxy is None:
            return fn(*args, **kwargs)
        target = types.MethodType(fn, args[0]) if method else fn
        out = proxy.tracer.create_proxy("call_function", target, tuple(call_args),
                                        dict(kwargs))
        out.node.meta[WRAP_META] = dict(info)
        return out

    wrapper.__qs_wrapped__ = info
    return wrapper


def wrap(fn=None):
    """Decorator usable as ``@wrap`` or ``@wrap()`` on functions and methods."""
    if fn is None:
        return _make_wrapper
    if not callable(fn):
        raise TypeError("wrap() takes a function or method, got %r" % (fn,))
    return _make_wrapper(fn)


def is_wrapped(fn):
    """True when *fn* (or the function behind a bound method) was decorated with wrap."""
    fn = getattr(fn, "__func__", fn)
    return getattr(fn, "__qs_wrapped__", None) is not None
