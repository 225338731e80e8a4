"""The wheels of a mirror, each with what identifies its content for a resumed census."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Found:
    """One wheel file: its absolute path, size and modification time when found."""

    path: str
    size: int
    mtime_ns: int

    @property
    def identity(self) -> tuple[int, int]:
        """What a resumed census compares: the wheel is unchanged while both are the same."""
        return (self.size, self.mtime_ns)


def find_wheels(folders: Iterable[Path], missing: list[str]) -> Iterator[Found]:
    """Every ``*.whl`` file under ``folders``, each folder in sorted order, each path once
    (given folders may overlap); a folder that is not a directory is appended to
    ``missing`` and skipped."""
    seen: set[str] = set()
    for folder in folders:
        if not folder.is_dir():
            missing.append(str(folder))
            continue
        for path in sorted(folder.rglob("*.whl")):
            try:
                status = path.stat()
            except OSError:
                continue  # vanished or unreadable while listing: the next census sees it
            absolute = os.path.abspath(path)
            if stat.S_ISREG(status.st_mode) and absolute not in seen:
                seen.add(absolute)
                yield Found(absolute, status.st_size, status.st_mtime_ns)
