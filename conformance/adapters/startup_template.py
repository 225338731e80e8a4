# ruff: noqa
"""sitecustomize for an emulated interpreter: report the profile's libc, glibc and machine.

Written into the site-packages of a throw-away virtual environment by
conformance.adapters.blackbox, next to ``perennial_profile.json``. Every installer that asks
this interpreter about its system (pip running inside it, uv's interpreter query) reads these
answers instead of the real machine's. Only the probes installers use are replaced.
"""

import json
import os
import platform
import sys
import sysconfig

with open(os.path.join(os.path.dirname(__file__), "perennial_profile.json")) as _f:
    _PROFILE = json.load(_f)

_real_confstr = os.confstr


def _confstr(name):
    if name != "CS_GNU_LIBC_VERSION":
        return _real_confstr(name)
    if _PROFILE["libc"] != "glibc":
        raise ValueError("unrecognized configuration name")
    return _PROFILE["confstr"]


os.confstr = _confstr
sysconfig.get_platform = lambda: "linux-" + _PROFILE["machine"]
platform.machine = lambda: _PROFILE["machine"]
_real_uname = os.uname
os.uname = lambda: os.uname_result(_real_uname()[:4] + (_PROFILE["machine"],))

import ctypes

_real_cdll = ctypes.CDLL


class _Version:
    restype = None
    argtypes = None

    def __call__(self):
        text = _PROFILE.get("glibc_text")
        return text.encode() if text is not None else None


class _Process:
    """CDLL(None) as seen by glibc probes: gnu_get_libc_version only on glibc."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        if name == "gnu_get_libc_version":
            if _PROFILE["libc"] != "glibc":
                raise AttributeError(name)
            return _Version()
        return getattr(self._real, name)


def _cdll(name, *args, **kwargs):
    real = _real_cdll(name, *args, **kwargs)
    return _Process(real) if name is None else real


ctypes.CDLL = _cdll

if _PROFILE["bits"] == 32:
    import struct

    _real_calcsize = struct.calcsize
    struct.calcsize = lambda fmt: 4 if fmt in ("P", "@P") else _real_calcsize(fmt)
    sys.maxsize = 2**31 - 1

if _PROFILE.get("interpreter") and os.environ.get("PERENNIAL_POSE_EXECUTABLE"):
    # pip's packaging reads the ELF header of sys.executable (armhf, i686 checks); only the
    # pip adapter asks for this, since uv runs the interpreter's own path afterwards.
    sys.executable = _PROFILE["interpreter"]
