"""Start the desktop app: the sign-in dialog first, then the database, then the main window.

The sign-in dialog paints before anything heavy is imported (a quick cold start); the
database opens right after. Where it is:

* ``--url``: that database;
* else the connection profile used last (File → Connection… saves it), or the local SQLite
  file when it exists;
* else this is the first start: the welcome dialog offers demo data, an empty local
  database (whose first administrator the sign-in dialog then creates) or a shared
  PostgreSQL.

The local SQLite file is migrated on start. A shared PostgreSQL is never migrated behind its
users' backs: an older schema is upgraded only after an administrator signs in and agrees;
anyone else is told why the app cannot open it; a newer schema asks for a newer app. A
PostgreSQL database without any schema is set up when its first administrator is created.

For automation only (tests, benchmarks), environment variables:
``PORTAL_WELCOME_CHOICE`` (demo / empty / connect) answers the welcome dialog;
``PORTAL_AUTOLOGIN_USER`` and ``PORTAL_AUTOLOGIN_PASSWORD`` sign in as soon as the database
is open (never a password on the command line); ``PORTAL_EXIT_WHEN_PAINTED=1`` prints
``painted <time> <objectName>`` at the first window's first paint (the sign-in dialog, or
the welcome dialog on a first start) and exits (bench/startup_bench.py, tests).
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox, QWidget

from portal_desktop import __version__
from portal_desktop.db.paths import APP_AUTHOR, APP_NAME, local_database_path
from portal_desktop.errors import PortalError
from portal_desktop.package_data import resource
from portal_desktop.views.app_style import PortalStyle
from portal_desktop.views.signin_dialog import SignInDialog

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from portal_desktop.db.profiles import Profile
    from portal_desktop.services.context import Actor
    from portal_desktop.views.formatting import Formatter
    from portal_desktop.views.main_window import MainWindow

WINDOW_TITLE = "Info Product Portal"
DEMO_LEADS = 2000
DEMO_SEED = 42
EXIT_DATABASE_PROBLEM = 2


def open_database(
    url: object, *, seed_demo: bool, on_seeded: Callable[[], None] | None = None
) -> Engine:
    """An engine on a local or given database whose schema is this app's, or a PortalError.

    Without a URL: the local file, created and upgraded as needed, and seeded with demo
    data on first start (no leads and no users yet) unless ``seed_demo`` is False. A
    PostgreSQL URL must already be at this app's schema (see :class:`Launcher` for the
    interactive path that offers an upgrade).
    """
    from portal_desktop.db import migrate
    from portal_desktop.db.engine import make_engine

    local_default = url is None
    engine = make_engine(url, must_exist=not local_default)  # type: ignore[arg-type]
    try:
        if engine.url.get_backend_name() == "sqlite":
            migrate.upgrade(engine)
        else:
            migrate.require_current(engine)
        if local_default and seed_demo and is_empty(engine):
            from portal_desktop.services.seeding import seed_database

            seed_database(engine, leads=DEMO_LEADS, seed=DEMO_SEED)
            if on_seeded is not None:
                on_seeded()
    except BaseException:
        engine.dispose()
        raise
    return engine


def is_empty(engine: Engine) -> bool:
    """No leads and no users: a database nobody has used yet."""
    from sqlalchemy import exists, select

    from portal_desktop.models import Lead, User

    with engine.connect() as conn:
        used = conn.scalar(select(exists(select(Lead.id)) | exists(select(User.id))))
    return not used


def has_users(engine: Engine) -> bool:
    from sqlalchemy import exists, select

    from portal_desktop.models import User

    with engine.connect() as conn:
        return bool(conn.scalar(select(exists(select(User.id)))))


def load_formatter(engine: Engine) -> Formatter:
    from sqlalchemy.orm import Session

    from portal_desktop.services.settings import load_settings
    from portal_desktop.views.formatting import Formatter

    with Session(engine) as session:
        settings = load_settings(session)
    # Days and times in the installation's time zone, the one every rule and KPI counts in
    # (KPIS.md): "today" on a screen is then the services' today on any machine.
    return Formatter(currency=settings.currency, tz=settings.tz)


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
    app.setStyle(PortalStyle())
    # The style sheet draws a light theme: keep the palette light too, whatever the system's
    # colour scheme (a dark system palette would give light text on its light backgrounds).
    app.setPalette(app.style().standardPalette())
    app.setWindowIcon(QIcon(str(resource("icon.svg"))))
    app.setStyleSheet(resource("style.qss").read_text(encoding="utf-8"))
    return app


def _report_paint_and_quit(window: QWidget) -> None:
    """For bench/startup_bench.py and tests: the wall-clock time of the first window's first
    paint and that window's objectName (``signInDialog``, ``welcomeDialog``), then quit."""
    print(f"painted {time.time():.6f} {window.objectName()}", flush=True)
    QApplication.quit()


