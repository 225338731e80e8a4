"""Run by the site's wheel check inside Pyodide (docs/_static/wheelcheck/worker.mjs).

``check(name)`` is ``perennial audit -- NAME`` as the command line runs it, in the folder the
worker mounted the reader's wheel in: the same parser, the same audit, the same text and exit
code. Nothing here judges a wheel.
"""

import contextlib
import io
import json

# The audit modules, which the command imports only when it runs, are imported while the page
# loads: the reader's first check is then as quick as the next.
import reference_impl.audit
import reference_impl.audit_report
import reference_impl.cli.audit  # noqa: F401
from reference_impl.cli import main
from reference_impl.errors import EXIT_CODE_MEANINGS


def check(name: str) -> str:
    """The command's exit code, what it means, and what it printed, as JSON.

    ``--`` ends the options, so a file named like one (``--help``, ``-x.whl``) is audited as
    a file; argparse's exit (SystemExit, which ``main`` lets through as the shell would see
    it) still becomes an exit code, never an exception thrown into the page.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["audit", "--", name])
        except SystemExit as stop:
            code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
    meanings = {int(c): text for c, text in EXIT_CODE_MEANINGS.items()}
    return json.dumps(
        {
            "code": code,
            "meaning": meanings.get(code, ""),
            "stdout": out.getvalue(),
            "stderr": err.getvalue(),
        }
    )
