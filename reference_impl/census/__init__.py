"""``perennial census``: audit every wheel of a mirror into Parquet, on Dask distributed.

Each wheel is audited by :func:`reference_impl.audit.audit_wheel`, the function
``perennial audit`` calls, in a Dask worker (a ``LocalCluster`` by default, any scheduler with
``--scheduler``). What it read (the audit facts) and what it concluded are stored, so a
proposed policy is judged over the whole census later without reading a wheel again
(``perennial policy review --census``).

Dask and pyarrow come with the optional ``census`` extra. Only :mod:`.store`, :mod:`.table`
and :mod:`.run` use them, and import them inside functions: importing this package, or any
command but ``census``, never loads them.

**Output.** ``--out NAME.parquet`` names two Parquet files: ``NAME.parquet``, one row per
wheel, and ``NAME.files.parquet``, one row per ELF file. Both carry the key-value metadata
``perennial.census`` (format, version 3, the policy digest, the perennial version). The rows
of a wheel's files follow the order of the wheels, so both tables are read in step. A census
file is input like any other: one cut short, of another version or schema, damaged (every
page has a checksum), out of step, mixing policy data, or whose row groups exceed fixed
limits is refused in one line with exit code 3 (:mod:`.table`, :mod:`.store`).

Wheels table, one row per wheel (bad ones too):

| column | meaning |
|---|---|
| `wheel` | the wheel's absolute path when audited (the key of both tables) |
| `size` | its size in bytes when audited |
| `mtime_ns` | its modification time in nanoseconds when audited |
| `filename` | the file name |
| `dist_info` | the `.dist-info` directory holding WHEEL (null for an error row) |
| `filename_tags` | every `py-abi-platform` tag of the file name, sorted |
| `wheel_tags` | WHEEL's `Tag:` lines, in order |
| `symbol_vocabulary` | the undefined symbol names the facts kept |
| `verdict` | `pass`, `fail`, `not-judged`, or `error` (the wheel could not be read) |
| `architecture` | the wheel's architecture, if its ELF files agree on one |
| `earliest_tag` | `manylinux_X_Y_ARCH` of the earliest glibc it can be tagged with, or null |
| `minimal_glibc` | that glibc, `X.Y` |
| `best_baseline` | the oldest maintained baseline it satisfies (the widest promise), or null |
| `claims` | list of {tag, source (filename or WHEEL), manylinux_tag, earned (null: not judged)} |
| `blockers` | list of {tag, clause, subject, file}: what keeps each unearned claim unearned (¹) |
| `error` | the one-line problem of an error row (null otherwise) |
| `exit_code` | that problem's exit code (3 bad input, 70 internal), null otherwise |
| `elf_files` | how many rows of the files table belong to it |
| `satisfied` | the tags of the maintained baselines it satisfies (empty for an error row) |
| `judged_by` | SHA-256 of the code that judged it (see `judge_code`; null for an error row) |

(¹) Once per clause and subject, naming the first file, and at most ``rows.BLOCKERS_KEPT``
a claim: a wheel of many files cannot make a row too large to read.

Files table, one row per ELF file: ``wheel`` (the key), then the fields of a file object of
``reference_impl/schemas/audit-facts-v1.json`` (``path`` inside the wheel, ``elf`` {bits,
endianness, machine, flags, type, interpreter}, ``soname``, ``rpath``, ``runpath``,
``libraries``, ``needed_versions``, ``undefined``, ``isa_needed``, ``executable_stack``), then
what the audit concluded of the file: ``architecture``, ``needs_glibc`` (the newest GLIBC
version it needs), ``minimal_glibc`` and ``forced_by`` (what forces that glibc).

**Resuming.** A wheel already in the output is skipped when its path, size and modification
time are the ones recorded (no digest: a digest means reading every wheel of the mirror
again, which is most of what auditing costs). A changed wheel is audited again and replaces
its rows, and so is a wheel whose row is an internal error (exit 70: a worker that died, a
bug), which says nothing about the wheel; a wheel gone from the mirror keeps its rows. Work
is saved every ``--checkpoint`` wheels as a complete part in ``NAME.parquet.parts/``, and
the parts are merged into the two tables at the end, each replaced whole; a census stopped
at any point resumes from its last part. A census holds ``NAME.parquet.lock`` while it runs:
a second census given the same ``--out`` meanwhile is refused (exit code 3), not mixed in.
A census made under other policy data is refused rather than mixed (the verdict columns
would disagree).

**Reviewing.** A review one of whose sides (base or head) is the policy data the census
was made under takes each wheel's outcome under that side from the verdict columns
(``satisfied``, ``claims``, ``earliest_tag``, ``minimal_glibc``) instead of judging it
again, but only for rows whose ``judged_by`` is the code reviewing now: after a change to
the code that judges, rows are judged again, so an older judgement is never passed off as
that side's. That halves what an unscoped change costs.
"""
