"""Fixtures for the site's tests: the built site, served on loopback."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"


def run_sphinx(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run Sphinx as `make site` does (-W --keep-going), capturing its messages."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    return subprocess.run(
        [*command, *extra, str(source), str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture(scope="session")
def sphinx_build() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Sphinx run as `make site` runs it: ``sphinx_build(source, out, *extra_args)``."""
    return run_sphinx


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The site in _build/html, built now if `make site` has not run."""
    if not (SITE / "docs" / "index.html").exists():
        result = run_sphinx(ROOT, SITE)
        assert result.returncode == 0, result.stderr
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served by the standard library on 127.0.0.1, on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
