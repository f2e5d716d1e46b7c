"""The suite refuses to skip PostgreSQL silently."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_missing_postgresql_binaries_stop_the_suite_with_install_advice(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_TEST_DATABASE_URL"}
    env["PORTAL_PG_BIN_DIR"] = str(tmp_path / "no-postgres-here")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_migrations.py::test_downgrade_to_base_and_up_again",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "PostgreSQL's server binaries (initdb, pg_ctl) were not found" in output
    assert "apt-get install postgresql" in output
    assert " passed" not in output
