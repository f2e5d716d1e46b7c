"""The real app in a subprocess: it opens its window, quits by itself and exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from portal_desktop.app_database import open_database
from portal_desktop.db.paths import local_database_path
from portal_desktop.models import Lead, User
from portal_desktop.services.seeding import DEMO_PASSWORD

QUIT_AFTER_MS = "1500"
# Words that mean a crash, a Python error or a Qt complaint on stderr.
BAD_WORDS = ("Fatal", "Traceback", "QWidget", "QObject", "QPainter", "qt.", "Warning", "warning")


def _run(data_dir: Path, *args: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PORTAL_DATA_DIR": str(data_dir),
        "XDG_CONFIG_HOME": str(data_dir / "config"),  # QSettings: never the user's own
        **env_vars,
    }
    return subprocess.run(
        [sys.executable, "-m", "portal_desktop", "--quit-after", QUIT_AFTER_MS, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert not [word for word in BAD_WORDS if word in result.stderr], result.stderr


def test_the_app_opens_and_quits_with_exit_code_0(db_url: str, tmp_path: Path) -> None:
    """It quits by itself while the sign-in dialog waits (a new database: its first admin)."""
    _assert_clean(_run(tmp_path / "data", "--url", db_url))


def test_first_start_with_demo_data_seeds_and_signs_in(tmp_path: Path) -> None:
    """The welcome dialog's demo choice and the sign-in, answered by the automation vars."""
    data_dir = tmp_path / "data"
    result = _run(
        data_dir,
        PORTAL_WELCOME_CHOICE="demo",
        PORTAL_AUTOLOGIN_USER="admin",
        PORTAL_AUTOLOGIN_PASSWORD=DEMO_PASSWORD,
    )
    _assert_clean(result)
    database = data_dir / "portal.sqlite3"
    assert database.is_file()
    engine = open_database(f"sqlite:///{database}", seed_demo=False)  # current schema
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Lead)) > 0
        signed_in = conn.execute(select(User.username).where(User.last_login_at.is_not(None)))
        assert signed_in.scalars().all() == ["admin"]
    engine.dispose()


def test_no_demo_leaves_a_new_local_database_empty() -> None:
    engine = open_database(None, seed_demo=False)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Lead)) == 0
    engine.dispose()
    assert local_database_path().is_file()


def test_a_corrupt_database_gets_one_clear_line_and_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "portal.sqlite3"
    bad.write_bytes(b"not a database, just some bytes " * 200)
    result = _run(tmp_path / "data", "--url", f"sqlite:///{bad}")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("portal-desktop: error: ")
    assert "is damaged or is not a Portal database" in lines[0]
    assert "Traceback" not in result.stderr


def test_the_app_stays_light_on_a_dark_system() -> None:
    """The style sheet is light: a dark system palette must not leave light text on it."""
    script = (
        "from PySide6.QtGui import QColor, QPalette\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from portal_desktop.app import application\n"
        "app = QApplication([])\n"
        "dark = QPalette()\n"
        "for role, colour in ((QPalette.ColorRole.Window, '#1e1f22'),"
        " (QPalette.ColorRole.WindowText, '#e6e6e6'), (QPalette.ColorRole.Base, '#16171a'),"
        " (QPalette.ColorRole.Text, '#e6e6e6')):\n"
        "    dark.setColor(role, QColor(colour))\n"
        "app.setPalette(dark)  # what a dark system gives\n"
        "application()\n"
        "p = app.palette()\n"
        "print(p.window().color().lightness(), p.windowText().color().lightness(),"
        " p.base().color().lightness(), p.text().color().lightness())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    window, window_text, base, text = map(int, result.stdout.split())
    assert window > 200 and base > 200  # light backgrounds…
    assert window_text < 80 and text < 80  # …with dark text
