"""A replica's outbox: every local change, captured by triggers in the transaction that
makes it (``db/sync_capture.py``), read back here as change sets for the push.

``with paused(connection): ...`` writes without capture (the pull's rows, a conflict's
"the server's value stands"): those rows are the server's already.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select

from portal_desktop.db.replica_tables import sync_outbox
from portal_desktop.db.sync_capture import state_of


@contextmanager
def paused(connection: Connection) -> Iterator[None]:
    """No outbox rows for what ``connection`` writes inside the block."""
    state = state_of(connection)
    state.paused += 1
    try:
        yield
    finally:
        state.paused -= 1


@dataclass(frozen=True)
class Change:
    """One captured record change; values as the replica stores them (SQLite's form)."""

    seq: int
    change_id: uuid.UUID
    table_name: str
    record_id: uuid.UUID
    op: str
    base: dict[str, Any] | None
    data: dict[str, Any] | None

    def changed_fields(self) -> dict[str, Any]:
        """An update's new values of the fields it changed (bookkeeping columns left out)."""
        base, data = self.base or {}, self.data or {}
        return {k: v for k, v in data.items() if k not in _BOOKKEEPING and base.get(k) != v}

    def as_json(self) -> dict[str, Any]:
        return {
            "change_id": str(self.change_id),
            "table": self.table_name,
            "record_id": str(self.record_id),
            "op": self.op,
            "base": self.base,
            "data": self.data,
        }


_BOOKKEEPING = frozenset({"updated_at", "version"})


@dataclass(frozen=True)
class ChangeSet:
    """One local transaction's changes, in the order they were made."""

    txn_id: uuid.UUID
    use_case: str
    changes: tuple[Change, ...]

    def record_ids(self) -> set[str]:
        return {c.record_id.hex for c in self.changes}


def change_sets(connection: Connection) -> list[ChangeSet]:
    """Everything waiting in the outbox, change set by change set in the order made."""
    rows = connection.execute(select(sync_outbox).order_by(sync_outbox.c.seq)).all()
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.txn_id, []).append(row)
    return [
        ChangeSet(
            txn_id,
            members[0].use_case,
            tuple(
                Change(r.seq, r.change_id, r.table_name, r.record_id, r.op, r.base, r.data)
                for r in members
            ),
        )
        for txn_id, members in grouped.items()
    ]


def forget(connection: Connection, txn_id: uuid.UUID) -> None:
    """Take a change set out of the outbox (pushed, or kept in a conflict row)."""
    connection.execute(delete(sync_outbox).where(sync_outbox.c.txn_id == txn_id))


def waiting(connection: Connection) -> int:
    """How many record changes wait to be pushed."""
    return len(connection.execute(select(sync_outbox.c.seq)).all())
