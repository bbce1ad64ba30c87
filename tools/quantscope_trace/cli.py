"""Command line: quantscope-trace MODULE:FACTORY --input 1x3x224x224 -o NAME.qsgraph.json"""

import argparse
import importlib
import os
import sys
import traceback

EXIT_OK, EXIT_ERROR, EXIT_TRACE = 0, 1, 2

_INPUT_DTYPES = ("float32", "float16", "float64", "int64", "int32", "uint8", "bool")


class UsageError(Exception):
    pass


def parse_shape(text):
    """``1x3x224x224`` or ``1x10:int64`` -> ([1, 3, 224, 224], "float32")."""
    shape_text, _, dtype = text.partition(":")
    dtype = dtype or "float32"
    if dtype not in _INPUT_DTYPES:
        raise argparse.ArgumentTypeError("unknown input dtype %r (one of %s)"
                                         % (dtype, ", ".join(_INPUT_DTYPES)))
    try:
        shape = [int(s) for s in shape_text.lower().split("x")] if shape_text else []
    except ValueError:
        raise argparse.ArgumentTypeError("bad shape %r: expected e.g. 1x3x224x224" % text)
    if any(s < 0 for s in shape) or len(shape) > 8:
        raise argparse.ArgumentTypeError("bad shape %r" % text)
    return shape, dtype


def build_parser():
    p = argparse.ArgumentParser(
        prog="quantscope-trace",
        description="Trace a PyTorch model with torch.fx into a Quantscope graph "
                    "(NAME.qsgraph.json) and optionally its weights (NAME.safetensors).")
    p.add_argument("factory", metavar="MODULE:FACTORY",
                   help="callable returning an nn.Module, e.g. torchvision.models:resnet18")
    p.add_argument("--input", action="append", type=parse_shape, required=True,
                   metavar="SHAPE[:DTYPE]",
                   help="example input shape such as 1x3x224x224; repeat for several inputs")
    p.add_argument("--input-key", action="append", default=[], metavar="KEY",
                   help="pass the inputs to forward as one dict, the i-th input under the "
                        "i-th key (e.g. --input-key img for forward(data) with data['img'])")
    p.add_argument("-o", "--output", required=True, metavar="FILE.qsgraph.json")
    w = p.add_mutually_exclusive_group()
    w.add_argument("--weights", metavar="FILE.safetensors",
                   help="write the state_dict here (default: next to the graph)")
    w.add_argument("--no-weights", action="store_true", help="write a graph-only file")
    p.add_argument("--leaf", action="append", default=[], metavar="PATH_OR_CLASS",
                   help="trace this module (path like 'neck' or class name) as one "
                        "call_module node; repeatable")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and inputs")
    p.add_argument("--recalibrate-bn", type=int, default=0, metavar="N",
                   help="re-estimate BatchNorm statistics with N random batches first")
    p.add_argument("--name", help="model name (default: the factory name)")
    p.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="add DIR to sys.path before importing MODULE")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (default 1: deterministic and light)")
    p.add_argument("--debug", action="store_true", help="print Python tracebacks")
    return p


def load_factory(spec):
    mod_name, sep, attr = spec.partition(":")
    if not sep or not mod_name or not attr:
        raise UsageError("expected MODULE:FACTORY, got %r" % spec)
    try:
        obj = importlib.import_module(mod_name)
    except ImportError as exc:
        raise UsageError("cannot import %s: %s" % (mod_name, exc))
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise UsageError("%s has no attribute %r" % (mod_name, attr))
        obj = getattr(obj, part)
    return obj


def _make_inputs(torch, specs, keys, batch=None):
    tensors = []
    for shape, dtype in specs:
        shape = list(shape)
        if batch is not None and shape:
            shape[0] = batch
        dt = getattr(torch, dtype)
        if dt.is_floating_point:
            tensors.append(torch.randn(shape, dtype=dt))
        elif dt == torch.bool:
            tensors.append(torch.rand(shape) > 0.5)
        else:
            tensors.append(torch.randint(0, 10, shape, dtype=dt))
    if keys:
        return (dict(zip(keys, tensors)),)
    return tuple(tensors)


