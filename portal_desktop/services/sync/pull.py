"""Everyone else's changes into a replica (docs/sync.md, "Pull").

In one REPEATABLE READ transaction on the server: the change log's rows with a transaction
id in ``[cursor, xmin)`` (``xmin`` of this very snapshot: every transaction below it has
ended), then the current rows of the ids they name; an id with no row is a tombstone and
its row goes from the replica. The replica takes them in one transaction, capture paused,
and its cursor moves to ``xmin``. Pulling twice changes nothing.

Unpushed local work stands: a pulled row overwrites the replica's row except the fields
that wait in the outbox for that record (the replica shows the server plus my pending
changes), and a record I deleted locally is not brought back before the push.

When the server pruned the log above the cursor (``sync_log_horizon``), the replica is
refilled from a fresh snapshot (its own tables stay: outbox, conflicts, verifiers).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.orm import Session

from portal_desktop.db.replica_tables import sync_outbox
from portal_desktop.errors import ConflictError
from portal_desktop.models import Base
from portal_desktop.services.reporting.rollups import refresh_rollups
from portal_desktop.services.sync.copy_rows import (
    readable,
    readable_tables,
    remove,
    replica_writes,
    tables,
    upsert,
)
from portal_desktop.services.sync.snapshot import SNAPSHOT_XMIN, fill
from portal_desktop.services.sync.state import read_state, write_state

CHANGED = text(
    "SELECT DISTINCT table_name, record_id FROM sync_log "
    "WHERE xid >= CAST(:cursor AS xid8) AND xid < CAST(:xmin AS xid8)"
)
HORIZON = text("SELECT xid::text FROM sync_log_horizon")
IDS_PER_READ = 500


def pull(server: Engine, replica: Engine) -> int:
    """Pull what changed on the server since the last pull; how many rows were written
    (taken in or removed) on the replica."""
    with replica.connect() as conn:
        cursor = read_state(conn).get("pull_cursor", "0")
    with server.connect() as source:
        source = source.execution_options(isolation_level="REPEATABLE READ")
        with source.begin():
            xmin = source.scalar(SNAPSHOT_XMIN)
            if _older_than_the_log(source, cursor):
                written = _refill(source, replica)
            else:
                written = _apply(source, replica, cursor, xmin)
            with replica.begin() as conn:
                write_state(conn, pull_cursor=str(xmin))
    with Session(replica) as session:
        refresh_rollups(session)
        session.commit()
    return written


def _older_than_the_log(source: Connection, cursor: str) -> bool:
    horizon = source.scalar(HORIZON) or "0"
    return int(cursor) <= int(horizon) and int(horizon) > 0


def _apply(source: Connection, replica: Engine, cursor: str, xmin: str) -> int:
    changed: dict[str, set[uuid.UUID]] = defaultdict(set)
    for table_name, record_id in source.execute(CHANGED, {"cursor": cursor, "xmin": xmin}):
        changed[table_name].add(record_id)
    if not changed:
        return 0
    written = 0
    with replica_writes(replica) as conn:
        pending = _pending(conn)
        for table in readable_tables(source):
            ids = changed.get(table.name, set())
            if not ids:
                continue
            rows = _current_rows(source, table, ids)
            found = {row["id"] for row in rows}
            mine = pending.get(table.name, {})
            keep = [row for row in rows if mine.get(row["id"]) != "delete"]
            written += upsert(conn, table, keep)
            written += remove(conn, table, ids - found)
            for row in keep:
                fields = mine.get(row["id"])
                if isinstance(fields, dict) and fields:
                    conn.execute(update(table).where(table.c.id == row["id"]).values(**fields))
    return written


def _current_rows(source: Connection, table: Any, ids: set[uuid.UUID]) -> list[dict[str, Any]]:
    wanted = sorted(ids)
    rows: list[dict[str, Any]] = []
    query = readable(source, table)  # the columns this login may read
    for start in range(0, len(wanted), IDS_PER_READ):
        chunk = wanted[start : start + IDS_PER_READ]
        rows += [dict(r._mapping) for r in source.execute(query.where(table.c.id.in_(chunk)))]
    return rows


def _pending(conn: Connection) -> dict[str, dict[uuid.UUID, Any]]:
    """Per table and record, what waits in the outbox: "delete", or the fields I changed
    (their new values, as the replica stores them)."""
    found: dict[str, dict[uuid.UUID, Any]] = defaultdict(dict)
    for row in conn.execute(select(sync_outbox).order_by(sync_outbox.c.seq)):
        record = found[row.table_name]
        if row.op == "delete":
            record[row.record_id] = "delete"
        elif row.op == "update" and record.get(row.record_id) != "delete":
            base, data = row.base or {}, row.data or {}
            fields = {k: v for k, v in data.items() if base.get(k) != v and k != "version"}
            table = Base.metadata.tables[row.table_name]
            fields = {k: v for k, v in fields.items() if k in table.c and k != "updated_at"}
            current = record.get(row.record_id)
            record[row.record_id] = {**(current if isinstance(current, dict) else {}), **fields}
    return found


def _refill(source: Connection, replica: Engine) -> int:
    """A fresh copy of every table (the log no longer reaches back to the cursor); only
    with nothing waiting to be pushed, which the sync's push came first to ensure."""
    with replica.connect() as conn:
        if conn.scalar(select(sync_outbox.c.seq).limit(1)) is not None:
            raise ConflictError(
                "this copy is older than the server's change log and has changes waiting: "
                "sync them first (push), then pull again"
            )
    with replica_writes(replica) as conn:
        for table in reversed(tables()):
            conn.execute(delete(table))
    return fill(source, replica, lambda _done, _total: None)
