"""`portal-desktop --self-test`: the smoke test of a build (the installer's bundle or a source
checkout), which needs no display and leaves no file behind.

On a temporary SQLite database it migrates, seeds a small demo, signs in as each demo user,
opens every tab that user's role sees (the window's own list: views/tab_registry.py) and
renders it once offscreen, runs `report kpis` as the command line does, and asks the keyring
for a password ("no keyring" is an answer, not a failure). One line per check; exit code 0
when all passed, 1 naming the checks that failed.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from portal_desktop import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget
    from sqlalchemy import Engine

# A small demo: every tab has rows, and the whole test takes seconds.
DEMO_LEADS = 150


@dataclass
class SelfTest:
    """Runs the checks in order, printing one line each; remembers the ones that failed."""

    out: TextIO
    failed: list[str] = field(default_factory=list)
    passed: int = 0

    def check(self, name: str, step: Callable[[], str | None]) -> bool:
        started = time.perf_counter()
        try:
            detail = step()
        except Exception as exc:  # the test reports every failure, whatever its kind
            self.failed.append(name)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=self.out)
            print(f"     at {Path(where.filename).name}:{where.lineno}", file=self.out)
            return False
        self.passed += 1
        took = time.perf_counter() - started
        suffix = f": {detail}" if detail else ""
        print(f"ok   {name} ({took:.1f} s){suffix}", file=self.out, flush=True)
        return True


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check; 0 when all passed, 1 otherwise."""
    out = out or sys.stdout
    where = "bundle" if getattr(sys, "frozen", False) else "source"
    python = sys.version.split()[0]
    print(f"portal-desktop {__version__} self-test ({where}, Python {python})", file=out)
    test = SelfTest(out)
    with tempfile.TemporaryDirectory(prefix="portal-self-test-") as tmp:
        _run_checks(test, Path(tmp))
    if test.failed:
        print(f"self-test FAILED: {len(test.failed)} of {test.passed + len(test.failed)} "
              f"checks ({', '.join(test.failed)})", file=out)  # fmt: skip
        return 1
    print(f"self-test passed: {test.passed} checks", file=out)
    return 0


def _run_checks(test: SelfTest, tmp: Path) -> None:
    # Nothing of the user's: the data folder and the settings go to the temporary folder.
    os.environ["PORTAL_DATA_DIR"] = str(tmp / "data")
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from portal_desktop.db.engine import make_engine

    url = f"sqlite:///{tmp / 'self-test.sqlite3'}"
    engine = make_engine(url)
    users: list[str] = []
    try:
        if test.check("migrate", lambda: _migrate(engine)) and test.check(
            "seed demo", lambda: _seed(engine, users)
        ):
            _check_windows(test, engine, users)
            test.check("report kpis", lambda: _report_kpis(url))
        test.check("keyring lookup", _keyring)
    finally:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone()
        engine.dispose()


def _migrate(engine: Engine) -> str:
    from portal_desktop.db import migrate

    return f"schema {migrate.upgrade(engine).app_revision}"


def _seed(engine: Engine, users: list[str]) -> str:
    """The demo data; ``users`` gets the demo users' names (one per role)."""
    from portal_desktop.services.seeding import seed_database

    summary = seed_database(engine, leads=DEMO_LEADS)
    users += [user.username for user in summary.users]
    return f"{summary.counts['leads']} leads, users {', '.join(users)}"


def _check_windows(test: SelfTest, engine: Engine, users: list[str]) -> None:
    from portal_desktop.app import application

    if not test.check("application", lambda: _application(application)):
        return
    for username in users:
        _check_user(test, engine, username)


def _application(make: Callable[[], object]) -> str:
    from PySide6.QtGui import QGuiApplication

    make()  # the icon and the style sheet are read from the shipped resources
    return f"Qt platform {QGuiApplication.platformName()}"


def _check_user(test: SelfTest, engine: Engine, username: str) -> None:
    from portal_desktop.app_database import load_formatter, sign_in
    from portal_desktop.db.engine import session_factory
    from portal_desktop.services.seeding import DEMO_PASSWORD
    from portal_desktop.views.main_window import MainWindow
    from portal_desktop.views.tab_context import DataBus, TabContext

    signed_in: list[MainWindow] = []

    def open_window() -> str:
        actor = sign_in(engine, username, DEMO_PASSWORD, None)
        ctx = TabContext(engine, session_factory(engine), actor, load_formatter(engine), DataBus())
        window = MainWindow(ctx)
        window.resize(1280, 800)
        window.show()
        signed_in.append(window)
        return f"{actor.role.value.lower()}, tabs {', '.join(window.tab_keys)}"

    if not test.check(f"sign in as {username}", open_window):
        return
    window = signed_in[0]
    try:
        for key in window.tab_keys:
            test.check(f"{username}: open and render {key}", lambda k=key: _render(window, k))
    finally:
        _close(window)


def _render(window: QWidget, key: str) -> str:
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    tab = window.tab(key)  # type: ignore[attr-defined]
    window.tabs.setCurrentWidget(window.lazy_tabs[key])  # type: ignore[attr-defined]
    QApplication.processEvents()
    QThreadPool.globalInstance().waitForDone()  # the tab's first loads, run in the background
    QApplication.processEvents()
    image = window.grab().toImage()
    if image.isNull() or tab.width() == 0:
        raise RuntimeError(f"the {key} tab rendered nothing")
    return f"{image.width()}x{image.height()}"


def _close(window: QWidget) -> None:
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    QThreadPool.globalInstance().waitForDone()
    window.close()
    window.deleteLater()
    QApplication.processEvents()


def _report_kpis(url: str) -> str:
    """The command as a user types it, over the demo's last 30 days."""
    import datetime as dt

    from portal_desktop import clock
    from portal_desktop.cli import main

    today = clock.today(None)
    start, end = (today - dt.timedelta(days=30)).isoformat(), today.isoformat()
    printed, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(errors):
        code = main(["report", "kpis", "--url", url, "--from", start, "--to", end])
    if code != 0:
        raise RuntimeError(f"exit code {code}: {errors.getvalue().strip()}")
    lines = printed.getvalue().splitlines()
    return f"{len(lines)} lines, {lines[0] if lines else 'nothing printed'}"


def _keyring() -> str:
    from portal_desktop.db import secrets

    if not secrets.keyring_available():
        secrets.load_password("self-test", "nobody")  # answers None, never raises
        return "no keyring (passwords would be asked for each time)"
    import keyring

    secrets.load_password("self-test", "nobody")
    return f"keyring {type(keyring.get_keyring()).__name__} answered"
