"""Loading and saving records the way every use case does: by id (optionally locked), with a
version check, a new or changed record saved with its audit row, and a write that lost a race
to another machine turned into a ConflictError in words."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal_desktop.errors import ConflictError, NotFoundError, ValidationError
from portal_desktop.models import Entity
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor

T = TypeVar("T", bound=Entity)


def as_id(value: object, field: str) -> uuid.UUID:
    """A record id from a UUID or its text, or a ValidationError on ``field``."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(field, f"'{value}' is not a record id") from None


def get_record(
    session: Session, model: type[T], record_id: object, field: str, *, lock: bool = False
) -> T:
    """The record with this id, or NotFoundError naming ``field``.

    ``lock``: hold the row (``SELECT … FOR UPDATE`` on PostgreSQL) until the transaction ends,
    so a second window or machine waits and then sees this one's change (the row is then
    read again even when the session already holds it).
    """
    stmt = select(model).where(model.id == as_id(record_id, field))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None:
        label = model.__tablename__.rstrip("s").replace("_", " ")
        raise NotFoundError(
            f"{field}: there is no {label} with id {record_id}; it may have been deleted "
            "on another machine — refresh the list"
        )
    return found


def check_version(record: Entity, expected_version: int | None, what: str) -> None:
    """Refuse to act on a record that changed since the caller read it."""
    if expected_version is not None and record.version != expected_version:
        raise ConflictError(
            f"{what} was changed in another window or on another machine since you opened "
            "it — nothing was saved; refresh and try again"
        )


def add_record(session: Session, actor: Actor, record: T, flush: Callable[[T], None]) -> T:
    """Insert a new, checked ``record``: add it, ``flush`` it (the caller turns a lost race
    into its own message) and audit its CREATE."""
    session.add(record)
    flush(record)
    audit.record(session, actor, AuditAction.CREATE, record)
    return record


def apply_changes(
    session: Session,
    actor: Actor,
    record: T,
    values: Mapping[str, Any],
    flush: Callable[[T], None],
    check: Callable[[T], None] | None = None,
) -> T:
    """Set cleaned ``values`` on a loaded (and version-checked) ``record``, then ``check`` it
    (without autoflush: a check may query). When that changed anything, ``flush`` (the caller
    turns a lost race into its own message) and audit the UPDATE with the changed fields."""
    before = audit.snapshot(record)
    with session.no_autoflush:
        for key, value in values.items():
            setattr(record, key, value)
        if check is not None:
            check(record)
    if session.is_modified(record):
        flush(record)
        audit.record(session, actor, AuditAction.UPDATE, record, old=before)
    return record


def upsert_record(
    session: Session,
    actor: Actor,
    model: type[T],
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    flush: Callable[[T], None],
) -> tuple[T, bool]:
    """The ``model`` row with the ``key`` column values (e.g. a campaign and a day), created
    or overwritten with ``values``; ``flush`` it (the caller words a lost race), then audit a
    CREATE, or an UPDATE when something changed. Returns the row and whether it is new."""
    record = session.scalar(select(model).filter_by(**key))
    created = record is None
    before = None
    if record is None:
        record = model(**key)
        session.add(record)
    else:
        before = audit.snapshot(record)
    for field, value in values.items():
        setattr(record, field, value)
    flush(record)
    if created:
        audit.record(session, actor, AuditAction.CREATE, record)
    elif before != audit.snapshot(record):
        audit.record(session, actor, AuditAction.UPDATE, record, old=before)
    return record, created


# Integrity errors a concurrent writer causes: a unique index hit (someone else inserted the
# same thing first) or a foreign key to a row deleted meanwhile. Others are bugs: re-raised.
_RACE_SQLSTATES = {"23505", "23503"}


_RACE_SQLITE_WORDS = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


def _lost_race(error: IntegrityError) -> bool:
    if getattr(error.orig, "sqlstate", None) in _RACE_SQLSTATES:
        return True
    return any(words in str(error.orig) for words in _RACE_SQLITE_WORDS)


@contextmanager
def conflicts_as(message: str) -> Iterator[None]:
    """Turn a lost race (unique index hit, stale version) into a ConflictError in words."""
    try:
        yield
    except StaleDataError:
        raise ConflictError(message) from None
    except IntegrityError as error:
        if not _lost_race(error):
            raise
        raise ConflictError(message) from None


def flush_as(session: Session, message: str) -> None:
    """Flush; a lost race (unique index hit, stale version) becomes ConflictError(message)."""
    with conflicts_as(message):
        session.flush()


def add_new(session: Session, model: type[T], **values: object) -> T:
    """A new row added to the session; no autoflush while its relationships are being set
    (a half-built row must not be flushed)."""
    with session.no_autoflush:
        record = model(**values)
        session.add(record)
    return record