def run(args):
    for d in reversed(args.path):
        sys.path.insert(0, os.path.abspath(d))
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    if args.input_key and len(args.input_key) != len(args.input):
        raise UsageError("give one --input-key per --input (%d keys, %d inputs)"
                         % (len(args.input_key), len(args.input)))

    import torch
    from . import safetensors_io, tracer, writer

    torch.set_num_threads(max(1, args.threads))
    factory = load_factory(args.factory)
    torch.manual_seed(args.seed)
    model = factory()
    if not isinstance(model, torch.nn.Module):
        raise UsageError("%s returned %s, not a torch.nn.Module"
                         % (args.factory, type(model).__name__))
    model.eval()
    metadata = {"weights": "random, seed %d" % args.seed, "bn_recalibrated": "false",
                "input": ", ".join("x".join(map(str, s)) + ("" if d == "float32" else ":" + d)
                                   for s, d in args.input)}
    if args.input_key:
        metadata["input_keys"] = ", ".join(args.input_key)
    if args.recalibrate_bn > 0:
        torch.manual_seed(args.seed + 1)
        n = tracer.recalibrate_bn(
            model, lambda: _make_inputs(torch, args.input, args.input_key, batch=4),
            args.recalibrate_bn)
        if n:
            metadata["bn_recalibrated"] = "true"
            metadata["bn_recalibration"] = ("%d random batches of 4, %d BatchNorm layers"
                                            % (args.recalibrate_bn, n))
    metadata.update({str(k): str(v) for k, v in
                     (getattr(model, "quantscope_metadata", None) or {}).items()})

    def example():
        torch.manual_seed(args.seed)
        return _make_inputs(torch, args.input, args.input_key)

    result = tracer.trace_model(model, example, leaves=args.leaf)
    missing = sorted(set(args.leaf) - result.tracer.matched_leaves
                     - {type(m).__name__ for m in model.modules()}
                     - {tracer.type_name(type(m)) for m in model.modules()})
    for leaf in missing:
        print("quantscope-trace: warning: --leaf %s matched no called module" % leaf,
              file=sys.stderr)

    out = args.output
    out_dir = os.path.dirname(os.path.abspath(out))
    weights_ref = None
    weights_path = None
    if not args.no_weights:
        weights_path = args.weights
        if weights_path is None:
            base = out[:-len(".qsgraph.json")] if out.endswith(".qsgraph.json") \
                else os.path.splitext(out)[0]
            weights_path = base + ".safetensors"
        weights_ref = os.path.relpath(os.path.abspath(weights_path), out_dir).replace(os.sep, "/")
    name = args.name or args.factory.partition(":")[2]
    doc = writer.graph_to_json(result, name, factory=args.factory, metadata=metadata,
                               weights=weights_ref)
    os.makedirs(out_dir, exist_ok=True)
    writer.write_graph(doc, out)
    if weights_path is not None:
        safetensors_io.save_safetensors(
            model.state_dict(), weights_path,
            metadata={"format": "pt", "producer": "quantscope-trace", "model": name})
    print("%s: %d nodes, %d modules, %d wrapped regions%s" % (
        out, len(doc["nodes"]), len(doc["modules"]), len(doc["wrapped"]),
        ", weights " + weights_path if weights_path else ""), file=sys.stderr)
    return EXIT_OK


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as exc:
        print("quantscope-trace: error: %s" % exc, file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        from .tracer import TraceFailure
        if isinstance(exc, TraceFailure):
            if args.debug:
                traceback.print_exception(type(exc.exc), exc.exc, exc.exc.__traceback__)
            print("quantscope-trace: error: cannot trace %s\n%s"
                  % (args.factory, exc.report()), file=sys.stderr)
            return EXIT_TRACE
        if args.debug:
            traceback.print_exc()
        print("quantscope-trace: error: %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        return EXIT_ERROR
