"""Changing an enrollment's plan: move one installment, or re-plan everything still unpaid.

The total and the paid part never change: paid installments stay as they are and the unpaid
ones are replaced by a new schedule of the same remaining amount (see
:func:`portal_desktop.services.billing.payment_plans.preview_plan_change`, which a screen can call
to
show the new schedule before saving). Failed charges on a removed installment stay on the
enrollment, unlinked from it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop.errors import ValidationError
from portal_desktop.models import Enrollment, Installment, Payment
from portal_desktop.models.enums import (
    AuditAction,
    EnrollmentStatus,
    InstallmentStatus,
    PaymentFrequency,
    PlanType,
)
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.ledger import (
    NOTES_LENGTH,
    add_schedule,
    append_note,
    due_status,
    enrollment_label,
    installment_label,
    local_today,
    lock_installment,
    money,
    require_status,
)
from portal_desktop.services.billing.payment_plans import (
    PlanChange,
    ScheduledInstallment,
    preview_plan_change,
)
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.fields import check_date, parse_enum
from portal_desktop.services.common.money import ZERO
from portal_desktop.services.common.records import check_version, conflicts_as, get_record
from portal_desktop.services.common.transaction import use_case

OPEN = (EnrollmentStatus.ACTIVE,)


@use_case
def reschedule_installment(
    session: Session,
    actor: Actor,
    installment_id: uuid.UUID,
    due_date: dt.date,
    *,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Installment:
    """Move one unpaid installment to another due date (its status follows the new date)."""
    actor.require(Permission.EDIT_ENROLLMENTS)
    installment = lock_installment(session, installment_id)
    check_version(installment, expected_version, installment_label(installment))
    enrollment = installment.enrollment
    require_status(enrollment, OPEN, "be rescheduled")
    if installment.status is InstallmentStatus.PAID:
        raise ValidationError(
            "installment_id", f"{installment_label(installment)} is paid; it cannot be moved"
        )
    new_date = check_date(due_date, "due_date")
    _not_before_start(enrollment, new_date, "due_date")
    old = audit.snapshot(installment)
    installment.due_date = new_date
    installment.status = due_status(
        new_date, load_settings(session).grace_days, local_today(session, today)
    )
    with conflicts_as(f"{installment_label(installment)} was changed elsewhere — try again"):
        audit.record(session, actor, AuditAction.UPDATE, installment, old=old)
    return installment


def _not_before_start(enrollment: Enrollment, day: dt.date, field: str) -> None:
    if day < enrollment.start_date:
        raise ValidationError(
            field,
            f"{day.isoformat()} is before the enrollment's start date "
            f"{enrollment.start_date.isoformat()}",
        )


def _planned(installment: Installment) -> ScheduledInstallment:
    return ScheduledInstallment(
        installment.sequence,
        installment.due_date,
        installment.amount,
        installment.is_down_payment,
    )


def _schedule(session: Session, enrollment_id: uuid.UUID) -> list[Installment]:
    return list(
        session.scalars(
            select(Installment)
            .where(Installment.enrollment_id == enrollment_id)
            .order_by(Installment.due_date, Installment.sequence)
        )
    )


def _plan_change(
    session: Session,
    enrollment: Enrollment,
    installments: int,
    frequency: PaymentFrequency | str,
    first_due_date: dt.date,
) -> tuple[PlanChange, list[Installment]]:
    require_status(enrollment, OPEN, "change its plan")
    _not_before_start(enrollment, check_date(first_due_date, "first_due_date"), "first_due_date")
    rows = _schedule(session, enrollment.id)
    paid = [_planned(row) for row in rows if row.status is InstallmentStatus.PAID]
    unpaid_rows = [row for row in rows if row.status is not InstallmentStatus.PAID]
    change = preview_plan_change(
        paid, [_planned(row) for row in unpaid_rows], installments, frequency, first_due_date
    )
    return change, unpaid_rows


@use_case
def preview_remaining_plan(
    session: Session,
    actor: Actor,
    enrollment_id: uuid.UUID,
    installments: int,
    frequency: PaymentFrequency | str,
    first_due_date: dt.date,
) -> PlanChange:
    """What :func:`change_remaining_plan` would save, without saving anything."""
    actor.require(Permission.VIEW_FINANCE)
    enrollment = get_record(session, Enrollment, enrollment_id, "enrollment_id")
    return _plan_change(session, enrollment, installments, frequency, first_due_date)[0]


@use_case
def change_remaining_plan(
    session: Session,
    actor: Actor,
    enrollment_id: uuid.UUID,
    installments: int,
    frequency: PaymentFrequency | str,
    first_due_date: dt.date,
    *,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> PlanChange:
    """Replace the unpaid installments by a new plan; the total and the paid part stay.

    Failed charges on a removed installment stay on the enrollment, unlinked from it.
    """
    actor.require(Permission.EDIT_ENROLLMENTS)
    today = local_today(session, today)
    enrollment = get_record(session, Enrollment, enrollment_id, "enrollment_id", lock=True)
    label = enrollment_label(enrollment)
    check_version(enrollment, expected_version, label)
    change, unpaid_rows = _plan_change(session, enrollment, installments, frequency, first_due_date)
    with conflicts_as(f"{label} was changed elsewhere at the same time — try again"):
        for row in unpaid_rows:
            _delete_installment(session, actor, row)
        session.flush()
        add_schedule(session, actor, enrollment, change.new, today)
        old = audit.snapshot(enrollment)
        if any(item.is_down_payment for item in change.replaced):
            enrollment.down_payment = ZERO
        enrollment.installment_count = sum(
            1 for item in (*change.kept, *change.new) if not item.is_down_payment
        )
        enrollment.payment_frequency = parse_enum(frequency, PaymentFrequency, "frequency")
        if len(change.kept) + len(change.new) > 1:
            enrollment.plan_type = PlanType.SPLIT
        enrollment.notes = append_note(
            enrollment.notes,
            f"{today.isoformat()} {actor.username}: remaining "
            f"{money(change.remaining)} re-planned over {len(change.new)} installments",
            NOTES_LENGTH,
        )
        audit.record(session, actor, AuditAction.UPDATE, enrollment, old=old)
        session.flush()
    return change


def _delete_installment(session: Session, actor: Actor, installment: Installment) -> None:
    attempts = session.scalars(
        select(Payment).where(Payment.installment_id == installment.id)
    ).all()
    for payment in attempts:
        old = audit.snapshot(payment)
        payment.installment = None
        audit.record(session, actor, AuditAction.UPDATE, payment, old=old)
    audit.record(session, actor, AuditAction.DELETE, installment)
    session.delete(installment)
