"""Sources and types shared by the audit tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

Build = Callable[..., bytes]
MakeWheel = Callable[..., Path]

GETRANDOM = """
#include <sys/random.h>
int take(void) { char b[4]; return (int)getrandom(b, 4, 0); }
"""
PLAIN = "int plain(int x) { return x + 1; }\n"
