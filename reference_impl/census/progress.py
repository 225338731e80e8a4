"""The census's progress bar: one line on stderr, redrawn at most a few times a second."""

from __future__ import annotations

import time
from typing import TextIO

_WIDTH = 30
_EVERY = 0.25
"""Seconds between redraws: a terminal over ssh lags if redrawn for every small wheel."""


class Progress:
    """Wheels done out of the total, errors, throughput and the time left."""

    def __init__(self, stream: TextIO | None, total: int, skipped: int) -> None:
        self.stream = stream
        self.total = total
        self.skipped = skipped
        self.done = 0
        self.errors = 0
        self.started = time.monotonic()
        self.drawn = 0.0

    def advance(self, error: bool) -> None:
        """Count one wheel audited (or failed); redraw if it is time."""
        self.done += 1
        self.errors += error
        now = time.monotonic()
        if self.done == self.total or now - self.drawn >= _EVERY:
            self.drawn = now
            self.draw(now)

    def line(self, now: float) -> str:
        """The bar as text."""
        filled = _WIDTH * self.done // self.total if self.total else _WIDTH
        rate = self.done / max(now - self.started, 1e-9)
        left = (self.total - self.done) / rate if rate else 0.0
        skipped = f", {self.skipped} already done" if self.skipped else ""
        return (
            f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {self.done}/{self.total} wheels"
            f"{skipped}, {self.errors} errors, {rate:.1f}/s, {_duration(left)} left"
        )

    def draw(self, now: float) -> None:
        if self.stream is None:
            return
        self.stream.write("\r" + self.line(now))
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line if the census stopped before the end."""
        if self.stream is not None and self.done != self.total:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
