"""The SQL half of a replica's outbox: triggers that record every local change in
``sync_outbox`` in the very transaction that makes it, and the per-connection SQLite functions
they call (registered on every SQLite connection by ``db/engine.py``).

Triggers, not ORM events: an import's ``executemany`` (``db/bulk.py``), a statement ``UPDATE``
and an ORM flush are all caught the same way, and a rollback takes the outbox rows with it.

* ``portal_sync_on()`` — 0 while capture is paused on this connection (the pull writes the
  server's rows: they must not go back), else 1.
* ``portal_sync_txn()`` — the change set: one UUIDv7 per local transaction (a new one after
  each begin, commit or rollback of the connection).
* ``portal_sync_use_case()`` — the use case running (``services/common/audit.py`` names it on
  the Session), or ``statement`` for writes made outside one.
* ``portal_sync_id()`` / ``portal_sync_now()`` — a UUIDv7 per change, the time (UTC).

A connection without these functions (another program) cannot write to a captured table at
all ("no such function"): a replica's change is never made without its outbox row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.orm import Session, SessionTransaction
from uuid6 import uuid7

from portal_desktop import clock
from portal_desktop.db.pg_audit import AUDITED
from portal_desktop.errors import PermissionDeniedError

USE_CASE_KEY = "portal_use_case"
"""Where the running use case's name lives in ``Session.info`` (set by the audit module)."""

STATE_KEY = "portal_sync_capture"

CAPTURED = tuple(table for table in AUDITED if table != "users")
"""The records a replica pushes: every audited record but logins (they need the server).
The rollup tables are derived (each database computes its own); the audit trail is written
by the server itself when the change arrives."""

LOGIN_COLUMNS = ("username", "role", "active", "password_hash", "must_change_password")

LOGINS_NEED_THE_SERVER = (
    "creating or changing logins needs the server: this is an offline replica; "
    "connect to the shared database to add a person or change a login"
)


@dataclass
class CaptureState:
    """What the capture functions of one SQLite connection know."""

    paused: int = 0
    txn: str | None = None
    session_info: dict[str, Any] | None = field(default=None, repr=False)

    def txn_id(self) -> str:
        if self.txn is None:
            self.txn = uuid7().hex
        return self.txn

    def use_case(self) -> str:
        name = (self.session_info or {}).get(USE_CASE_KEY)
        return str(name) if name else "statement"

    def new_transaction(self) -> None:
        self.txn = None


def register_functions(dbapi_connection: Any, record: Any) -> None:
    """Give a new SQLite connection the capture functions (a ``connect`` listener)."""
    state = CaptureState()
    record.info[STATE_KEY] = state
    dbapi_connection.create_function("portal_sync_on", 0, lambda: 0 if state.paused else 1)
    dbapi_connection.create_function("portal_sync_txn", 0, state.txn_id)
    dbapi_connection.create_function("portal_sync_use_case", 0, state.use_case)
    dbapi_connection.create_function("portal_sync_id", 0, lambda: uuid7().hex)
    dbapi_connection.create_function("portal_sync_now", 0, _now_text)


def _now_text() -> str:
    return clock.now().replace(tzinfo=None).isoformat(" ", "microseconds")


def state_of(connection: Connection) -> CaptureState:
    """The capture state of a SQLAlchemy connection to a SQLite database."""
    state = connection.info.get(STATE_KEY)
    if state is None:
        raise RuntimeError("this connection has no capture functions (not made by make_engine)")
    return state


def watch_transactions(engine: Engine) -> None:
    """A new change set after every begin, commit and rollback (and when the pool resets)."""

    def fresh(connection: Connection, *_args: Any) -> None:
        state = connection.info.get(STATE_KEY)
        if state is not None:
            state.new_transaction()
            state.session_info = None

    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, fresh)

    def reset(_dbapi: Any, record: Any, *_args: Any) -> None:
        state = record.info.get(STATE_KEY)
        if state is not None:
            state.new_transaction()
            state.session_info = None

    event.listen(engine.pool, "checkin", reset)
    event.listen(engine, "handle_error", _in_words)


