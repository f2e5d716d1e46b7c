"""Write audit rows: who changed which record, when, with old and new values."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from portal_desktop.models import AuditEntry, Entity
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.common.context import Actor

_SKIPPED = {"created_at", "updated_at", "version", "password_hash"}


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
) -> AuditEntry:
    """Add an audit row for ``entity`` in the caller's transaction.

    For UPDATE pass ``old`` (a :func:`snapshot` taken before the change); only the fields
    that changed are kept. DELETE keeps the old values only.
    """
    session.flush()
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
