"""Run ``auditwheel show --json`` on many wheels in one process: ``python -m`` this module
with wheel paths as arguments prints one JSON line per wheel, ``{"path", "returncode",
"stdout", "stderr"}``.

It calls auditwheel's own command-line entry point (``auditwheel.main.main``) with the same
arguments the ``auditwheel`` script gets, so the answers are the command line's; it only
saves starting a Python process per wheel.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys


def show(path: str) -> dict[str, object]:
    """One ``auditwheel show --json PATH`` run, captured."""
    from auditwheel.main import main

    stdout, stderr = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handler = logging.StreamHandler(stderr)
    root.addHandler(handler)
    sys.argv = ["auditwheel", "show", "--json", path]
    code: object = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main()
    except SystemExit as exit_:
        code = exit_.code
    except Exception as error:  # the script would print a traceback and exit 1
        stderr.write(f"{type(error).__name__}: {error}\n")
        code = 1
    finally:
        root.removeHandler(handler)
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return {"path": path, "returncode": returncode, "stdout": stdout.getvalue(),
            "stderr": stderr.getvalue()}  # fmt: skip


if __name__ == "__main__":
    for wheel in sys.argv[1:]:
        print(json.dumps(show(wheel)), flush=True)
