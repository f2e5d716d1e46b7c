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


def _theme_on_a_system(system_window: str, system_text: str, env: dict[str, str]) -> list[int]:
    """Start the app's QApplication on a system whose palette has these colours; the applied
    palette's window, window text, base and text lightness, and the style sheet's table
    background lightness."""
    script = (
        "import re, sys\n"
        "from PySide6.QtGui import QColor, QPalette\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from portal_desktop.app import application\n"
        "app = QApplication([])\n"
        "system = QPalette()\n"
        f"for role, colour in ((QPalette.ColorRole.Window, '{system_window}'),"
        f" (QPalette.ColorRole.WindowText, '{system_text}'),"
        f" (QPalette.ColorRole.Base, '{system_window}'),"
        f" (QPalette.ColorRole.Text, '{system_text}')):\n"
        "    system.setColor(role, QColor(colour))\n"
        "app.setPalette(system)  # what the desktop gives\n"
        "application()\n"
        "p = app.palette()\n"
        "table = re.search(r'QTableView {\\s*background: (#\\w+);', app.styleSheet()).group(1)\n"
        "print(p.window().color().lightness(), p.windowText().color().lightness(),"
        " p.base().color().lightness(), p.text().color().lightness(),"
        " QColor(table).lightness())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [int(value) for value in result.stdout.split()]


def test_the_app_follows_a_dark_or_light_system(tmp_path) -> None:
    """Nobody chose a theme yet (View → Theme: System): a dark desktop gets the dark theme,
    light text on dark backgrounds, style sheet included; a light desktop the light one."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}  # no saved choice
    window, window_text, base, text, table = _theme_on_a_system("#1e1f22", "#e6e6e6", env)
    assert window < 60 and base < 60 and table < 60  # dark backgrounds…
    assert window_text > 200 and text > 200  # …with light text
    window, window_text, base, text, table = _theme_on_a_system("#fafafa", "#202020", env)
    assert window > 200 and base > 200 and table > 200
    assert window_text < 80 and text < 80
