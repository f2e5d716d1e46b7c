"""Signing in on an offline-capable connection profile (docs/sync.md, "Offline sign-in").

When the server answers, the person signs in with their own PostgreSQL login as on any
shared database; the first time, the copy is made (a progress dialog with Cancel), and every
time a verifier is left on the replica for signing in without the server later. When the
server does not answer, the replica's verifier decides (for the days the setting allows).
Either way the window works on the replica, and a sync controller pushes and pulls in the
background as the person's login.
"""

from __future__ import annotations

import contextlib
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from portal_desktop.db.engine import make_engine
from portal_desktop.errors import PortalError

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QWidget

    from portal_desktop.db.profiles import Profile
    from portal_desktop.services.common.context import Actor
    from portal_desktop.services.sync.listen import Listener
    from portal_desktop.views.main_window import MainWindow
    from portal_desktop.views.sync.sync_controller import SyncController

REACH_TIMEOUT_S = 3.0


@dataclass
class CopySignIn:
    actor: Actor
    replica: Engine  # what the window works on
    server: Engine  # the person's own login on the server (may not answer now)


def server_answers(profile: Profile, timeout: float = REACH_TIMEOUT_S) -> bool:
    """Whether the server's port takes a connection (an offline laptop: no)."""
    try:
        socket.create_connection((profile.host, profile.port), timeout=timeout).close()
    except OSError:
        return False
    return True


def sign_in_with_copy(
    profile: Profile,
    username: str,
    password: str,
    ask_new: Callable[[], str | None],
    parent: QWidget | None,
) -> CopySignIn:
    from portal_desktop.services.accounts.pg_signin import sign_in_shared
    from portal_desktop.services.sync.offline_signin import offline_sign_in, remember_sign_in

    path = profile.replica_file
    if server_answers(profile):
        signed, password = sign_in_shared(profile.url(None), username, password, None, ask_new)
        if not path.exists():
            _make_copy(profile, signed.engine, signed.actor, parent)
        replica = make_engine(f"sqlite:///{path}", must_exist=True)
        with Session(replica) as session:
            remember_sign_in(session, signed.actor, password)
        return CopySignIn(signed.actor, replica, signed.engine)
    if not path.exists():
        raise PortalError(
            f"The server {profile.host} does not answer and this computer has no copy yet: "
            "connect once while online to make it."
        )
    replica = make_engine(f"sqlite:///{path}", must_exist=True)
    with Session(replica) as session:
        actor = offline_sign_in(session, username, password)
    login = profile.url(None).set(username=username.strip().lower(), password=password)
    return CopySignIn(actor, replica, make_engine(login))


def _make_copy(profile: Profile, server: Engine, actor: Actor, parent: QWidget | None) -> None:
    from portal_desktop.services.sync.snapshot import take_snapshot
    from portal_desktop.views.sync.snapshot_dialog import CANCELLED, SnapshotDialog

    def take(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Engine:
        profile.replica_file.parent.mkdir(parents=True, exist_ok=True)
        return take_snapshot(
            server,
            profile.replica_file,
            login=actor.username,
            person_id=actor.user_id,
            progress=progress,
            cancelled=cancelled,
        )

    dialog = SnapshotDialog(take, parent)
    accepted = dialog.exec() == SnapshotDialog.DialogCode.Accepted
    if dialog.replica is not None:
        dialog.replica.dispose()
    if not accepted:
        server.dispose()
        raise PortalError(dialog.error or CANCELLED)


class LazyListener:
    """The controller's LISTEN wait: a listening connection made when first needed and made
    again after the server went away (meanwhile it just waits)."""

    def __init__(self, server: Engine) -> None:
        self.server = server
        self.listener: Listener | None = None

    def __call__(self, timeout: float) -> bool:
        from portal_desktop.services.sync.listen import Listener

        try:
            if self.listener is None:
                self.listener = Listener(self.server)
            return self.listener.wait(timeout)
        except Exception:  # offline: the controller's back-off does the rest
            self.close()
            time.sleep(timeout)
            return False

    def close(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            with contextlib.suppress(Exception):  # already gone with the server
                listener.close()


def attach_sync(window: MainWindow, server: Engine, replica: Engine) -> SyncController:
    """The window's sync: status bar part, Sync now (F9), Conflicts, background syncs."""
    from portal_desktop.services.sync.conflicts import open_conflicts, resolve
    from portal_desktop.services.sync.run import sync_once
    from portal_desktop.views.sync.sync_controller import SyncController, install

    listen = LazyListener(server)
    controller = SyncController(window.ctx, lambda: sync_once(server, replica), listen=listen)
    install(window, controller, open_conflicts, resolve, refresh=window.refresh)
    window.closed.connect(listen.close)
    controller.start()
    return controller
