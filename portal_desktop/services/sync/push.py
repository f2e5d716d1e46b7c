"""Push: the replica's change sets to the server, in the order they were made.

Each change set is applied in ONE server transaction as the person's own login, together
with its ``sync_applied`` row (txn_id): a push retried after the server committed finds the
row and changes nothing there, and records locally what the server made of it (the outcome
stored in that row). The local side — conflicts recorded, the server's rows taken where a
conflict left them, the outbox emptied — is one replica transaction after the server's
commits: killed in between, the next push redoes it from ``sync_applied``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal_desktop.errors import DatabaseUnreachableError
from portal_desktop.models import SyncApplied
from portal_desktop.services.sync import capture, conflicts
from portal_desktop.services.sync.apply import Outcome, apply_change_set
from portal_desktop.services.sync.capture import ChangeSet
from portal_desktop.services.sync.values import table_of, to_python


@dataclass(frozen=True)
class PushResult:
    pushed: int  # record changes the server took
    conflicts: int  # new conflicts


Hook = Callable[[Connection], None]


def push(
    server: Engine,
    replica: Engine,
    *,
    before_commit: Hook | None = None,
    after_commit: Callable[[ChangeSet], None] | None = None,
) -> PushResult:
    """Push every waiting change set. Nothing waiting: the server is not even contacted.
    ``before_commit``/``after_commit``: test hooks around each server commit."""
    with replica.connect() as local:
        sets = capture.change_sets(local)
        refused = conflicts.refused_ids(local)
    if not sets:
        return PushResult(0, 0)
    done: list[tuple[ChangeSet, Outcome]] = []
    try:
        with server.connect() as conn:
            for cs in sets:
                outcome = _push_one(conn, cs, refused, before_commit)
                if outcome.refused:
                    refused |= set(outcome.inserted)
                done.append((cs, outcome))
                if after_commit is not None:
                    after_commit(cs)
    except DBAPIError as exc:
        _take_outcomes(replica, done)
        first = str(exc.orig or exc).strip().splitlines()[0]
        raise DatabaseUnreachableError(
            f"the push stopped after {len(done)} of {len(sets)} change sets: {first}; "
            "the rest wait on this computer — sync again when the server answers"
        ) from None
    new = _take_outcomes(replica, done)
    pushed = sum(len(cs.changes) for cs, o in done if not (o.refused or o.replayed))
    return PushResult(pushed, new)


def _push_one(
    conn: Connection, cs: ChangeSet, refused: set[str], before_commit: Hook | None
) -> Outcome:
    with conn.begin():
        query = select(SyncApplied.outcome).where(SyncApplied.txn_id == cs.txn_id)
        found = conn.execute(query).first()
        if found is not None:
            return Outcome.from_json(found.outcome)
        outcome = apply_change_set(conn, cs, refused)
        login = conn.engine.url.username or ""
        conn.execute(
            SyncApplied.__table__.insert().values(
                txn_id=cs.txn_id, login=login, outcome=outcome.as_json()
            )
        )
        if before_commit is not None:
            before_commit(conn)
    return outcome


def _take_outcomes(replica: Engine, done: list[tuple[ChangeSet, Outcome]]) -> int:
    """The replica's side of the pushed change sets, in one transaction; new conflicts."""
    if not done:
        return 0
    new = 0
    with replica.begin() as local, capture.paused(local):
        for _cs, outcome in reversed(done):
            for item in outcome.server_rows:
                try:
                    with local.begin_nested():
                        _take_server_row(local, item)
                except IntegrityError:
                    pass  # it names a record the replica has not pulled yet: the pull brings both
        for cs, outcome in done:
            new += conflicts.record(local, outcome.conflicts)
            capture.forget(local, cs.txn_id)
    return new


def _take_server_row(local: Connection, item: dict[str, Any]) -> None:
    """The server's row stands: the replica takes it as it is (or drops it: gone there)."""
    table = table_of(item["table"])
    record_id = uuid.UUID(item["id"])
    if item["row"] is None:
        local.execute(delete(table).where(table.c.id == record_id))
        return
    values = to_python(item["table"], item["row"])
    statement = sqlite_insert(table).values(values)
    changed = {k: statement.excluded[k] for k in values if k != "id"}
    local.execute(statement.on_conflict_do_update(index_elements=["id"], set_=changed))
