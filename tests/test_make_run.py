"""`make run` on a fresh machine: its first start is the first start a user sees (the welcome
dialog), not the sign-in of a database the Makefile made behind the app's back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fake_venv(folder: Path) -> Path:
    """A venv whose ``portal-desktop`` is this checkout run by this interpreter, and whose
    install stamp is fresh, so `make run` runs only its own recipe."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "portal-desktop"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m portal_desktop "$@"\n')
    script.chmod(0o755)
    (folder / ".installed").touch()
    return folder


def test_make_run_on_a_fresh_machine_paints_the_welcome_dialog(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv")
    data_dir = tmp_path / "data"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "MAKE")) and key != "MFLAGS"
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "PORTAL_DATA_DIR": str(data_dir),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # no connection profile, no QSettings
        "PORTAL_EXIT_WHEN_PAINTED": "1",
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    painted = [line.split() for line in result.stdout.splitlines() if line.startswith("painted ")]
    assert [words[2:] for words in painted] == [["welcomeDialog"]], result.stdout
    assert not (data_dir / "portal.sqlite3").exists()  # nothing made before the user chose