class _FirstPaint(QObject):
    """Calls ``then`` once ``widget`` has painted for the first time (after that paint)."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def _exit_when_painted() -> bool:
    return os.environ.get("PORTAL_EXIT_WHEN_PAINTED") == "1"


class Launcher(QObject):
    """The app's life: welcome, sign-in, main window, sign out, switch the database.

    ``interactive`` False (``--quit-after``, or no display): a database that cannot be
    opened at start ends the app with exit code 2 and one line on stderr instead of waiting
    in the sign-in dialog for a different connection.
    """

    def __init__(self, url: str | None, *, seed_demo: bool, interactive: bool) -> None:
        super().__init__()
        self.url, self.seed_demo, self.interactive = url, seed_demo, interactive
        self.engine: Engine | None = None
        self.database = ""
        self.outdated: tuple[str | None, str] | None = None  # (server, app) revisions
        self.signin: SignInDialog | None = None
        self.window: MainWindow | None = None
        self._leaving_window = False
        self._pending: tuple[str, object] | None = None  # what to open after the paint
        self._welcome_dialog: QWidget | None = None
        self.demo_notice = ""

    # --- start ---------------------------------------------------------------------------

    def start(self) -> None:
        if self.url is not None:
            self._show_signin(("url", self.url))
            return
        from portal_desktop.db.profiles import load_profiles

        last = load_profiles().last_profile
        if last is not None:
            self._show_signin(("profile", last))
        elif local_database_path().is_file():
            self._show_signin(("url", None))
        elif not self.seed_demo:
            self._show_signin(("local", False))
        else:
            self._welcome()

    def _welcome(self) -> None:
        from portal_desktop.views import welcome_dialog as welcome

        choice = os.environ.get("PORTAL_WELCOME_CHOICE")
        if choice is None:
            dialog = welcome.WelcomeDialog()
            self._welcome_dialog = dialog
            dialog.finished.connect(lambda _: self._welcome_chosen(dialog.choice))
            if _exit_when_painted():
                _FirstPaint(dialog, lambda: _report_paint_and_quit(dialog))
            dialog.show()
            return
        self._welcome_chosen(choice)

    def _welcome_chosen(self, choice: str | None) -> None:
        from portal_desktop.views import welcome_dialog as welcome

        if choice == welcome.DEMO:
            self._show_signin(("local", True))
        elif choice == welcome.EMPTY:
            self._show_signin(("local", False))
        elif choice == welcome.CONNECT:
            self._show_signin(None)
            self.choose_connection()
        else:
            QApplication.quit()

    # --- sign-in ---------------------------------------------------------------------------

    def _show_signin(self, target: tuple[str, object] | None) -> None:
        dialog = SignInDialog()
        self.signin = dialog
        self._pending = target
        dialog.signed_in.connect(self._signed_in)
        dialog.rejected.connect(self._signin_rejected)
        dialog.connection_requested.connect(self.choose_connection)
        if _exit_when_painted():
            dialog.painted.connect(lambda: _report_paint_and_quit(dialog))
        else:
            dialog.painted.connect(self._open_pending)
        dialog.show()

    def _signin_rejected(self) -> None:
        if self.window is None:
            QApplication.quit()

    def _open_pending(self) -> None:
        target, self._pending = self._pending, None
        if target is None:
            if self.engine is not None:
                self._ready()
            return
        kind, value = target
        try:
            if kind == "profile":
                self._open_profile(value)  # type: ignore[arg-type]
            else:
                seed = value if kind == "local" else self.seed_demo
                self._use_engine(self._open_url(value if kind == "url" else None, bool(seed)))
        except PortalError as exc:
            self._failed(str(exc))

    def _open_url(self, url: object, seed: bool) -> Engine:
        from portal_desktop.db.engine import make_engine, parse_url

        if url is None or parse_url(str(url)).get_backend_name() == "sqlite":
            return open_database(url, seed_demo=seed, on_seeded=self._demo_seeded)
        return make_engine(url, must_exist=True)  # type: ignore[arg-type]

    def _demo_seeded(self) -> None:
        """The local database was just filled with demo data: say how to sign in to it."""
        from portal_desktop.services.seeding import DEMO_PASSWORD

        self.demo_notice = (
            "Demo data loaded. Sign in as admin, sales or marketing with the password "
            f"{DEMO_PASSWORD}."
        )
        if self.signin is not None and not self.signin.username.text():
            self.signin.username.setText("admin")

    def _open_profile(self, profile: Profile) -> None:
        from portal_desktop.db import secrets
        from portal_desktop.db.engine import make_engine

        password = secrets.load_password(profile.name, profile.user)
        if password is None:
            password = self._ask_password(profile)
            if password is None:
                self._failed(f"No password given for {profile.user}@{profile.host}.")
                return
        self._use_engine(make_engine(profile.url(password)))

    def _ask_password(self, profile: Profile) -> str | None:
        from portal_desktop.db import secrets

        note = "" if secrets.keyring_available() else f"{secrets.NO_KEYRING}\n\n"
        text, ok = QInputDialog.getText(
            self.signin,
            "Database password",
            f"{note}Password of {profile.user} on {profile.host}/{profile.database}:",
            QLineEdit.EchoMode.Password,
        )
        return text if ok else None

    def _use_engine(self, engine: Engine) -> None:
        """Check the schema of a newly opened database and hand it to the sign-in dialog."""
        from portal_desktop.db import migrate
        from portal_desktop.db.engine import describe

        try:
            status = migrate.schema_status(engine)
        except PortalError:
            engine.dispose()
            raise
        if status.state is migrate.SchemaState.TOO_NEW:
            engine.dispose()
            raise PortalError(
                f"{describe(engine.url)} was written by a newer version of Portal (schema "
                f"{status.database_revision}); this is version {__version__}. Update the app "
                "to open it."
            )
        self._close_engine()
        self.engine, self.database = engine, describe(engine.url)
        self.outdated = (
            (status.database_revision, status.app_revision)
            if status.state is migrate.SchemaState.OUTDATED
            else None
        )
        self._ready()

    def _ready(self) -> None:
        assert self.engine is not None and self.signin is not None
        empty = not self._schema_exists() or not has_users(self.engine)
        notice = self.demo_notice
        if self.outdated:
            notice = (
                f"Its schema ({self.outdated[0]}) is older than this app's ({self.outdated[1]}): "
                "an administrator signing in is offered the upgrade."
            )
        self.signin.ready(
            self.database,
            self._authenticate,
            self._create_admin if empty else None,
            notice,
        )
        self._auto_login()

    def _schema_exists(self) -> bool:
        from sqlalchemy import inspect

        assert self.engine is not None
        return inspect(self.engine).has_table("users")

    def _auto_login(self) -> None:
        user = os.environ.get("PORTAL_AUTOLOGIN_USER")
        password = os.environ.get("PORTAL_AUTOLOGIN_PASSWORD")
        if user and password and self.signin is not None:
            self.signin.username.setText(user)
            self.signin.password.setText(password)
            self.signin.submit()

    def _failed(self, problem: str) -> None:
        print(f"portal-desktop: error: {problem}", file=sys.stderr)
        if not self.interactive and self.window is None:
            QApplication.exit(EXIT_DATABASE_PROBLEM)
            return
        if self.signin is not None:
            self.signin.unavailable(problem)

    def _authenticate(self, username: str, password: str) -> Actor:
        from sqlalchemy.orm import Session

        from portal_desktop.models.enums import UserRole
        from portal_desktop.services.accounts import authenticate

        assert self.engine is not None
        with Session(self.engine) as session:
            actor = authenticate(session, username, password)
        if self.outdated:
            if actor.role is not UserRole.ADMIN:
                raise PortalError(
                    f"The database's schema ({self.outdated[0]}) is older than this app's "
                    f"({self.outdated[1]}). An administrator must sign in once to upgrade "
                    "it; until then this version of the app cannot work with it."
                )
            self._offer_upgrade()
        return actor

    def _offer_upgrade(self) -> None:
        from portal_desktop.db import migrate

        assert self.engine is not None and self.outdated is not None
        answer = QMessageBox.question(
            self.signin,
            "Upgrade the database?",
            f"{self.database} is at schema {self.outdated[0]}; this app needs "
            f"{self.outdated[1]}. Upgrade it now? Everyone using an older app will then "
            "have to update theirs.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            raise PortalError("The database was not upgraded, so the app cannot open it.")
        migrate.upgrade(self.engine)
        self.outdated = None

    def _create_admin(self, username: str, full_name: str, password: str) -> None:
        from sqlalchemy.orm import Session

        from portal_desktop.db import migrate
        from portal_desktop.models.enums import UserRole
        from portal_desktop.services.accounts import create_user
        from portal_desktop.services.context import SYSTEM

        assert self.engine is not None
        if not self._schema_exists():
            migrate.upgrade(self.engine)
        with Session(self.engine) as session:
            create_user(
                session, SYSTEM, username, password, UserRole.ADMIN, full_name=full_name or None
            )

    # --- main window -------------------------------------------------------------------

    def _signed_in(self, actor: Actor) -> None:
        from portal_desktop.db.engine import session_factory
        from portal_desktop.views.main_window import MainWindow
        from portal_desktop.views.tab_context import DataBus, TabContext

        assert self.engine is not None
        ctx = TabContext(
            self.engine, session_factory(self.engine), actor, load_formatter(self.engine), DataBus()
        )
        window = MainWindow(ctx)
        window.sign_out_requested.connect(self.sign_out)
        window.connection_requested.connect(self.switch_connection)
        window.destroyed.connect(self._window_gone)
        window.closed.connect(self._window_closed)
        self.window = window
        window.show()

    def _window_closed(self) -> None:
        if not self._leaving_window:
            QApplication.quit()

    def _window_gone(self) -> None:
        self.window = None

    def _drop_window(self) -> None:
        window, self.window = self.window, None
        if window is not None:
            self._leaving_window = True
            window.close()
            self._leaving_window = False
            window.deleteLater()

    def sign_out(self) -> None:
        """File → Sign out: the sign-in dialog again, on the same database."""
        self._show_signin(None)
        self._drop_window()

    def switch_connection(self) -> None:
        """File → Connection…: sign out, then choose a database."""
        self.sign_out()
        self.choose_connection()

    def choose_connection(self) -> None:
        from portal_desktop.db.profiles import load_profiles
        from portal_desktop.views.connection_dialog import ConnectionDialog

        dialog = ConnectionDialog(load_profiles(), self.signin)
        if dialog.exec() != ConnectionDialog.DialogCode.Accepted or dialog.profile is None:
            if self.engine is None and self.signin is not None:
                self.signin.unavailable("Choose a database with Connection… to sign in.")
            return
        from portal_desktop.db.engine import make_engine

        try:
            self._use_engine(make_engine(dialog.profile.url(dialog.password)))
        except PortalError as exc:
            self._failed(str(exc))

    # --- end ---------------------------------------------------------------------------

    def _close_engine(self) -> None:
        if self.engine is not None:
            self._drop_window()
            QThreadPool.globalInstance().waitForDone()
            self.engine.dispose()
            self.engine = None

    def shutdown(self) -> None:
        """The window goes before the QApplication does; no worker outlives the engine."""
        self._drop_window()
        if self.signin is not None:
            self.signin.close()
        QThreadPool.globalInstance().waitForDone()
        if self.engine is not None:
            self.engine.dispose()


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
