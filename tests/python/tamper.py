#!/usr/bin/env python3
"""Changes a lathe model or checkpoint file as someone handing one out
could, with the standard library only, to test what lathe refuses.

    tamper.py IN OUT rules SCRIPT.lua          the rules script and its manifest hash
    tamper.py IN OUT rules SCRIPT.lua --stale  the script only (hash left as it was)
    tamper.py IN OUT rules-path FILE           no script, only a path to one
    tamper.py IN OUT meta KEY VALUE            one metadata string replaced
    tamper.py IN OUT json KEY FIELD JSON       one field of a JSON metadata string
    tamper.py IN OUT fill TENSOR VALUE         every element of an F32 tensor
    tamper.py IN OUT ints TENSOR A,B,...       the first elements of an I64 tensor
    tamper.py IN OUT rename TENSOR NEW         a tensor's name
    tamper.py IN OUT retype TENSOR DTYPE       a tensor's dtype (its bytes cut to fit)
"""
import hashlib
import json
import struct
import sys


def main():
    src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    with open(src, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hlen].decode("utf-8"))
    data = bytearray(raw[8 + hlen:])
    meta = header["__metadata__"]
    if what in ("rules", "rules-path"):
        pipeline = json.loads(meta["pipeline"])
        manifest = json.loads(meta["manifest"])
        if what == "rules-path":
            pipeline["rules"] = None
            pipeline["rules_file"] = args[0]
        else:
            with open(args[0], encoding="utf-8") as f:
                script = f.read()
            pipeline["rules"] = script
            pipeline.pop("rules_hooks", None)
            if "--stale" not in args[1:]:
                manifest["rules_sha256"] = hashlib.sha256(script.encode("utf-8")).hexdigest()
        meta["pipeline"] = json.dumps(pipeline)
        meta["manifest"] = json.dumps(manifest)
    elif what == "meta":
        meta[args[0]] = args[1]
    elif what == "json":
        obj = json.loads(meta[args[0]])
        obj[args[1]] = json.loads(args[2])
        meta[args[0]] = json.dumps(obj)
    elif what == "fill":
        t = header[args[0]]
        begin, end = t["data_offsets"]
        value = struct.pack("<f", float(args[1]))
        data[begin:end] = value * ((end - begin) // 4)
    elif what == "ints":
        t = header[args[0]]
        begin = t["data_offsets"][0]
        for i, v in enumerate(args[1].split(",")):
            data[begin + 8 * i:begin + 8 * i + 8] = struct.pack("<q", int(v))
    elif what == "rename":
        header[args[1]] = header.pop(args[0])
    elif what == "retype":
        size = {"F32": 4, "BF16": 2, "F16": 2, "I8": 1, "U8": 1}[args[1]]
        names = sorted((n for n in header if n != "__metadata__"), key=lambda n: header[n]["data_offsets"][0])
        blob = bytearray()
        for n in names:
            t = header[n]
            begin, end = t["data_offsets"]
            part = data[begin:end]
            if n == args[0]:
                count = 1
                for d in t["shape"]:
                    count *= d
                t["dtype"] = args[1]
                part = bytes(count * size)
            t["data_offsets"] = [len(blob), len(blob) + len(part)]
            blob += part
        data = blob
    else:
        sys.exit("tamper.py: unknown change " + what)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(data))


main()
