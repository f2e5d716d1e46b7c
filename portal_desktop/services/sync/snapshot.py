"""A replica's first copy of the server: a SQLite file with the app's schema, every row the
person's login may read (row security applies: a setter's copy holds what a setter sees),
and where the pull goes on from.

The copy is read in one REPEATABLE READ transaction: one snapshot of the whole database. Its
``pg_snapshot_xmin`` becomes the pull cursor: every transaction below it had ended and is in
the copy if it committed; the ones at or above it are read again by the first pull (reading
a row twice changes nothing). The file is written under a temporary name and renamed when
complete: a cancel or a failure leaves no file.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session
from uuid6 import uuid7

from portal_desktop import clock
from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine
from portal_desktop.db.replica_tables import create_replica_tables
from portal_desktop.errors import PortalError, ValidationError
from portal_desktop.services.reporting.rollups import refresh_rollups
from portal_desktop.services.sync.copy_rows import (
    CopyCancelled,
    bare_tables,
    copy_tables,
    counts,
    replica_writes,
)
from portal_desktop.services.sync.state import server_text, write_state

SNAPSHOT_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")


class SnapshotCancelledError(PortalError):
    """The person cancelled the first copy; nothing was kept."""


def _never() -> bool:
    return False


def take_snapshot(
    server: Engine,
    path: Path,
    *,
    login: str,
    person_id: uuid.UUID | None,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
    cancelled: Callable[[], bool] = _never,
) -> Engine:
    """Make the replica file at ``path`` from ``server`` (as ``login``); its engine."""
    path = Path(path)
    if path.exists():
        raise ValidationError(
            "path", f"there is already a file at {path}; choose another path or remove it"
        )
    if not path.parent.is_dir():
        raise ValidationError("path", f"there is no folder {path.parent}; create it first")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    replica = make_engine(f"sqlite:///{partial}")
    try:
        migrate.upgrade(replica)
        create_replica_tables(replica)
        with server.connect() as source:
            source = source.execution_options(isolation_level="REPEATABLE READ")
            with source.begin():
                cursor = source.scalar(SNAPSHOT_XMIN)
                fill(source, replica, progress, cancelled)
            with replica.begin() as conn:
                _remember(conn, server, login, person_id, str(cursor))
        with Session(replica) as session:
            refresh_rollups(session)  # the replica's reports read its own rollups
            session.commit()
    except CopyCancelled:
        _discard(replica, partial)
        raise SnapshotCancelledError("the copy was cancelled; nothing was kept") from None
    except BaseException:
        _discard(replica, partial)
        raise
    replica.dispose()
    partial.rename(path)
    return make_engine(f"sqlite:///{path}", must_exist=True)


def fill(
    source: Connection,
    replica: Engine,
    progress: Callable[[int, int], None],
    cancelled: Callable[[], bool] = _never,
) -> int:
    """Every table's rows from ``source`` (in its transaction) into ``replica``, which holds
    none of them yet."""
    total = sum(counts(source).values())
    progress(0, total)
    with replica_writes(replica) as conn, bare_tables(conn):
        return copy_tables(source, conn, lambda done: progress(done, total), cancelled)


def _remember(
    conn: Connection, server: Engine, login: str, person_id: uuid.UUID | None, cursor: str
) -> None:
    now = clock.now().astimezone(dt.UTC).isoformat()
    known = {"person_id": str(person_id)} if person_id else {}  # the outbox names the person
    write_state(
        conn,
        replica_id=str(uuid7()),
        server=server_text(server.url.set(username=login)),
        login=login,
        pull_cursor=cursor,
        snapshot_at=now,
        last_sync_at=now,
        last_error="",
        **known,
    )


def _discard(replica: Engine, partial: Path) -> None:
    replica.dispose()
    for leftover in (partial, *partial.parent.glob(partial.name + "-*")):
        leftover.unlink(missing_ok=True)
