#!/usr/bin/env python3
"""An independent safetensors reader and writer, written from the published
format description (8-byte little-endian header length, JSON header of
dtype/shape/data_offsets per tensor and an optional __metadata__ object of
strings, then the raw little-endian tensor bytes), using only the standard
library. It checks lathe's files without lathe's code.

    safetensors_spec.py check FILE NAME=DTYPE:SHAPE:FIRST_VALUES ...
    safetensors_spec.py write FILE          (the sample file of the tests)
    safetensors_spec.py same A B            (every tensor equal)
"""
import array
import json
import struct
import sys

SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
CODES = {"F64": "d", "F32": "f", "I64": "q", "I32": "i", "I16": "h", "I8": "b", "U8": "B", "BOOL": "B"}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hlen].decode("utf-8"))
    data = raw[8 + hlen:]
    meta = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()), "metadata must be strings"
    spans, tensors = [], {}
    for name, t in header.items():
        assert set(t) == {"dtype", "shape", "data_offsets"}, name
        begin, end = t["data_offsets"]
        count = 1
        for d in t["shape"]:
            count *= d
        assert end - begin == count * SIZES[t["dtype"]], f"{name}: size"
        spans.append((begin, end))
        values = None
        if t["dtype"] in CODES:
            values = array.array(CODES[t["dtype"]])
            values.frombytes(data[begin:end])
            if sys.byteorder != "little":
                values.byteswap()
        tensors[name] = (t["dtype"], t["shape"], values)
    spans.sort()
    at = 0
    for begin, end in spans:
        assert begin == at, "tensor data not contiguous"
        at = end
    assert at == len(data), "data does not end with the last tensor"
    return meta, tensors


def write(path, tensors, meta):
    header, blobs, at = {}, [], 0
    if meta:
        header["__metadata__"] = meta
    for name, (dtype, shape, values) in tensors.items():
        blob = array.array(CODES[dtype], values).tobytes()
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [at, at + len(blob)]}
        blobs.append(blob)
        at += len(blob)
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    if sys.argv[1] == "write":
        write(sys.argv[2], {
            "encoder.weight": ("F32", [2, 3], [0.5, -1.25, 3.0, 1e-3, 0.0, -7.5]),
            "position_ids": ("I64", [4], [0, 1, 2, 3]),
            "empty": ("F32", [0, 5], []),
        }, {"config": '{"layers": 2}', "label": "紧急停机"})
        return
    if sys.argv[1] == "same":  # same A B: every tensor equal, bit for bit
        _, a = read(sys.argv[2])
        _, b = read(sys.argv[3])
        diff = [n for n in a if n not in b or a[n][1] != b[n][1] or a[n][2] != b[n][2]]
        if diff or set(a) != set(b):
            sys.exit("tensors differ: " + " ".join(diff[:5]))
        print("ok")
        return
    meta, tensors = read(sys.argv[2])
    for spec in sys.argv[3:]:
        if spec.startswith("meta:"):
            key, value = spec[5:].split("=", 1)
            assert meta.get(key) == value, f"metadata {key}: {meta.get(key)!r}"
            continue
        name, rest = spec.split("=", 1)
        dtype, shape, first = rest.split(":")
        got_dtype, got_shape, values = tensors[name]
        assert got_dtype == dtype, f"{name}: dtype {got_dtype}"
        assert got_shape == [int(x) for x in shape.split("x") if x], f"{name}: shape {got_shape}"
        want = [float(x) for x in first.split(",") if x]
        assert list(values[:len(want)]) == want, f"{name}: values {list(values[:len(want)])}"
    print("ok")


if __name__ == "__main__":
    main()
