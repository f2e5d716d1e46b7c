"""One sync of a replica with its server: push my change sets, then pull everyone else's
(docs/sync.md). The one definition behind "Sync now", the background sync and
``portal-desktop sync``."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.models import User
from portal_desktop.services.sync.offline_signin import forget
from portal_desktop.services.sync.pull import pull
from portal_desktop.services.sync.push import push
from portal_desktop.services.sync.state import read_state, write_state
from portal_desktop.services.sync.status import SyncResult, error_words


def sync_once(server: Engine, replica: Engine) -> SyncResult:
    """Push, then pull; the replica remembers when it last reached the server and the words
    of the last failure (empty after a good sync). People deactivated on the server lose
    their offline sign-in here."""
    try:
        pushed = push(server, replica)
        pulled = pull(server, replica)
    except Exception as exc:
        with replica.begin() as conn:
            write_state(conn, last_error=error_words(exc))
        raise
    with replica.begin() as conn:
        write_state(conn, last_sync_at=clock.now().astimezone(dt.UTC).isoformat(), last_error="")
    _forget_deactivated(replica)
    return SyncResult(pushed.pushed, pulled, pushed.conflicts)


def _forget_deactivated(replica: Engine) -> None:
    with Session(replica) as session:
        gone = session.scalars(select(User.id).where(User.active.is_(False))).all()
        if gone and forget(session, [uuid.UUID(str(i)) for i in gone]):
            session.commit()


def person_of(replica: Engine) -> str:
    """The login the replica pushes and pulls as."""
    with replica.connect() as conn:
        return read_state(conn).get("login", "")