def _in_words(context: Any) -> BaseException | None:
    """The replica's refusal of a login change, raised as the app's own error (in words)."""
    if LOGINS_NEED_THE_SERVER in str(context.original_exception):
        return PermissionDeniedError(LOGINS_NEED_THE_SERVER)
    return None


@event.listens_for(Session, "after_begin")
def _tell_capture(session: Session, _txn: SessionTransaction, connection: Connection) -> None:
    state = connection.info.get(STATE_KEY)
    if state is not None:
        state.session_info = session.info


def trigger_statements(tables: Iterable[Table], users: Table) -> list[str]:
    """DROP and CREATE of every capture trigger, and of the guard on logins."""
    statements: list[str] = []
    for table in tables:
        statements += _table_triggers(table)
    guard = f"SELECT RAISE(ABORT, '{LOGINS_NEED_THE_SERVER}')"
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in LOGIN_COLUMNS)
    statements += [
        "DROP TRIGGER IF EXISTS portal_sync_users_insert",
        "DROP TRIGGER IF EXISTS portal_sync_users_update",
        f"CREATE TRIGGER portal_sync_users_insert BEFORE INSERT ON {users.name} "
        f"WHEN portal_sync_on() BEGIN {guard}; END",
        f"CREATE TRIGGER portal_sync_users_update BEFORE UPDATE ON {users.name} "
        f"WHEN portal_sync_on() AND ({changed}) BEGIN {guard}; END",
    ]
    return statements


def drop_statements(tables: Iterable[Table]) -> list[str]:
    names = [f"{t.name}_{op}" for t in tables for op in ("insert", "update", "delete")]
    return [f"DROP TRIGGER IF EXISTS portal_sync_{n}" for n in [*names, "users_insert"]] + [
        "DROP TRIGGER IF EXISTS portal_sync_users_update"
    ]


_OUTBOX_COLUMNS = (
    "change_id, txn_id, use_case, table_name, record_id, op, base_version, base, data, "
    "person_id, made_at"
)
_PERSON = "(SELECT replace(value, '-', '') FROM sync_state WHERE key = 'person_id')"


def _row(table: Table, alias: str) -> str:
    pairs = ", ".join(f"'{c.name}', {alias}.{c.name}" for c in table.columns)
    return f"json_object({pairs})"


def _table_triggers(table: Table) -> list[str]:
    name = table.name
    common = "portal_sync_id(), portal_sync_txn(), portal_sync_use_case()"
    tail = f"{_PERSON}, portal_sync_now()"
    changed = " OR ".join(f"OLD.{c.name} IS NOT NEW.{c.name}" for c in table.columns)
    bodies = {
        "insert": (
            "",
            f"'{name}', NEW.id, 'insert', NULL, NULL, {_row(table, 'NEW')}",
        ),
        "update": (
            f" AND ({changed})",
            f"'{name}', NEW.id, 'update', OLD.version, {_row(table, 'OLD')}, {_row(table, 'NEW')}",
        ),
        "delete": (
            "",
            f"'{name}', OLD.id, 'delete', OLD.version, {_row(table, 'OLD')}, NULL",
        ),
    }
    statements = []
    for op, (when, values) in bodies.items():
        trigger = f"portal_sync_{name}_{op}"
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger}",
            f"CREATE TRIGGER {trigger} AFTER {op.upper()} ON {name} WHEN portal_sync_on(){when} "
            f"BEGIN INSERT INTO sync_outbox ({_OUTBOX_COLUMNS}) "
            f"VALUES ({common}, {values}, {tail}); END",
        ]
    return statements


def install_triggers(engine: Engine) -> None:
    """Make a replica capture its changes (idempotent; the replica's tables must exist)."""
    from portal_desktop.models import Base

    tables = [Base.metadata.tables[name] for name in CAPTURED]
    with engine.begin() as connection:
        for statement in trigger_statements(tables, Base.metadata.tables["users"]):
            connection.exec_driver_sql(statement)
