"""What students still owe, for the Payment-schedules screen: aging, open balances, dunning.

Receivables follow KPIS.md exactly, so these lists and the KPI report agree: as of a day
``as_of``, over the installments of enrollments that started on or before it and are not
CANCELLED, each installment's balance is its amount minus the PAID payment linked to it with
``paid_at`` on or before ``as_of`` (local day of the installation), never below 0. Aging is by
days past due, ``as_of - due_date``: 1-30, 31-60, 61-90, over 90; the grace period does not
change aging. The dunning list is operational: installments past due + grace days today on
ACTIVE enrollments, with the student's contact details and the failed attempts so far.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import KW_ONLY, asdict, dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.clock import end_of_day_utc
from portal_desktop.db.aging import AGING_BUCKETS, aging_condition
from portal_desktop.errors import ValidationError
from portal_desktop.models import Enrollment, Installment, Payment, Program, Student
from portal_desktop.models.enums import EnrollmentStatus, InstallmentStatus, PaymentStatus
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.ledger import local_today
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.money import ZERO
from portal_desktop.services.common.records import get_record
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.reporting.kpi_money import (
    Receivables,
    installment_balance,
    installment_totals,
    open_enrollment,
    paid_payment_of_installment,
    with_paid_payment,
)
from portal_desktop.services.reporting.rollups import fresh_snapshot

MAX_PAGE = 1000


class AgingBucket(StrEnum):
    NOT_YET_DUE = "not yet due"
    DAYS_1_30 = "1-30 days"
    DAYS_31_60 = "31-60 days"
    DAYS_61_90 = "61-90 days"
    DAYS_90_PLUS = "over 90 days"


# The Receivables/Aging field of each bucket (kpi_money's AGING_KEYS).
_AGING_FIELDS = {
    AgingBucket.NOT_YET_DUE: "not_yet_due",
    AgingBucket.DAYS_1_30: "overdue_1_30",
    AgingBucket.DAYS_31_60: "overdue_31_60",
    AgingBucket.DAYS_61_90: "overdue_61_90",
    AgingBucket.DAYS_90_PLUS: "overdue_90_plus",
}

# Days past due of each overdue bucket: (fewest, most or None for no limit), from kpi_money.
_OVERDUE_DAYS: dict[AgingBucket, tuple[int, int | None]] = {
    bucket: (fewest, most)
    for bucket, field in _AGING_FIELDS.items()
    for key, fewest, most in AGING_BUCKETS
    if key == field
}


@dataclass(frozen=True)
class Aging(Receivables):
    """Receivables as of a day, split by age (KPIS.md's names): the KPI's fields and
    ``overdue``, plus the day (keyword-only, as ``aging_summary`` passes it)."""

    _: KW_ONLY
    as_of: dt.date


@dataclass(frozen=True)
class ReceivableRow:
    """One installment with a balance as of a day."""

    installment_id: uuid.UUID
    enrollment_id: uuid.UUID
    student_id: uuid.UUID
    student_name: str
    email: str
    phone: str | None
    program: str
    sequence: int
    due_date: dt.date
    amount: Decimal
    balance: Decimal
    days_past_due: int  # 0 when not yet due
    bucket: AgingBucket


@dataclass(frozen=True)
class DunningRow:
    """An installment to chase today: who, how to reach them, how late, how much."""

    installment_id: uuid.UUID
    enrollment_id: uuid.UUID
    student_name: str
    email: str
    phone: str | None
    program: str
    sequence: int
    due_date: dt.date
    days_late: int
    amount_due: Decimal
    attempts: int  # failed charges so far
    last_attempt_at: dt.datetime | None


@dataclass(frozen=True)
class ScheduleRow:
    """One line of an enrollment's schedule, with what was paid and refunded on it."""

    installment_id: uuid.UUID
    sequence: int
    due_date: dt.date
    amount: Decimal
    status: InstallmentStatus
    is_down_payment: bool
    paid: Decimal
    paid_at: dt.datetime | None
    refunded: Decimal
    failed_attempts: int
    version: int


# --- the SQL pieces -------------------------------------------------------------------------


def _bucket_condition(bucket: AgingBucket, as_of: dt.date) -> ColumnElement[bool]:
    """Installments of ``bucket``; days past due = as_of - due_date, compared as dates."""
    return aging_condition(_AGING_FIELDS[bucket], as_of)


def _balances(session: Session, as_of: dt.date) -> tuple[Select[Any], ColumnElement[Decimal]]:
    """The installments counted as of ``as_of`` and the expression of each one's balance
    (kpi_money's, so these lists and the KPI report agree)."""
    paid, balance = installment_balance(end_of_day_utc(as_of, load_settings(session).tz))
    query = with_paid_payment(select(), paid).where(
        open_enrollment(), Enrollment.start_date <= as_of
    )
    return query, balance


def _installment_columns() -> list[Any]:
    """An installment, who owes it, how to reach them and the program: the listed columns."""
    return [
        Installment.id,
        Installment.enrollment_id,
        Student.first_name,
        Student.last_name,
        Student.email,
        Student.phone,
        Program.name.label("program"),
        Installment.sequence,
        Installment.due_date,
        Installment.amount,
    ]


def _listed(query: Select[Any], limit: int, offset: int) -> Select[Any]:
    """``query`` joined to the student and program, oldest due first, one page of it."""
    return (
        query.join(Student, Enrollment.student_id == Student.id)
        .join(Program, Enrollment.program_id == Program.id)
        .order_by(Installment.due_date, Student.last_name, Installment.sequence, Installment.id)
        .limit(limit)
        .offset(offset)
    )


def _installment_fields(row: Any) -> dict[str, Any]:
    """The fields of ReceivableRow and DunningRow read from :func:`_installment_columns`."""
    return {
        "installment_id": row.id,
        "enrollment_id": row.enrollment_id,
        "student_name": f"{row.first_name} {row.last_name}".strip(),
        "email": row.email,
        "phone": row.phone,
        "program": row.program,
        "sequence": row.sequence,
        "due_date": row.due_date,
    }


def _as_of(session: Session, as_of: dt.date | None) -> dt.date:
    return local_today(session, as_of, "as_of")


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"{limit} is not allowed; ask for 1 to {MAX_PAGE} rows")
    if offset < 0:
        raise ValidationError("offset", f"{offset} is not allowed; it must be 0 or more")


