"""A complete conformance server: it answers tag.parse (see conformance/PROTOCOL.md)."""

import json
import re
import sys

ARCH = r"[a-z0-9]+(?:_[a-z0-9]+)*"
NUMBER = r"0|[1-9][0-9]{0,4}"
LEGACY = {  # this tool's own knowledge of the legacy aliases: PEPs 513, 571 and 599
    "manylinux1": ("2_5", "x86_64 i686"),
    "manylinux2010": ("2_12", "x86_64 i686"),
    "manylinux2014": ("2_17", "x86_64 i686 aarch64 armv7l ppc64 ppc64le s390x"),
}


def parse(tag):
    """Is ``tag`` a platform tag, of which kind, and what is its normal form?"""
    if len(tag) > 255 or not re.fullmatch(r"[A-Za-z0-9_]+", tag):
        return {"valid": False, "kind": None, "normal": None}
    tag = tag.lower()  # the pattern above let through ASCII only
    if m := re.fullmatch(rf"manylinux_({NUMBER})_({NUMBER})_({ARCH})", tag):
        if int(m[1]) <= 65535 and int(m[2]) <= 65535:
            return {"valid": True, "kind": "perennial", "normal": tag}
    elif m := re.fullmatch(rf"(manylinux[0-9]+)_({ARCH})", tag):
        glibc, arches = LEGACY.get(m[1], ("", ""))
        if m[2] in arches.split():
            return {"valid": True, "kind": "legacy", "normal": f"manylinux_{glibc}_{m[2]}"}
    elif m := re.fullmatch(rf"linux_({ARCH})", tag):
        return {"valid": True, "kind": "linux", "normal": tag}
    elif not tag.startswith(("manylinux", "linux_")):
        return {"valid": True, "kind": "other", "normal": tag}
    return {"valid": False, "kind": None, "normal": None}


for line in sys.stdin:
    message = json.loads(line)
    if message["cmd"] == "start":
        reply = {"protocol": 1, "ready": True, "operations": ["tag.parse"],
                 "implementation": {"name": "example-python", "version": "1.0"}}  # fmt: skip
    elif message["cmd"] == "run":
        reply = {"seq": message["seq"], "output": parse(message["case"]["input"]["tag"])}
    else:  # stop
        break
    print(json.dumps(reply), flush=True)
