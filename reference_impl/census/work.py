"""The per-wheel work of a census, run in a Dask worker: ``perennial audit``'s function.

A worker process keeps the policy data it loaded between wheels. Every failure becomes the
wheel's error row, so one bad wheel never ends a census.
"""

from __future__ import annotations

from pathlib import Path

from reference_impl.audit import audit_wheel
from reference_impl.census.found import Found
from reference_impl.census.judge_code import files_digest, judge_digest
from reference_impl.census.rows import CensusRows, audit_rows, error_rows
from reference_impl.errors import ExitCode, PerennialError
from reference_impl.policy import PolicySet, default_policies, default_policy_dir, load_policies

_LOADED: dict[str, PolicySet] = {}


def policy_digest(directory: Path) -> str:
    """The digest of every policy file: the policy data a census's verdict columns belong
    to."""
    return files_digest(sorted(directory.rglob("*.toml")), directory)


def worker_digest(directory: str | None) -> str:
    """The digest of the policy data this process audits with (run on each worker)."""
    return policy_digest(Path(directory) if directory else default_policy_dir())


def policies_at(directory: str | None) -> PolicySet:
    """The policy data in ``directory`` (None: the shipped data), loaded once per process."""
    if directory is None:
        return default_policies()
    if directory not in _LOADED:
        _LOADED[directory] = load_policies(Path(directory))
    return _LOADED[directory]


def census_wheel(found: Found, policy_dir: str | None, keep: tuple[str, ...]) -> CensusRows:
    """Audit one wheel into its census rows; any failure is the wheel's error row."""
    try:
        audit = audit_wheel(found.path, policies=policies_at(policy_dir), keep=keep)
    except PerennialError as error:
        return error_rows(found, str(error), error.exit_code)
    except OSError as error:
        problem = f"{found.path}: cannot be read ({error.strerror or error})"
        return error_rows(found, problem, ExitCode.BAD_INPUT)
    except MemoryError:
        return error_rows(found, f"{found.path}: too large to audit in memory", ExitCode.BAD_INPUT)
    except Exception as error:  # the edge: a bug becomes this wheel's row, not the census's end
        problem = f"{found.path}: internal error: {type(error).__name__}: {error}"
        return error_rows(found, problem, ExitCode.INTERNAL)
    return audit_rows(found, audit, judge_digest())
