"""What the money services share: an installment or payment loaded with its enrollment
locked, the due rule, the installment and status bookkeeping of a schedule, moments and days
checked against the installation's clock, and labels for messages. (Loading and saving any
record, with its audit row and lost races in words: services.common.records.)"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.errors import ValidationError
from portal_desktop.models import Enrollment, Installment, Payment
from portal_desktop.models.enums import AuditAction, EnrollmentStatus, InstallmentStatus
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.payment_plans import ScheduledInstallment
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor
from portal_desktop.services.common.fields import aware_utc, check_date
from portal_desktop.services.common.money import ZERO
from portal_desktop.services.common.records import add_new, as_id, get_record
from portal_desktop.services.common.words import enum_label

# A payment may be entered a few minutes "in the future" when two machines' clocks differ.
CLOCK_SKEW = dt.timedelta(minutes=10)
NOTES_LENGTH = 4000  # enrollments.notes


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
        words = " or ".join(enum_label(status).lower() for status in allowed)
        raise ValidationError(
            "status",
            f"{enrollment_label(enrollment)} is {enum_label(enrollment.status).lower()}; "
            f"only an enrollment that is {words} can {doing}",
        )


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
