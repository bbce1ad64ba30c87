"""A small safetensors writer and reader (the `safetensors` package is not required).

Layout: an 8-byte little-endian header length N, N bytes of JSON header (padded with
spaces to a multiple of 8), then the tensor data, little-endian and contiguous.  The
header maps each key to ``{"dtype", "shape", "data_offsets": [begin, end]}`` with offsets
relative to the end of the header, plus an optional ``__metadata__`` object of strings.
Tensors are laid out by decreasing element size, then by key, so every tensor is aligned
to its element size when the file is mapped.
"""

import json
import struct

import numpy as np
import torch

_DTYPES = {
    torch.float64: ("F64", "<f8"),
    torch.float32: ("F32", "<f4"),
    torch.float16: ("F16", "<f2"),
    torch.bfloat16: ("BF16", "<i2"),  # stored through its int16 bit pattern
    torch.int64: ("I64", "<i8"),
    torch.int32: ("I32", "<i4"),
    torch.int16: ("I16", "<i2"),
    torch.int8: ("I8", "i1"),
    torch.uint8: ("U8", "u1"),
    torch.bool: ("BOOL", "?"),
}
_BY_CODE = {code: (dt, npdt) for dt, (code, npdt) in _DTYPES.items()}


def _tensor_bytes(t):
    t = t.detach().cpu().contiguous()
    code, npdt = _DTYPES[t.dtype]
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return code, t.numpy().astype(npdt, copy=False).tobytes()


def save_safetensors(tensors, path, metadata=None):
    """Write the mapping *tensors* (name -> torch.Tensor) to *path*."""
    items = []
    for name, t in tensors.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError("%s is not a tensor" % name)
        if t.dtype not in _DTYPES:
            raise TypeError("%s: dtype %s is not supported" % (name, t.dtype))
        items.append((name, t))
    items.sort(key=lambda it: (-it[1].element_size(), it[0]))
    header = {}
    chunks = []
    offset = 0
    for name, t in items:
        code, data = _tensor_bytes(t)
        header[name] = {"dtype": code, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in sorted(metadata.items())}
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read_safetensors_header(path):
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("%s: too short for a safetensors file" % path)
        (n,) = struct.unpack("<Q", raw)
        return json.loads(f.read(n).decode("utf-8")), 8 + n


def load_safetensors(path):
    """Read *path*; return (dict name -> torch.Tensor, metadata dict)."""
    header, start = read_safetensors_header(path)
    with open(path, "rb") as f:
        blob = f.read()
    data_len = len(blob) - start
    metadata = header.pop("__metadata__", {}) or {}
    out = {}
    for name in sorted(header):
        info = header[name]
        dt, npdt = _BY_CODE[info["dtype"]]
        begin, end = info["data_offsets"]
        shape = [int(s) for s in info["shape"]]
        count = 1
        for s in shape:
            count *= s
        if not (0 <= begin <= end <= data_len):
            raise ValueError("%s: %s: data_offsets out of range" % (path, name))
        if end - begin != count * np.dtype(npdt).itemsize:
            raise ValueError("%s: %s: size does not match shape" % (path, name))
        arr = np.frombuffer(blob, dtype=npdt, count=count, offset=start + begin)
        t = torch.from_numpy(arr.astype(arr.dtype.newbyteorder("="), copy=True)).reshape(shape)
        if dt == torch.bfloat16:
            t = t.view(torch.bfloat16)
        out[name] = t
    return out, metadata
