"""The app's life once started: the sign-in dialog first, then the database, then the main
window; sign out and switch the database.

The sign-in dialog paints before anything heavy is imported (a quick cold start); the
database opens right after. Where it is:

* ``--url``: that database;
* else the connection profile used last (File → Connection… saves it), or the local SQLite
  file when it exists;
* else this is the first start: the welcome dialog offers demo data, an empty local
  database (whose first administrator the sign-in dialog then creates) or a shared
  PostgreSQL.

The local SQLite file is migrated on start; a shared PostgreSQL only when an administrator
signing in agrees (a newer schema asks for a newer app; an empty database is set up when its
first administrator is created).

For automation only: ``PORTAL_WELCOME_CHOICE``, ``PORTAL_AUTOLOGIN_USER`` /
``PORTAL_AUTOLOGIN_PASSWORD`` and ``PORTAL_EXIT_WHEN_PAINTED`` (README, "Development").
An offline-capable profile signs in through ``replica_signin.py`` (docs/sync.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from portal_desktop.app_database import (
    create_first_admin,
    demo_notice,
    has_users,
    load_formatter,
    open_database,
    outdated_schema,
    schema_exists,
    sign_in,
)
from portal_desktop.db.paths import local_database_path
from portal_desktop.errors import PortalError
from portal_desktop.first_paint import FirstPaint, exit_when_painted, report_paint_and_quit
from portal_desktop.views.connection_prompts import ask_connection, ask_password, ask_upgrade
from portal_desktop.views.shared_signin import ask_new_password
from portal_desktop.views.signin_dialog import SignInDialog
from portal_desktop.warm_up import warm_up

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from portal_desktop.db.profiles import Profile
    from portal_desktop.services.common.context import Actor
    from portal_desktop.views.main_window import MainWindow

EXIT_DATABASE_PROBLEM = 2
WARM_UP_AFTER_MS = 500  # the first dialog painted first


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
        self.profile: Profile | None = None  # the shared database's connection, if any
        self.sync_server: Engine | None = None  # an offline-capable profile's server
        # Asks for one's own password at a first sign-in (tests replace it).
        self.ask_new_password: Callable[[], str | None] = lambda: ask_new_password(self.signin)

    # --- start ---------------------------------------------------------------------------

    def start(self) -> None:
        if self.interactive:
            QTimer.singleShot(WARM_UP_AFTER_MS, warm_up)
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
            if exit_when_painted():
                FirstPaint(dialog, lambda: report_paint_and_quit(dialog))
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
        if exit_when_painted():
            dialog.painted.connect(lambda: report_paint_and_quit(dialog))
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
                seed = bool(value if kind == "local" else self.seed_demo)
                url = value if kind == "url" else None
                if self.interactive:  # someone watches: progress, and the window stays alive
                    self._open_in_background(url, seed)
                else:  # headless (--quit-after, no display): opened before anything else
                    self._use_engine(self._open_url(url, seed, self._demo_seeded))
        except PortalError as exc:
            self._failed(str(exc))

    def _open_in_background(self, url: object, seed: bool) -> None:
        """Migrating and seeding the demo take seconds: off the UI thread, with progress."""
        from portal_desktop.views.opening import open_in_background

        opening = lambda on_seeded: self._open_url(url, seed, on_seeded)  # noqa: E731
        open_in_background(self.signin, opening, seed, self._opened, self._failed)  # type: ignore[arg-type]

    def _opened(self, engine: Engine, seeded: bool) -> None:
        if seeded:
            self._demo_seeded()
        try:
            self._use_engine(engine)
        except PortalError as exc:  # e.g. a schema newer than the app
            self._failed(str(exc))

    def _open_url(self, url: object, seed: bool, on_seeded: Callable[[], None]) -> Engine:
        from portal_desktop.db.engine import make_engine, parse_url

        if url is None or parse_url(str(url)).get_backend_name() == "sqlite":
            return open_database(url, seed_demo=seed, on_seeded=on_seeded)
        return make_engine(url, must_exist=True)  # type: ignore[arg-type]

    def _demo_seeded(self) -> None:
        """The local database was just filled with demo data: say how to sign in to it."""
        self.demo_notice = demo_notice()
        if self.signin is not None and not self.signin.username.text():
            self.signin.username.setText("admin")

    def _open_profile(self, profile: Profile) -> None:
        from portal_desktop.db import secrets
        from portal_desktop.db.engine import make_engine

        self.profile = profile
        if profile.offline and profile.replica_file.is_file():  # works without the server
            self._use_engine(make_engine(f"sqlite:///{profile.replica_file}", must_exist=True))
            return

        password = secrets.load_password(profile.name, profile.user)
        if password is None:
            password = ask_password(self.signin, profile)
            if password is None:
                self._failed(f"No password given for {profile.user}@{profile.host}.")
                return
        self._use_engine(make_engine(profile.url(password)))

    def _use_engine(self, engine: Engine) -> None:
        """Check the schema of a newly opened database and hand it to the sign-in dialog."""
        from portal_desktop.db.engine import describe

        outdated = outdated_schema(engine)
        self._close_engine()
        self.engine, self.database, self.outdated = engine, describe(engine.url), outdated
        self._ready()

    def _ready(self) -> None:
        assert self.engine is not None and self.signin is not None
        empty = not schema_exists(self.engine) or not has_users(self.engine)
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
        assert self.engine is not None
        if self.profile is not None and self.profile.offline:
            return self._sign_in_with_copy(username, password)
        if self.engine.dialect.name == "postgresql":
            return self._sign_in_shared(username, password)
        actor = sign_in(self.engine, username, password, self.outdated)
        if self.outdated:
            self._offer_upgrade()
        return actor

    def _sign_in_shared(self, username: str, password: str) -> Actor:
        """A shared database: one's own PostgreSQL login; the keyring keeps its password."""
        from portal_desktop.db import secrets
        from portal_desktop.services.accounts.pg_signin import sign_in_shared

        assert self.engine is not None
        signed, password = sign_in_shared(
            self.engine.url, username, password, self.outdated, self.ask_new_password
        )
        self._close_engine()
        self.engine = signed.engine
        if self.profile is not None and secrets.keyring_available():
            secrets.save_password(self.profile.name, signed.actor.username, password)
        return signed.actor

    def _sign_in_with_copy(self, username: str, password: str) -> Actor:
        """An offline-capable profile: the window works on this computer's copy."""
        from portal_desktop.replica_signin import sign_in_with_copy

        assert self.profile is not None
        signed = sign_in_with_copy(
            self.profile, username, password, self.ask_new_password, self.signin
        )
        self._close_engine()
        self.engine, self.sync_server = signed.replica, signed.server
        return signed.actor

    def _offer_upgrade(self) -> None:
        from portal_desktop.db import migrate

        assert self.engine is not None and self.outdated is not None
        if not ask_upgrade(self.signin, self.database, self.outdated):
            raise PortalError("The database was not upgraded, so the app cannot open it.")
        migrate.upgrade(self.engine)
        self.outdated = None

    def _create_admin(self, username: str, full_name: str, password: str) -> None:
        assert self.engine is not None
        create_first_admin(self.engine, username, full_name, password)

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
        window.destroyed.connect(lambda: setattr(self, "window", None))
        window.closed.connect(self._window_closed)
        self.window = window
        if self.sync_server is not None:
            from portal_desktop.replica_signin import attach_sync

            attach_sync(window, self.sync_server, self.engine)
        window.show()

    def _window_closed(self) -> None:
        if not self._leaving_window:
            QApplication.quit()

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
        """File → Connection…: choose a database first; only a choice signs the person out
        (Cancel leaves them in their window, signed in, where they were)."""
        chosen = ask_connection(self.window)
        if chosen is not None:
            self.sign_out()
            self._connect(*chosen)

    def choose_connection(self) -> None:
        """The sign-in dialog's Connection…: a database to sign in to."""
        chosen = ask_connection(self.signin)
        if chosen is not None:
            self._connect(*chosen)
        elif self.engine is None and self.signin is not None:
            self.signin.unavailable("Choose a database with Connection… to sign in.")

    def _connect(self, profile: Profile, password: str) -> None:
        from portal_desktop.db.engine import make_engine

        try:
            self._use_engine(make_engine(profile.url(password)))
        except PortalError as exc:
            self._failed(str(exc))

    # --- end ---------------------------------------------------------------------------

    def _close_engine(self) -> None:
        if self.sync_server is not None:
            self.sync_server.dispose()
            self.sync_server = None
        if self.engine is not None:
            self._drop_window()
            QThreadPool.globalInstance().waitForDone()
            self.engine.dispose()
            self.engine = None

    def shutdown(self) -> None:
        """The window goes before the QApplication does; no worker outlives the engine."""
        self._drop_window()
        if self.sync_server is not None:
            self.sync_server.dispose()
        if self.signin is not None:
            self.signin.close()
        QThreadPool.globalInstance().waitForDone()
        if self.engine is not None:
            self.engine.dispose()
