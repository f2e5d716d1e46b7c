"""Helpers shared by the services: loading with row locks, version checks, saving a new or
changed record with its audit row, the due rule, labels for messages, and turning
concurrent-write failures into ConflictErrors."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal_desktop import clock
from portal_desktop.errors import ConflictError, NotFoundError, ValidationError
from portal_desktop.models import Enrollment, Entity, Installment, Payment
from portal_desktop.models.enums import AuditAction, EnrollmentStatus, InstallmentStatus
from portal_desktop.services import audit
from portal_desktop.services.context import Actor
from portal_desktop.services.fields import aware_utc
from portal_desktop.services.payment_plans import ZERO, ScheduledInstallment, check_date
from portal_desktop.services.settings import load_settings

T = TypeVar("T", bound=Entity)

# A payment may be entered a few minutes "in the future" when two machines' clocks differ.
CLOCK_SKEW = dt.timedelta(minutes=10)
NOTES_LENGTH = 4000  # enrollments.notes


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


Locked = TypeVar("Locked", Installment, Payment)


def _lock_with_enrollment(
    session: Session, model: type[Locked], record_id: object, field: str
) -> Locked:
    """The record and its enrollment, both locked (enrollment first: no deadlocks)."""
    key = as_id(record_id, field)
    enrollment_id = session.scalar(select(model.enrollment_id).where(model.id == key))
    if enrollment_id is not None:
        get_record(session, Enrollment, enrollment_id, field, lock=True)
    return get_record(session, model, key, field, lock=True)


def lock_installment(session: Session, installment_id: object) -> Installment:
    """The installment and its enrollment, both locked (enrollment first: no deadlocks)."""
    return _lock_with_enrollment(session, Installment, installment_id, "installment_id")


def lock_payment(session: Session, payment_id: object) -> Payment:
    """The payment and its enrollment, both locked (enrollment first)."""
    return _lock_with_enrollment(session, Payment, payment_id, "payment_id")


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


def local_today(session: Session, given: object = None, field: str = "today") -> dt.date:
    """``given`` when there is one (checked to be a date), else today in the installation's
    time zone."""
    if given is not None:
        return check_date(given, field)
    return clock.today(load_settings(session).tz)


def check_not_future(session: Session, day: dt.date, field: str = "day") -> dt.date:
    """``day`` when it is not after today in the installation's time zone, else a
    ValidationError on ``field`` that names today."""
    today = local_today(session)
    if day > today:
        raise ValidationError(
            field, f"{day.isoformat()} is in the future (today is {today.isoformat()})"
        )
    return day


def due_status(due_date: dt.date, grace_days: int, today: dt.date) -> InstallmentStatus:
    """The status of an unpaid installment: OVERDUE once past due date + grace days."""
    if due_date + dt.timedelta(days=grace_days) < today:
        return InstallmentStatus.OVERDUE
    return InstallmentStatus.PENDING


def check_moment(
    value: object, field: str, *, not_before: dt.datetime | None = None
) -> dt.datetime:
    """A timezone-aware moment (in UTC) not in the future, nor before ``not_before``."""
    moment = aware_utc(field, value)
    if moment > clock.now() + CLOCK_SKEW:
        raise ValidationError(
            field, f"{moment.isoformat()} is in the future; give when it happened"
        )
    if not_before is not None and moment < not_before:
        raise ValidationError(
            field, f"{moment.isoformat()} is before {not_before.isoformat()}, which is impossible"
        )
    return moment


def append_note(existing: str | None, line: str, max_length: int) -> str:
    """Notes with one more line; the oldest text is cut when over the column's length."""
    combined = f"{existing}\n{line}" if existing else line
    return combined[-max_length:]


def student_name(enrollment: Enrollment) -> str:
    student = enrollment.student
    return f"{student.first_name} {student.last_name}".strip() or student.email


def enrollment_label(enrollment: Enrollment) -> str:
    return f"{student_name(enrollment)}'s enrollment in {enrollment.program.name}"


def installment_label(installment: Installment) -> str:
    return f"installment {installment.sequence} of {enrollment_label(installment.enrollment)}"


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def require_status(
    enrollment: Enrollment, allowed: tuple[EnrollmentStatus, ...], doing: str
) -> None:
    """Refuse ``doing`` on an enrollment whose status is not one of ``allowed``."""
    if enrollment.status not in allowed:
        words = " or ".join(status.value for status in allowed)
        raise ValidationError(
            "status",
            f"{enrollment_label(enrollment)} is {enrollment.status.value}; "
            f"only an enrollment that is {words} can {doing}",
        )


def add_new(session: Session, model: type[T], **values: object) -> T:
    """A new row added to the session; no autoflush while its relationships are being set
    (a half-built row must not be flushed)."""
    with session.no_autoflush:
        record = model(**values)
        session.add(record)
    return record


def open_installments(session: Session, enrollment_id: uuid.UUID) -> tuple[int, Decimal]:
    """How many installments of the enrollment are still unpaid, and their total."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Installment.amount), ZERO)).where(
            Installment.enrollment_id == enrollment_id,
            Installment.status != InstallmentStatus.PAID,
            Installment.amount > 0,
        )
    ).one()
    return int(count), total


def add_installment(
    session: Session,
    actor: Actor,
    enrollment: Enrollment,
    planned: ScheduledInstallment,
    status: InstallmentStatus,
    notes: str | None = None,
) -> Installment:
    """Insert one installment of ``enrollment`` and its audit row."""
    installment = add_new(
        session,
        Installment,
        enrollment=enrollment,
        sequence=planned.sequence,
        due_date=planned.due_date,
        amount=planned.amount,
        status=status,
        is_down_payment=planned.is_down_payment,
        notes=notes,
    )
    audit.record(session, actor, AuditAction.CREATE, installment)
    return installment


def set_status(
    session: Session,
    actor: Actor,
    enrollment: Enrollment,
    status: EnrollmentStatus,
    at: dt.datetime | None,
    note: str | None = None,
) -> None:
    """Move the enrollment to ``status`` (``at``: its end, or None when it is open again)."""
    old = audit.snapshot(enrollment)
    enrollment.status = status
    enrollment.ended_at = at
    if note:
        enrollment.notes = append_note(enrollment.notes, note, NOTES_LENGTH)
    audit.record(session, actor, AuditAction.UPDATE, enrollment, old=old)


def complete_if_paid(
    session: Session, actor: Actor, enrollment: Enrollment, at: dt.datetime
) -> bool:
    """Mark an ACTIVE (or DEFAULTED) enrollment COMPLETED once nothing is left unpaid."""
    if enrollment.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.DEFAULTED):
        return False
    session.flush()
    if open_installments(session, enrollment.id)[0]:
        return False
    set_status(session, actor, enrollment, EnrollmentStatus.COMPLETED, at)
    return True


def add_schedule(
    session: Session,
    actor: Actor,
    enrollment: Enrollment,
    schedule: list[ScheduledInstallment] | tuple[ScheduledInstallment, ...],
    today: dt.date | None,
) -> None:
    """Insert a schedule's installments, OVERDUE already when past due + grace days."""
    grace = load_settings(session).grace_days
    today = local_today(session, today)
    for planned in schedule:
        add_installment(
            session, actor, enrollment, planned, due_status(planned.due_date, grace, today)
        )
