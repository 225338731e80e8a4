"""A compiled snapshot of the policy data, so a short command does not parse and validate
every TOML file of ``policies/`` each time it starts (most of a small audit's own work).

The snapshot is generated, never written by hand: the first load of a policy directory
pickles the validated :class:`PolicySet` into the user's cache, under a name that is a digest
of every file in the directory and of this package's own source. Change one byte of a policy
file (or of the loader) and the name changes, so a stale snapshot is never served: it is not
found, the TOML is read and validated again, and a new snapshot is written.

Nothing here can change an answer. A snapshot that cannot be read, written or trusted (not
ours, writable by others, damaged) is ignored and the directory is loaded the normal way; a
broken policy directory fails in the loader exactly as before and leaves no snapshot.
"""

from __future__ import annotations

import os
import pickle
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from reference_impl import __version__
from reference_impl.files import open_regular, read_regular
from reference_impl.policy.model import PolicySet

CACHE_DIR_ENV = "PERENNIAL_CACHE_DIR"
"""Environment variable naming the folder for snapshots (default: the user's cache folder)."""

_KEEP = 16
"""Snapshots kept per cache folder (the newest): one per policy state recently used."""
_MAX_FILES = 1000
_MAX_BYTES = 64 << 20
"""A policy directory larger than this is not digested (the loader will judge it as is)."""


def cached_load(directory: Path, load: Callable[[Path], PolicySet]) -> PolicySet:
    """``load(directory)``, served from the snapshot of exactly these files when one exists."""
    key = _digest(directory)
    folder = _cache_folder()
    if key is None or folder is None:
        return load(directory)
    path = folder / f"policies-{key}.pickle"
    found = _read(path)
    if found is not None:
        return found
    policies = load(directory)
    _write(path, policies)
    return policies


def _digest(directory: Path) -> str | None:
    """A digest of the directory's files (names, sizes and bytes) and of what turns them into
    a :class:`PolicySet` (this package's source and ``record.py``, perennial's and Python's
    versions); None
    when the directory cannot be read whole within the bounds.

    Two checksums of one stream (CRC-32 and Adler-32, with its length), not a cryptographic
    hash: they only have to notice an edit, and hashlib would load OpenSSL (3.7 MB and 3 ms
    of every start). Whoever could forge a collision could write the cache file itself.
    """
    crc = adler = length = 0

    def add(data: bytes) -> None:
        nonlocal crc, adler, length
        crc, adler, length = zlib.crc32(data, crc), zlib.adler32(data, adler), length + len(data)

    add(f"{__version__}\0{sys.hexversion}\0{pickle.HIGHEST_PROTOCOL}".encode())
    add(f"\0{directory}\0{os.path.abspath(directory)}".encode(errors="surrogateescape"))
    code = Path(__file__).parent
    try:
        files = [code / name for name in sorted(os.listdir(code)) if name.endswith(".py")]
        files.append(code.parent / "record.py")  # how the policy records pickle and load
        for root, folders, names in os.walk(directory, onerror=_raise):
            folders.sort()
            files.extend(Path(root, name) for name in sorted(names))
            if len(files) > _MAX_FILES:
                return None
        total = 0
        for path in files:
            data = read_regular(path, _MAX_BYTES - total)
            total += len(data)
            add(f"\0{path}\0{len(data)}\0".encode(errors="surrogateescape"))
            add(data)
    except (OSError, ValueError):
        return None
    return f"{crc:08x}{adler:08x}{length:x}"


def _raise(error: OSError) -> None:
    raise error


def _cache_folder() -> Path | None:
    """Where snapshots live: ``$PERENNIAL_CACHE_DIR``, else the XDG cache folder."""
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base, "perennial") if os.path.isabs(base) else None


def _read(path: Path) -> PolicySet | None:
    """The snapshot at ``path`` if it exists, is this user's own and nobody else can write
    it (a pickle runs code when loaded), and holds a :class:`PolicySet`."""
    try:
        with open_regular(path) as stream:
            status = os.fstat(stream.fileno())
            if status.st_mode & 0o022 or status.st_uid != os.getuid():
                return None
            found = pickle.load(stream)
    except Exception:  # a missing or damaged snapshot is only a slower start
        return None
    return found if isinstance(found, PolicySet) else None


def _write(path: Path, policies: PolicySet) -> None:
    """Store the snapshot whole or not at all (a temporary file renamed into place), only
    readable by this user; a cache that cannot be written is left alone."""
    import tempfile  # only on the first load of a policy directory

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".policies-", delete=False) as f:
            temporary = Path(f.name)
            try:
                pickle.dump(policies, f, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                temporary.unlink()
                raise
        os.replace(temporary, path)
        _prune(path.parent)
    except (OSError, pickle.PicklingError):
        return


def _prune(folder: Path) -> None:
    """Remove all but the newest :data:`_KEEP` snapshots (each edit of a policy file makes a
    new one; the old ones would otherwise pile up)."""
    snapshots = sorted(folder.glob("policies-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in snapshots[:-_KEEP]:
        old.unlink(missing_ok=True)
