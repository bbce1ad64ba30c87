#!/usr/bin/python3
"""Torch's time for what bench-exec measures: resnet18, 1x3x224x224, eval, float32,
and (if the onednn/fbgemm engine is there) int8 post-training quantized with FX.

    /usr/bin/python3 tools/bench/bench_torch.py [--threads 2] [--repeats 10]

Prints one line per mode in bench-exec's format (best and median ms)."""

import argparse
import sys
import time

try:
    import torch
    import torchvision
except ImportError as exc:
    print("bench_torch: torch/torchvision not importable: %s" % exc, file=sys.stderr)
    sys.exit(77)


def timed(fn, x, repeats):
    with torch.no_grad():
        for _ in range(3):  # warm-up: first oneDNN/MKL calls pick and cache primitives
            fn(x)
        ms = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(x)
            ms.append((time.perf_counter() - t0) * 1000)
    ms.sort()
    return ms[0], ms[len(ms) // 2]


def int8_model(model, x):
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    engine = "onednn" if "onednn" in torch.backends.quantized.supported_engines else "fbgemm"
    torch.backends.quantized.engine = engine
    prepared = prepare_fx(model, get_default_qconfig_mapping(engine), example_inputs=(x,))
    with torch.no_grad():
        for _ in range(2):
            prepared(torch.randn_like(x))
    return convert_fx(prepared), engine


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--no-int8", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet18().eval()
    x = torch.randn(1, 3, 224, 224)
    best, median = timed(model, x, args.repeats)
    print("torch-float resnet18: %d threads %.1f ms (median %.1f)" % (args.threads, best, median))
    if not args.no_int8:
        try:
            q, engine = int8_model(model, x)
            best, median = timed(q, x, args.repeats)
            print("torch-int8-%s resnet18: %d threads %.1f ms (median %.1f)"
                  % (engine, args.threads, best, median))
        except Exception as exc:  # int8 is a bonus: report, don't fail
            print("torch-int8: unavailable: %s" % exc, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
