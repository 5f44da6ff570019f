#!/usr/bin/env python3
"""Rewrites the rules script a lathe model file carries, as someone handing
out a model could, with the standard library only.

    model_rules.py IN OUT SCRIPT.lua          script and manifest hash both
    model_rules.py IN OUT SCRIPT.lua --stale  script only (hash left as it was)
    model_rules.py IN OUT --path FILE         no script, only a path to one
    model_rules.py IN OUT --meta KEY=JSON     one metadata entry replaced
"""
import hashlib
import json
import struct
import sys


def main():
    src, dst, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(src, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hlen].decode("utf-8"))
    data = raw[8 + hlen:]
    meta = header["__metadata__"]
    pipeline = json.loads(meta["pipeline"])
    manifest = json.loads(meta["manifest"])
    if arg == "--path":
        pipeline["rules"] = None
        pipeline["rules_file"] = sys.argv[4]
    elif arg == "--meta":
        key, value = sys.argv[4].split("=", 1)
        meta[key] = value
    else:
        with open(arg, encoding="utf-8") as f:
            script = f.read()
        pipeline["rules"] = script
        pipeline.pop("rules_hooks", None)
        if "--stale" not in sys.argv[4:]:
            manifest["rules_sha256"] = hashlib.sha256(script.encode("utf-8")).hexdigest()
    if arg != "--meta":
        meta["pipeline"] = json.dumps(pipeline)
        meta["manifest"] = json.dumps(manifest)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


main()
