"""Collections: payments against installments, failed charges, refunds and the overdue roll.

* One PAID payment per installment. A partial payment splits the installment: it keeps the
  paid amount (PAID, with its one payment) and the rest becomes a new unpaid installment with
  the same due date, so the schedule still sums to the contract value. Paying an installment
  that is already paid records nothing and raises ConflictError — checked under a row lock
  (PostgreSQL), by the optimistic ``version`` and, last, by the database's unique index.
* A failed charge is a FAILED payment (``paid_at``: when it was attempted); the installment
  stays due.
* A partial refund keeps the payment PAID and adds to ``refunded_amount``. A full refund makes
  it REFUNDED and reopens its installment, which is owed again (as KPIS.md's receivables count
  it); cancel the enrollment when the student is not expected to pay again.
* The overdue roll: unpaid past due date + grace days → OVERDUE (and back to PENDING when the
  grace or the date moved); idempotent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.errors import ConflictError, ValidationError
from portal_desktop.models import Enrollment, Installment, Payment
from portal_desktop.models.enums import (
    AuditAction,
    EnrollmentStatus,
    InstallmentStatus,
    PaymentMethod,
    PaymentStatus,
)
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.ledger import (
    add_installment,
    append_note,
    check_moment,
    complete_if_paid,
    due_status,
    installment_label,
    local_today,
    lock_installment,
    lock_payment,
    money,
    require_status,
    set_status,
    student_name,
)
from portal_desktop.services.billing.payment_plans import ScheduledInstallment
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.fields import clean_text, parse_enum
from portal_desktop.services.common.money import parse_money
from portal_desktop.services.common.records import add_new, check_version, conflicts_as
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.common.words import enum_label

COLLECTING = (EnrollmentStatus.ACTIVE, EnrollmentStatus.DEFAULTED)
PAYMENT_NOTES_LENGTH = 2000
INSTALLMENT_NOTES_LENGTH = 2000


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    remainder: Installment | None  # the new installment holding what a partial payment left
    completed: bool  # the payment completed the enrollment


@dataclass(frozen=True)
class RollResult:
    overdue: int  # PENDING → OVERDUE
    pending: int  # OVERDUE → PENDING (due date moved, or more grace days)


def _local_day(session: Session, moment: dt.datetime) -> str:
    return moment.astimezone(load_settings(session).tz).date().isoformat()


def refuse_if_paid(session: Session, installment: Installment, what: str) -> None:
    if installment.status is not InstallmentStatus.PAID:
        return
    paid = session.scalar(
        select(Payment).where(
            Payment.installment_id == installment.id, Payment.status == PaymentStatus.PAID
        )
    )
    when = f" on {_local_day(session, paid.paid_at)}" if paid and paid.paid_at else ""
    raise ConflictError(f"{installment_label(installment)} was already paid{when} — {what}")


def _amount_due(installment: Installment, amount: object) -> Decimal:
    if not installment.amount:
        raise ValidationError(
            "installment_id", f"nothing is due on {installment_label(installment)} (0.00)"
        )
    if amount is None:
        return installment.amount
    value = parse_money(amount, "amount", maximum=None)
    if value > installment.amount:
        raise ValidationError(
            "amount",
            f"{money(value)} is more than the {money(installment.amount)} due on "
            f"{installment_label(installment)}; record the rest against the next installment",
        )
    return value


@use_case
def record_payment(
    session: Session,
    actor: Actor,
    installment_id: uuid.UUID,
    amount: Decimal | int | str | None = None,
    *,
    paid_at: dt.datetime | None = None,
    method: PaymentMethod | str = PaymentMethod.CARD,
    reference: str | None = None,
    notes: str | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> PaymentResult:
    """Record money received for an installment (``amount`` None: all of it)."""
    actor.require(Permission.RECORD_PAYMENTS)
    installment = lock_installment(session, installment_id)
    label = installment_label(installment)
    refuse_if_paid(session, installment, "nothing was recorded")
    check_version(installment, expected_version, label)
    enrollment = installment.enrollment
    require_status(enrollment, COLLECTING, "take payments")
    value = _amount_due(installment, amount)
    when = check_moment(paid_at or clock.now(), "paid_at")
    how = parse_enum(method, PaymentMethod, "method")
    reference = clean_text("reference", reference, max_length=200)
    notes = clean_text("notes", notes, max_length=PAYMENT_NOTES_LENGTH)
    with conflicts_as(
        f"{label} was just paid from another window or machine — nothing was recorded; "
        "refresh to see it"
    ):
        old = audit.snapshot(installment)
        remainder = _split_off_rest(session, actor, installment, value, when, today)
        installment.status = InstallmentStatus.PAID
        audit.record(session, actor, AuditAction.UPDATE, installment, old=old)
        payment = add_new(
            session,
            Payment,
            enrollment=enrollment,
            installment=installment,
            amount=value,
            status=PaymentStatus.PAID,
            paid_at=when,
            method=how,
            reference=reference,
            notes=notes,
        )
        audit.record(session, actor, AuditAction.CREATE, payment)
        completed = complete_if_paid(session, actor, enrollment, when)
        session.flush()
    return PaymentResult(payment, remainder, completed)


def _split_off_rest(
    session: Session,
    actor: Actor,
    installment: Installment,
    paid: Decimal,
    when: dt.datetime,
    today: dt.date | None,
) -> Installment | None:
    """After a partial payment: the installment keeps ``paid``; the rest is a new one."""
    rest = installment.amount - paid
    if not rest:
        return None
    installment.amount = paid
    last = session.scalar(
        select(func.max(Installment.sequence)).where(
            Installment.enrollment_id == installment.enrollment_id
        )
    )
    planned = ScheduledInstallment((last or 0) + 1, installment.due_date, rest)
    status = due_status(
        installment.due_date, load_settings(session).grace_days, local_today(session, today)
    )
    note = (
        f"rest of installment {installment.sequence} after a partial payment of "
        f"{money(paid)} on {_local_day(session, when)}"
    )
    return add_installment(session, actor, installment.enrollment, planned, status, note)


@use_case
def record_failed_charge(
    session: Session,
    actor: Actor,
    installment_id: uuid.UUID,
    reason: str,
    amount: Decimal | int | str | None = None,
    *,
    attempted_at: dt.datetime | None = None,
    method: PaymentMethod | str = PaymentMethod.CARD,
    reference: str | None = None,
) -> Payment:
    """Record a charge that failed (declined card, bounced transfer); the installment stays due."""
    actor.require(Permission.RECORD_PAYMENTS)
    installment = lock_installment(session, installment_id)
    refuse_if_paid(session, installment, "the failed charge was not recorded")
    require_status(installment.enrollment, COLLECTING, "take payments")
    values = {
        "amount": _amount_due(installment, amount),
        "paid_at": check_moment(attempted_at or clock.now(), "attempted_at"),
        "method": parse_enum(method, PaymentMethod, "method"),
        "reference": clean_text("reference", reference, max_length=200),
        "failure_reason": clean_text("reason", reason, max_length=500, required=True),
    }
    with conflicts_as(f"{installment_label(installment)} changed elsewhere — try again"):
        payment = add_new(
            session,
            Payment,
            enrollment=installment.enrollment,
            installment=installment,
            status=PaymentStatus.FAILED,
            **values,
        )
        audit.record(session, actor, AuditAction.CREATE, payment)
    return payment


@use_case
def refund_payment(
    session: Session,
    actor: Actor,
    payment_id: uuid.UUID,
    amount: Decimal | int | str | None = None,
    *,
    refunded_at: dt.datetime | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Payment:
    """Give money back (ADMIN): all that is left of the payment when ``amount`` is None."""
    actor.require(Permission.REFUND_PAYMENTS)
    payment = lock_payment(session, payment_id)
    what = f"the {money(payment.amount)} payment of {student_name(payment.enrollment)}"
    if payment.status is PaymentStatus.REFUNDED:
        day = _local_day(session, payment.refunded_at) if payment.refunded_at else "earlier"
        raise ConflictError(f"{what} was already refunded in full on {day} — nothing was refunded")
    check_version(payment, expected_version, what)
    if payment.status is not PaymentStatus.PAID:
        raise ValidationError(
            "payment_id",
            f"{what} is {enum_label(payment.status).lower()}: no money was received, "
            "so none can be refunded",
        )
    refundable = payment.amount - payment.refunded_amount
    value = refundable if amount is None else parse_money(amount, "amount", maximum=None)
    if value > refundable:
        raise ValidationError(
            "amount", f"{money(value)} is more than the {money(refundable)} left to refund"
        )
    when = check_moment(refunded_at or clock.now(), "refunded_at", not_before=payment.paid_at)
    text = clean_text("reason", reason, max_length=500)
    with conflicts_as(f"{what} was changed elsewhere at the same time — try again"):
        old = audit.snapshot(payment)
        payment.refunded_amount += value
        payment.refunded_at = when
        line = f"refunded {money(value)} on {_local_day(session, when)}" + (
            f": {text}" if text else ""
        )
        payment.notes = append_note(payment.notes, line, PAYMENT_NOTES_LENGTH)
        if payment.refunded_amount == payment.amount:
            payment.status = PaymentStatus.REFUNDED
            _reopen(session, actor, payment, today)
        audit.record(session, actor, AuditAction.UPDATE, payment, old=old)
        session.flush()
    return payment


def _reopen(session: Session, actor: Actor, payment: Payment, today: dt.date | None) -> None:
    """A fully refunded installment is owed again; a COMPLETED enrollment is open again."""
    installment = payment.installment
    if installment is not None and installment.status is InstallmentStatus.PAID:
        old = audit.snapshot(installment)
        installment.status = due_status(
            installment.due_date,
            load_settings(session).grace_days,
            local_today(session, today),
        )
        installment.notes = append_note(
            installment.notes, "reopened by a full refund", INSTALLMENT_NOTES_LENGTH
        )
        audit.record(session, actor, AuditAction.UPDATE, installment, old=old)
    enrollment = payment.enrollment
    if enrollment.status is EnrollmentStatus.COMPLETED:
        set_status(session, actor, enrollment, EnrollmentStatus.ACTIVE, None, "reopened: refund")


@use_case
def roll_overdue(session: Session, actor: Actor, today: dt.date | None = None) -> RollResult:
    """Unpaid installments past due + grace days become OVERDUE; those no longer past it
    become PENDING again. Idempotent; run at start-up and on demand."""
    today = local_today(session, today)
    last_on_time = today - dt.timedelta(days=load_settings(session).grace_days)
    late = Installment.due_date < last_on_time
    rows = session.scalars(
        select(Installment)
        .join(Enrollment, Installment.enrollment_id == Enrollment.id)
        .where(
            Enrollment.status != EnrollmentStatus.CANCELLED,
            Installment.amount > 0,
            ((Installment.status == InstallmentStatus.PENDING) & late)
            | ((Installment.status == InstallmentStatus.OVERDUE) & ~late),
        )
        .order_by(Installment.id)
        .with_for_update(of=Installment)
        .execution_options(populate_existing=True)
    ).all()
    counts = {InstallmentStatus.OVERDUE: 0, InstallmentStatus.PENDING: 0}
    with conflicts_as("another window or machine is updating the same installments — try again"):
        for installment in rows:
            old = audit.snapshot(installment)
            installment.status = (
                InstallmentStatus.PENDING
                if installment.status is InstallmentStatus.OVERDUE
                else InstallmentStatus.OVERDUE
            )
            counts[installment.status] += 1
            audit.record(
                session, actor, AuditAction.UPDATE, installment, old=old, summary="overdue roll"
            )
        session.flush()
    return RollResult(counts[InstallmentStatus.OVERDUE], counts[InstallmentStatus.PENDING])
