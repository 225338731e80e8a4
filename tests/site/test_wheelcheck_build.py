"""The wheel the site builds of the reference implementation for the browser's wheel check:
a valid wheel whose RECORD matches its contents, laid out as the project's own wheel lays out
``reference_impl`` (policy data inside), so the installed copy finds its policies."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "docs" / "ext"))

from perennial_site.wheelcheck import reference_wheel


def test_the_reference_wheel_records_every_file_it_holds(tmp_path: Path) -> None:
    wheel = reference_wheel(ROOT, tmp_path)
    assert wheel.name == "perennial_manylinux-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (record,) = [n for n in names if n.endswith(".dist-info/RECORD")]
        rows = list(csv.reader(io.StringIO(archive.read(record).decode())))
        assert {row[0] for row in rows} == names
        for path, digest, size in rows:
            if path == record:
                continue
            data = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode() and int(size) == len(data)
    assert "reference_impl/policies/baselines/manylinux_2_28.toml" in names
    assert not any(n.startswith("conformance/") or "__pycache__" in n for n in names)


def test_the_unpacked_wheel_audits_with_its_own_policy_data(tmp_path: Path) -> None:
    wheel = reference_wheel(ROOT, tmp_path)
    site = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from reference_impl.policy.load import default_policy_dir;"
        "print(default_policy_dir())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(site)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert Path(done.stdout.strip()) == site / "reference_impl" / "policies"
