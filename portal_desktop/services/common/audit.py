"""Write audit rows: who changed which record, when, with old and new values.

On a shared PostgreSQL database the database writes them (``db/pg_audit.py``): a person's
login may not write ``audit_log`` at all, and :func:`record` leaves it to the trigger, which
stores the login (``session_user``) and the use case this module names in the transaction
(``portal.audit_action``, set when a use case begins). The schema owner's sessions (seeding,
maintenance commands, the tests) still write the app's own rows, as on SQLite; the trigger
then leaves those records alone so that nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, event, func, inspect, select
from sqlalchemy.orm import Session, SessionTransaction

from portal_desktop.db.pg_audit import ACTION_SETTING
from portal_desktop.db.sync_capture import USE_CASE_KEY
from portal_desktop.models import AuditEntry, Entity
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.common.context import Actor

_SKIPPED = {"created_at", "updated_at", "version", "password_hash"}
_USE_CASE_KEY = USE_CASE_KEY  # the replica's outbox triggers read it too
_MAY_WRITE_KEY = "portal_may_write_audit"


def name_use_case(session: Session, name: str | None) -> None:
    """The use case now running on ``session`` (None: it ended). On PostgreSQL its name goes
    into the transaction for the audit trigger, now if one is open, else when it begins."""
    session.info[_USE_CASE_KEY] = name
    if name is not None and session.in_transaction():
        _tell_database(session.connection(), name)


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    name = session.info.get(_USE_CASE_KEY)
    if name is not None:
        _tell_database(connection, name)


def _tell_database(connection: Connection, name: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.set_config(ACTION_SETTING, name, True)))


def _may_write(session: Session) -> bool:
    """Whether this session's login writes audit rows itself (SQLite; the PostgreSQL owner)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return True
    if _MAY_WRITE_KEY not in connection.info:
        query = select(func.has_table_privilege("audit_log", "INSERT"))
        connection.info[_MAY_WRITE_KEY] = bool(connection.scalar(query))
    return bool(connection.info[_MAY_WRITE_KEY])


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a column value (money as exact strings)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(record: Entity) -> dict[str, Any]:
    """The record's column values as plain JSON values (secrets left out)."""
    mapper = inspect(type(record))
    return {
        attr.key: _plain(getattr(record, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in _SKIPPED
    }


def record(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity: Entity,
    old: dict[str, Any] | None = None,
    summary: str | None = None,
) -> AuditEntry | None:
    """Add an audit row for ``entity`` in the caller's transaction.

    For UPDATE pass ``old`` (a :func:`snapshot` taken before the change); only the fields
    that changed are kept. DELETE keeps the old values only. None: the database's trigger
    recorded the change (a person's login on a shared database).
    """
    session.flush()
    if not _may_write(session):
        return None
    new = None if action is AuditAction.DELETE else snapshot(entity)
    if action is AuditAction.DELETE:
        old = snapshot(entity) if old is None else old
    if action is AuditAction.UPDATE and old is not None and new is not None:
        changed = {k for k in new if old.get(k) != new[k]}
        old = {k: old.get(k) for k in changed}
        new = {k: new[k] for k in changed}
    entry = AuditEntry(
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        entity=type(entity).__tablename__,
        entity_id=entity.id,
        old_values=old,
        new_values=new,
        summary=summary,
    )
    session.add(entry)
    return entry