def _bucket_of(days_past_due: int) -> AgingBucket:
    for bucket, (fewest, most) in _OVERDUE_DAYS.items():
        if days_past_due >= fewest and (most is None or days_past_due <= most):
            return bucket
    return AgingBucket.NOT_YET_DUE


# --- the use cases --------------------------------------------------------------------------


@use_case
def aging_summary(session: Session, actor: Actor, as_of: dt.date | None = None) -> Aging:
    """Receivables as of a day (default today) and their aging buckets."""
    actor.require(Permission.VIEW_FINANCE)
    day = _as_of(session, as_of)
    fresh_snapshot(session)
    totals, _ = installment_totals(session, day, day)
    return Aging(as_of=day, **asdict(totals))


@use_case
def list_receivables(
    session: Session,
    actor: Actor,
    as_of: dt.date | None = None,
    bucket: AgingBucket | str | None = None,
    *,
    limit: int = 200,
    offset: int = 0,
) -> list[ReceivableRow]:
    """Installments with a balance as of a day, oldest due first; optionally one bucket."""
    actor.require(Permission.VIEW_FINANCE)
    day = _as_of(session, as_of)
    _page(limit, offset)
    query, balance = _balances(session, day)
    if bucket is not None:
        try:
            query = query.where(_bucket_condition(AgingBucket(bucket), day))
        except ValueError:
            choices = ", ".join(b.value for b in AgingBucket)
            raise ValidationError("bucket", f"'{bucket}' is not one of {choices}") from None
    query = query.add_columns(
        *_installment_columns(), Student.id.label("student_id"), balance.label("balance")
    ).where(balance > 0)
    rows = session.execute(_listed(query, limit, offset))
    result = []
    for row in rows:
        days = max((day - row.due_date).days, 0)
        result.append(
            ReceivableRow(
                **_installment_fields(row),
                student_id=row.student_id,
                amount=row.amount,
                balance=row.balance,
                days_past_due=days,
                bucket=_bucket_of(days),
            )
        )
    return result


