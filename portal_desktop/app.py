"""Start the desktop app: the QApplication (named, styled) and the :class:`Launcher` that
runs its life (see :mod:`portal_desktop.launcher`: sign-in, the database, the main window).

The sign-in dialog paints before anything heavy is imported (a quick cold start); the
database opens right after (:mod:`portal_desktop.app_database`).
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from portal_desktop import __version__
from portal_desktop.db.paths import APP_AUTHOR, APP_NAME
from portal_desktop.launcher import Launcher
from portal_desktop.package_data import resource
from portal_desktop.system_libs import require_platform_libraries
from portal_desktop.views import main_thread_gc, theme_choice
from portal_desktop.views.app_style import portal_style

WINDOW_TITLE = "Info Product Portal"
UI_SWITCH_INTERVAL_S = 0.001


def display_available() -> bool:
    """Whether a message box can be shown (not headless, not the offscreen platform)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in ("offscreen", "minimal"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def application() -> QApplication:
    """The QApplication, named for QSettings, with the app's icon, theme and style sheet."""
    require_platform_libraries()  # names a missing X11 library instead of Qt's abort
    QApplication.setOrganizationName(APP_AUTHOR)
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationDisplayName(WINDOW_TITLE)
    app.setStyle(portal_style())
    app.setWindowIcon(QIcon(str(resource("icon.svg"))))
    # The palette and the style sheet built from it: the theme last chosen (View → Theme),
    # System (the desktop's colour scheme) until somebody chooses.
    theme_choice.apply_for(None)
    main_thread_gc.install(app)  # collections between events, on the UI thread
    # Workers hand the interpreter back to the UI thread after 1 ms instead of 5: a layout
    # pass calls Python (size hints, data()) dozens of times, and with two page readers busy
    # each call waited its turn (layouts of 80 to 340 ms on 200,000 leads; 38 to 75 at 0.5 ms).
    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
    return app


def run_app(url: str | None, seed_demo: bool, quit_after_ms: int | None) -> int:
    """Run the app; the exit code of the event loop (2: the database could not be opened).

    ``quit_after_ms`` quits by itself after that long (for tests).
    """
    app = application()
    app.setQuitOnLastWindowClosed(False)
    launcher = Launcher(
        url, seed_demo=seed_demo, interactive=quit_after_ms is None and display_available()
    )
    if quit_after_ms is not None:
        QTimer.singleShot(quit_after_ms, app.quit)
    QTimer.singleShot(0, launcher.start)
    try:
        return app.exec()
    finally:
        launcher.shutdown()
        del launcher
