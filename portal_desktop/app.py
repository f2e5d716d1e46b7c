"""Start the desktop app: open and upgrade the database, then show the main window.

The local SQLite file is migrated on start and, the first time, filled with demo data. A
PostgreSQL database is shared, so it is never migrated behind its users' backs: its schema
must already be this app's (``portal-desktop db upgrade --url …``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session

from portal_desktop import __version__
from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine
from portal_desktop.db.paths import APP_AUTHOR, APP_NAME
from portal_desktop.errors import PortalError
from portal_desktop.models import Lead, User
from portal_desktop.services.settings import load_settings
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.main_window import WINDOW_TITLE, MainWindow

RESOURCES_DIR = Path(__file__).resolve().parents[1] / "resources"
DEMO_LEADS = 2000
DEMO_SEED = 42


def open_database(url: str | None, *, seed_demo: bool) -> Engine:
    """An engine on a database whose schema is this app's, or a PortalError in words.

    Without a URL: the local file, created and upgraded as needed, and seeded with demo
    data on first start (no leads and no users yet) unless ``seed_demo`` is False.
    """
    local_default = url is None
    engine = make_engine(url, must_exist=not local_default)
    try:
        if engine.url.get_backend_name() == "sqlite":
            migrate.upgrade(engine)
        else:
            migrate.require_current(engine)
        if local_default and seed_demo and is_empty(engine):
            from portal_desktop.services.seeding import seed_database

            seed_database(engine, leads=DEMO_LEADS, seed=DEMO_SEED)
    except BaseException:
        engine.dispose()
        raise
    return engine


def is_empty(engine: Engine) -> bool:
    """No leads and no users: a database nobody has used yet."""
    with engine.connect() as conn:
        used = conn.scalar(select(exists(select(Lead.id)) | exists(select(User.id))))
    return not used


def load_formatter(engine: Engine) -> Formatter:
    with Session(engine) as session:
        settings = load_settings(session)
    return Formatter(currency=settings.currency)


def display_available() -> bool:
    """Whether a message box can be shown (not headless, not the offscreen platform)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in ("offscreen", "minimal"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def application() -> QApplication:
    """The QApplication, named for QSettings, with the app's icon and style sheet."""
    QApplication.setOrganizationName(APP_AUTHOR)
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationDisplayName(WINDOW_TITLE)
    app.setStyle("Fusion")
    app.setWindowIcon(QIcon(str(RESOURCES_DIR / "icon.svg")))
    app.setStyleSheet((RESOURCES_DIR / "style.qss").read_text(encoding="utf-8"))
    return app


def report_startup_error(error: PortalError, *, show_box: bool) -> None:
    print(f"portal-desktop: error: {error}", file=sys.stderr)
    if show_box:
        application()
        QMessageBox.critical(None, WINDOW_TITLE, str(error))


def run_app(url: str | None, seed_demo: bool, quit_after_ms: int | None) -> int:
    """Open the database and run the main window; the exit code of the event loop.

    A database problem prints one line to stderr (and shows it in a box when there is a
    display to show it on) and returns 2 without opening the window. ``quit_after_ms``
    quits by itself after that long (for tests).
    """
    try:
        engine = open_database(url, seed_demo=seed_demo)
        formatter = load_formatter(engine)
    except PortalError as exc:
        report_startup_error(exc, show_box=quit_after_ms is None and display_available())
        return 2
    try:
        app = application()
        window = MainWindow(engine, formatter)
        window.show()
        if quit_after_ms is not None:
            QTimer.singleShot(quit_after_ms, app.quit)
        code = app.exec()
        # The window goes before the QApplication does, whatever order Python picks later,
        # and no count is left running in a worker when the engine closes.
        window.close()
        del window
        QThreadPool.globalInstance().waitForDone()
        return code
    finally:
        engine.dispose()
