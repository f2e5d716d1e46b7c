"""The server's side of a push: one change set applied in the caller's server transaction.

Each change meets the server's row as it is now (field-level merge against the change's
``base``), then the services' checks (``rules.py``), then the database's own rules. A refusal
takes the whole change set back (nothing half-applied) and becomes one conflict that keeps
it; a same-field change or a delete that met a change by someone else becomes a conflict
for that record while the rest of the change set is applied. The outcome is plain JSON: it
is stored with the change set's ``sync_applied`` row, so a retry records the same conflicts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from uuid6 import uuid7

from portal_desktop import clock
from portal_desktop.db.pg_audit import ACTION_SETTING
from portal_desktop.models import AuditEntry
from portal_desktop.services.sync import rules
from portal_desktop.services.sync.capture import Change, ChangeSet
from portal_desktop.services.sync.values import table_of, to_python, to_stored

_BOOKKEEPING = ("created_at", "updated_at", "version")


@dataclass
class Outcome:
    """What the server made of one change set."""

    refused: bool = False
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    # Records the replica must take from the server as they are (row None: gone there).
    server_rows: list[dict[str, Any]] = field(default_factory=list)
    inserted: list[str] = field(default_factory=list)  # hex ids of the records it inserts
    replayed: bool = False  # applied by an earlier push (found in sync_applied)

    def as_json(self) -> dict[str, Any]:
        return {
            "refused": self.refused,
            "conflicts": self.conflicts,
            "server_rows": self.server_rows,
            "inserted": self.inserted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(data["refused"], data["conflicts"], data["server_rows"], data["inserted"], True)


def _what(table: str) -> str:
    return table.removesuffix("s").replace("_", " ")


def _server_row(conn: Connection, table: str, record_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(select(table_of(table)).where(table_of(table).c.id == record_id)).first()
    return None if row is None else to_stored(table, row._asdict())


def _who(conn: Connection, table: str, record_id: uuid.UUID | None) -> dict[str, Any]:
    """Who last changed the record on the server and when (from its audit trail, which the
    person's login may not be allowed to read: then nobody is named)."""
    if record_id is None:
        return {}
    query = (
        select(AuditEntry.username, AuditEntry.at)
        .where(AuditEntry.entity == table, AuditEntry.entity_id == record_id)
        .order_by(AuditEntry.at.desc())
        .limit(1)
    )
    try:
        with conn.begin_nested():
            found = conn.execute(query).first()
    except DBAPIError:
        return {}
    return (
        {} if found is None else {"their_person": found.username, "their_at": found.at.isoformat()}
    )


def conflict(
    conn: Connection,
    cs: ChangeSet,
    kind: str,
    table: str,
    record_id: uuid.UUID | None,
    message: str,
    mine: Any,
    theirs: Any,
) -> dict[str, Any]:
    """A conflict as JSON; who and when: of the server's record it met (the lead with my
    email, the installment paid meanwhile), else of the record itself."""
    other = theirs if isinstance(theirs, dict) and "table" in theirs and "id" in theirs else None
    who = (
        _who(conn, other["table"], uuid.UUID(other["id"]))
        if other is not None
        else _who(conn, table, record_id)
    )
    return {
        "id": str(uuid7()),
        "txn_id": str(cs.txn_id),
        "kind": kind,
        "table_name": table,
        "record_id": None if record_id is None else str(record_id),
        "message": message,
        "mine": mine,
        "theirs": theirs,
        **who,
    }


class _RefusedError(Exception):
    def __init__(
        self, kind: str, table: str, record_id: uuid.UUID | None, message: str, theirs: Any = None
    ) -> None:
        super().__init__(message)
        self.kind, self.table, self.record_id, self.theirs = kind, table, record_id, theirs


def apply_change_set(conn: Connection, cs: ChangeSet, refused_ids: set[str]) -> Outcome:
    """Apply ``cs`` in ``conn``'s open transaction (the caller records and commits)."""
    conn.execute(select(func.set_config(ACTION_SETTING, cs.use_case, True)))
    outcome = Outcome(inserted=[c.record_id.hex for c in cs.changes if c.op == "insert"])
    try:
        _needs_nothing_refused(cs, refused_ids)
        try:
            with conn.begin_nested():  # what the database refuses (grants, row security…)
                state = _prefetch(conn, cs)
                with Session(bind=conn) as session:
                    rules.look_ahead(session, [(c.table_name, c.data or {}) for c in cs.changes])
                    writes = [_plan(conn, session, cs, c, state, outcome) for c in cs.changes]
                _run(conn, [w for w in writes if w is not None])
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise  # the connection is gone: the push stops, the change set waits
            raise _RefusedError("rule", cs.changes[0].table_name, None, _words(exc)) from None
    except _RefusedError as refusal:
        return _refuse(conn, cs, refusal)
    return outcome


State = dict[tuple[str, uuid.UUID], dict[str, Any] | None]
"""Each touched record as the server has it, then as the change set leaves it (None: none)."""

_CHUNK = 5000


def _prefetch(conn: Connection, cs: ChangeSet) -> State:
    """The server's rows of every record the change set touches, one query per table."""
    wanted: dict[str, set[uuid.UUID]] = {}
    for change in cs.changes:
        wanted.setdefault(change.table_name, set()).add(change.record_id)
    state: State = {(t, i): None for t, ids in wanted.items() for i in ids}
    for name, ids in wanted.items():
        table, listed = table_of(name), sorted(ids)
        for start in range(0, len(listed), _CHUNK):
            chunk = listed[start : start + _CHUNK]
            for row in conn.execute(select(table).where(table.c.id.in_(chunk))):
                values = row._asdict()
                state[(name, values["id"])] = to_stored(name, values)
    return state


def _run(conn: Connection, writes: list[Any]) -> None:
    """The statements in order; runs of inserts into one table as one executemany."""
    index = 0
    while index < len(writes):
        write = writes[index]
        if not isinstance(write, _Insert):
            conn.execute(write)
            index += 1
            continue
        rows = []
        while index < len(writes) and isinstance(writes[index], _Insert):
            if writes[index].table is not write.table:
                break
            rows.append(writes[index].row)
            index += 1
        conn.execute(insert(write.table), rows)


@dataclass(frozen=True)
class _Insert:
    table: Any
    row: dict[str, Any]


def _needs_nothing_refused(cs: ChangeSet, refused_ids: set[str]) -> None:
    for change in cs.changes:
        values = [change.record_id.hex, *(change.data or {}).values()]
        hit = next((v for v in values if isinstance(v, str) and v in refused_ids), None)
        if hit is not None:
            raise _RefusedError(
                "rule",
                change.table_name,
                change.record_id,
                f"it builds on a record the server refused (id {uuid.UUID(hex=hit)}); "
                "resolve that conflict first",
            )


def _refuse(conn: Connection, cs: ChangeSet, refusal: _RefusedError) -> Outcome:
    """The whole change set refused: one conflict keeps it, the replica takes the server's
    rows of every record it touched."""
    mine = {"use_case": cs.use_case, "changes": [c.as_json() for c in cs.changes]}
    found = conflict(
        conn,
        cs,
        refusal.kind,
        refusal.table,
        refusal.record_id,
        str(refusal),
        mine,
        refusal.theirs,
    )
    touched = sorted({(c.table_name, c.record_id) for c in cs.changes})
    rows = []
    for table, record_id in touched:
        try:
            with conn.begin_nested():
                rows.append(
                    {
                        "table": table,
                        "id": str(record_id),
                        "row": _server_row(conn, table, record_id),
                    }
                )
        except DBAPIError as exc:  # a record the login may not read: the replica keeps its own
            if exc.connection_invalidated:
                raise
    inserted = [c.record_id.hex for c in cs.changes if c.op == "insert"]
    return Outcome(refused=True, conflicts=[found], server_rows=rows, inserted=inserted)


def _plan(
    conn: Connection,
    session: Session,
    cs: ChangeSet,
    change: Change,
    state: State,
    outcome: Outcome,
) -> Any:
    """The write that applies ``change`` (None: nothing to write), after its checks; the
    record's state as the change set leaves it."""
    table, record_id = change.table_name, change.record_id
    key = (table, record_id)
    server = state[key]
    if change.op == "insert":
        if server is not None:
            return None  # there already: this change arrived before
        state[key] = dict(change.data or {})
        return _insert(conn, session, change)
    if change.op == "delete":
        write = _delete(conn, cs, change, server, outcome)
        if write is not None:
            state[key] = None
        return write
    if server is None:
        outcome.conflicts.append(
            conflict(
                conn,
                cs,
                "deleted_there",
                table,
                record_id,
                f"this {_what(table)} was deleted on the server after you changed it here; "
                "restore it with your values, or let it go",
                change.data,
                None,
            )
        )
        outcome.server_rows.append({"table": table, "id": str(record_id), "row": None})
        return None
    write, state[key] = _update(conn, session, cs, change, server, outcome)
    return write


def _insert(conn: Connection, session: Session, change: Change) -> Any:
    table = change.table_name
    row = to_python(table, change.data or {})
    refusal = rules.check(session, table, "insert", change.record_id, row)
    if refusal is None:
        return _Insert(table_of(table), row)
    theirs = None
    if refusal.other_table is not None and refusal.other_id is not None:
        other = _server_row(conn, refusal.other_table, refusal.other_id)
        theirs = {"table": refusal.other_table, "id": str(refusal.other_id), "row": other}
    raise _RefusedError(refusal.kind, table, change.record_id, refusal.message, theirs)


def _update(
    conn: Connection,
    session: Session,
    cs: ChangeSet,
    change: Change,
    server: dict[str, Any],
    outcome: Outcome,
) -> tuple[Any, dict[str, Any]]:
    """The UPDATE of the fields only I changed (none: None), and the row it leaves."""
    table, base = change.table_name, change.base or {}
    mine = change.changed_fields()
    same = {k for k, v in mine.items() if server[k] not in (base.get(k), v)}
    if same:
        outcome.conflicts.append(
            conflict(
                conn,
                cs,
                "same_field",
                table,
                change.record_id,
                f"{', '.join(sorted(same))} of this {_what(table)} changed on the server too; "
                "the server's value stands until you choose",
                {k: mine[k] for k in sorted(same)},
                {k: server[k] for k in sorted(same)},
            )
        )
    apply = {k: v for k, v in mine.items() if k not in same and server[k] != v}
    row = {**server, **apply}
    if same:
        outcome.server_rows.append({"table": table, "id": str(change.record_id), "row": row})
    if not apply:
        return None, row
    merged = to_python(table, {**server, **apply})
    refusal = rules.check(session, table, "update", change.record_id, merged)
    if refusal is not None:
        raise _RefusedError(refusal.kind, table, change.record_id, refusal.message)
    values = to_python(table, apply)
    t = table_of(table)
    statement = (
        update(t)
        .where(t.c.id == change.record_id)
        .values(**values, version=t.c.version + 1, updated_at=clock.now())
    )
    return statement, row


def _delete(
    conn: Connection,
    cs: ChangeSet,
    change: Change,
    server: dict[str, Any] | None,
    outcome: Outcome,
) -> Any:
    table, base = change.table_name, change.base or {}
    if server is None:
        return None  # gone there too
    moved = {k for k in server if k not in _BOOKKEEPING and server[k] != base.get(k)}
    if moved:
        outcome.conflicts.append(
            conflict(
                conn,
                cs,
                "deleted_here",
                table,
                change.record_id,
                f"you deleted this {_what(table)} here, but {', '.join(sorted(moved))} changed "
                "on the server meanwhile; it was kept: restore it, or delete it after all",
                base,
                server,
            )
        )
        outcome.server_rows.append({"table": table, "id": str(change.record_id), "row": server})
        return None
    t = table_of(table)
    return delete(t).where(t.c.id == change.record_id)


def _words(exc: DBAPIError) -> str:
    """The database's refusal in one line (its first line, without SQLAlchemy's extras)."""
    text = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    return f"the server refused it: {text}"