def _attempts() -> Any:
    """Failed charges per installment: how many, and the last one."""
    return (
        select(
            Payment.installment_id,
            func.count().label("attempts"),
            func.max(Payment.paid_at).label("last_attempt_at"),
        )
        .where(Payment.status == PaymentStatus.FAILED, Payment.installment_id.is_not(None))
        .group_by(Payment.installment_id)
        .subquery("attempts")
    )


@use_case
def dunning_list(
    session: Session,
    actor: Actor,
    today: dt.date | None = None,
    *,
    limit: int = 200,
    offset: int = 0,
) -> list[DunningRow]:
    """Unpaid installments past due + grace days on ACTIVE enrollments, latest first."""
    actor.require(Permission.VIEW_FINANCE)
    day = _as_of(session, today)
    _page(limit, offset)
    last_on_time = day - dt.timedelta(days=load_settings(session).grace_days)
    attempts = _attempts()
    query = (
        select(
            *_installment_columns(),
            func.coalesce(attempts.c.attempts, 0).label("attempts"),
            attempts.c.last_attempt_at,
        )
        .select_from(Installment)
        .join(Enrollment, Installment.enrollment_id == Enrollment.id)
        .outerjoin(attempts, attempts.c.installment_id == Installment.id)
        .where(
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Installment.status != InstallmentStatus.PAID,
            Installment.amount > 0,
            Installment.due_date < last_on_time,
        )
    )
    rows = session.execute(_listed(query, limit, offset))
    return [
        DunningRow(
            **_installment_fields(row),
            days_late=(day - row.due_date).days,
            amount_due=row.amount,
            attempts=int(row.attempts),
            last_attempt_at=row.last_attempt_at,
        )
        for row in rows
    ]


@use_case
def enrollment_schedule(
    session: Session, actor: Actor, enrollment_id: uuid.UUID
) -> list[ScheduleRow]:
    """An enrollment's installments by due date, with payments, refunds and failed attempts."""
    actor.require(Permission.VIEW_FINANCE)
    enrollment = get_record(session, Enrollment, enrollment_id, "enrollment_id")
    paid = aliased(Payment, name="paid")
    attempts = _attempts()
    rows = session.execute(
        select(
            Installment,
            paid.amount.label("paid"),
            paid.paid_at,
            paid.refunded_amount,
            func.coalesce(attempts.c.attempts, 0).label("attempts"),
        )
        .outerjoin(paid, paid_payment_of_installment(paid))
        .outerjoin(attempts, attempts.c.installment_id == Installment.id)
        .where(Installment.enrollment_id == enrollment.id)
        .order_by(Installment.due_date, Installment.sequence)
    )
    return [
        ScheduleRow(
            installment_id=row.Installment.id,
            sequence=row.Installment.sequence,
            due_date=row.Installment.due_date,
            amount=row.Installment.amount,
            status=row.Installment.status,
            is_down_payment=row.Installment.is_down_payment,
            paid=row.paid if row.paid is not None else ZERO,
            paid_at=row.paid_at,
            refunded=row.refunded_amount if row.refunded_amount is not None else ZERO,
            failed_attempts=int(row.attempts),
            version=row.Installment.version,
        )
        for row in rows
    ]
