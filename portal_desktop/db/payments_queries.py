"""The Payment-schedules list: every installment with its student, program, closer, payment
and what is owed on it as of a day, and its quick filters (no Qt here).

What is owed is KPIS.md's ``receivables``, defined here once for the list, its chips, its
totals and its export (``portal-desktop export payment_schedules``), so they add up to the
KPI report and the totals bar for the same day:

- an installment's **balance** as of a day is its amount minus its PAID payment paid by the
  end of that day, never below 0 (``db.aging.unpaid_of``); a partial refund does not
  change it (the payment stays PAID), a full refund makes the installment owed again;
- it is **owed** when its balance is above 0 and its enrollment started on or before the day
  and is not CANCELLED (a DEFAULTED enrollment still owes: KPIS.md leaves out only
  CANCELLED); **overdue** when owed and due before the day, aged by days past due
  (day - due date: 1-30, 31-60, 61-90, 90+; the grace days do not change aging);
- the **Status** column says which (:class:`Owing`): PAID, PENDING (owed, not due yet),
  OVERDUE, NOT_OWED (its enrollment was cancelled: shown "Not owed (cancelled)", never
  counted as owed) or NOT_STARTED (its enrollment starts after the day).

The stored ``installments.status`` (OVERDUE from due date + grace days, kept by the overdue
roll for active enrollments) is what the dunning list works from; this list does not show it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, case, literal, select, true, type_coerce
from sqlalchemy.orm import Session

from portal_desktop.clock import end_of_day_utc
from portal_desktop.db.aging import AGING_BUCKETS, aging_condition, unpaid_of
from portal_desktop.db.list_queries import INSTALLMENT_LOOKUPS, STUDENT_SEARCH, student_column
from portal_desktop.db.query_spec import (
    ChipGroup,
    ColumnKind,
    ListColumn,
    ListSpec,
    Lookup,
    SortOrder,
)
from portal_desktop.db.tables import closer, enrollments, installments, payments, programs
from portal_desktop.models import Enrollment, Installment, Payment, Program, Student
from portal_desktop.models.enums import EnrollmentStatus, InstallmentStatus, PaymentStatus
from portal_desktop.models.types import Money

K = ColumnKind
paid = payments.alias("paid")

# The Charts tab's bucket words (chart_data's docstring) for db.aging's bucket keys.
BUCKET_WORDS: dict[str, str] = {
    "overdue_1_30": "1-30",
    "overdue_31_60": "31-60",
    "overdue_61_90": "61-90",
    "overdue_90_plus": "90+",
}
BUCKETS: tuple[str, ...] = tuple(BUCKET_WORDS[key] for key, _, _ in AGING_BUCKETS)

DUE_THIS_WEEK = "due this week"
OVERDUE = "overdue"
LATER = "later"
PAID = "paid"
NOT_LATE = "not late"
NOT_OWED = "not owed (cancelled)"
NOT_STARTED = "not started"


class Owing(StrEnum):
    """What an installment is as of a day (the list's Status column)."""

    PAID = "PAID"  # nothing left on it by then
    PENDING = "PENDING"  # owed, due on or after the day
    OVERDUE = "OVERDUE"  # owed, due before the day
    NOT_OWED = "NOT_OWED"  # unpaid, but its enrollment was cancelled: nothing more is owed
    NOT_STARTED = "NOT_STARTED"  # its enrollment starts after the day


def balance(day: dt.date, tz: dt.tzinfo) -> ColumnElement[Decimal]:
    """An installment's unpaid balance as of the end of local ``day`` (KPIS.md)."""
    return unpaid_of(installments.c.amount, paid.c.amount, paid.c.paid_at, end_of_day_utc(day, tz))


def receivable(day: dt.date) -> ColumnElement[bool]:
    """Installments whose enrollment counts in receivables as of ``day``: started on or
    before it and not CANCELLED."""
    return and_(enrollments.c.status != EnrollmentStatus.CANCELLED, enrollments.c.start_date <= day)


def owed(day: dt.date, tz: dt.tzinfo) -> ColumnElement[bool]:
    """Installments with something owed on them as of ``day``: receivables' rows."""
    return and_(receivable(day), balance(day, tz) > 0)


def overdue(day: dt.date, tz: dt.tzinfo) -> ColumnElement[bool]:
    """Owed installments due before ``day``: the overdue part of receivables."""
    return and_(owed(day, tz), installments.c.due_date < day)


def owing_expr(day: dt.date, tz: dt.tzinfo) -> ColumnElement[Any]:
    """The :class:`Owing` word of an installment as of ``day``."""
    return case(
        (balance(day, tz) <= 0, literal(Owing.PAID.value)),
        (enrollments.c.status == EnrollmentStatus.CANCELLED, literal(Owing.NOT_OWED.value)),
        (enrollments.c.start_date > day, literal(Owing.NOT_STARTED.value)),
        (installments.c.due_date < day, literal(Owing.OVERDUE.value)),
        else_=literal(Owing.PENDING.value),
    )


def owed_amount(day: dt.date, tz: dt.tzinfo) -> ColumnElement[Decimal]:
    """What is owed on an installment as of ``day``: its balance when owed, else 0."""
    return type_coerce(case((owed(day, tz), balance(day, tz)), else_=0), Money())


def bucket_condition(word: str, day: dt.date, tz: dt.tzinfo) -> ColumnElement[bool]:
    """Owed installments ``word`` ("1-30"… "90+") days past due as of ``day``."""
    keys = {value: key for key, value in BUCKET_WORDS.items()}
    if word not in keys:
        raise ValueError(f"'{word}' is not an aging bucket; use one of {', '.join(BUCKETS)}")
    return and_(overdue(day, tz), aging_condition(keys[word], day, installments.c.due_date))


def bucket_expr(day: dt.date, tz: dt.tzinfo) -> ColumnElement[Any]:
    """The aging bucket word of an overdue installment as of ``day``, else "not late"."""
    whens = [(bucket_condition(word, day, tz), literal(word)) for word in BUCKETS]
    return case(*whens, else_=literal(NOT_LATE))


def week_end(day: dt.date) -> dt.date:
    """The Sunday ending ``day``'s week."""
    return day + dt.timedelta(days=6 - day.weekday())


def when_expr(day: dt.date, tz: dt.tzinfo) -> ColumnElement[Any]:
    """Paid, overdue, due this week (owed, due from ``day`` to the Sunday), later, not owed
    (cancelled) or not started — one word per :class:`Owing`, PENDING split by the week."""
    owing = owing_expr(day, tz)
    return case(
        (owing == Owing.PAID.value, literal(PAID)),
        (owing == Owing.OVERDUE.value, literal(OVERDUE)),
        (owing == Owing.NOT_OWED.value, literal(NOT_OWED)),
        (owing == Owing.NOT_STARTED.value, literal(NOT_STARTED)),
        (installments.c.due_date <= week_end(day), literal(DUE_THIS_WEEK)),
        else_=literal(LATER),
    )


def paid_between(start: dt.datetime | None, end: dt.datetime | None) -> ColumnElement[bool]:
    """Installments whose PAID payment was received in ``[start, end)`` (UTC bounds)."""
    parts = [paid.c.id.is_not(None)]
    if start is not None:
        parts.append(paid.c.paid_at >= start)
    if end is not None:
        parts.append(paid.c.paid_at < end)
    return and_(*parts)


def due_between(start: dt.date | None, end: dt.date | None) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if start is not None:
        parts.append(installments.c.due_date >= start)
    if end is not None:
        parts.append(installments.c.due_date <= end)
    return and_(*parts) if parts else true()


@lru_cache(maxsize=8)
def payment_schedules_spec(day: dt.date, tz: dt.tzinfo) -> ListSpec:
    """The installments list, its status, owed amount and chips as of local ``day`` (one
    object per day and zone: the screen and an export of the same day share it)."""
    when = when_expr(day, tz)
    bucket = bucket_expr(day, tz)
    owing = owing_expr(day, tz)
    refunded = type_coerce(
        case((paid.c.refunded_amount > 0, paid.c.refunded_amount), else_=None), Money()
    )
    return ListSpec(
        name="payment_schedules",
        title="Payment schedules",
        noun="installment",
        base=installments,
        key=installments.c.id,
        lookups=(
            *INSTALLMENT_LOOKUPS,
            Lookup(closer, enrollments.c.closer_id == closer.c.id),
            # At most one PAID payment per installment (a unique index): never adds rows.
            Lookup(
                paid,
                and_(
                    paid.c.installment_id == installments.c.id,
                    paid.c.status == PaymentStatus.PAID,
                ),
            ),
        ),
        columns=(
            ListColumn("Due date", installments.c.due_date, K.DATE, width=11),
            student_column(18),
            ListColumn("Program", programs.c.name, width=17),
            ListColumn("Closer", closer.c.name, width=13),
            ListColumn("No.", installments.c.sequence, K.NUMBER, width=4),
            ListColumn("Amount", installments.c.amount, K.MONEY, width=10),
            # Named "status": drawn as a badge like every status column.
            ListColumn(
                "Status",
                owing.label("status"),
                K.ENUM,
                sort_by=(owing, installments.c.due_date),
                width=15,
            ),
            ListColumn("Days late", bucket, width=8),
            ListColumn("Owed", owed_amount(day, tz), K.MONEY, width=10),
            ListColumn("Paid on", paid.c.paid_at, K.DATETIME, width=14),
            ListColumn("Refunded", refunded, K.MONEY, width=9),
            ListColumn("Reference", paid.c.reference, width=10),
        ),
        default_sort=SortOrder(0, descending=True),
        search_in=STUDENT_SEARCH,
        chips=(
            ChipGroup("when", "When", when),
            ChipGroup("bucket", "Days late", bucket),
            ChipGroup("program", "Program", programs.c.name),
            ChipGroup("closer", "Closer", closer.c.name),
        ),
    )


@dataclass(frozen=True)
class InstallmentInfo:
    """What the action dialogs need about one installment (plain data, crosses threads)."""

    id: uuid.UUID
    version: int
    label: str  # "Ada Lovelace · Growth Program · installment 2"
    due_date: dt.date
    amount: Decimal
    status: InstallmentStatus
    payment_id: uuid.UUID | None  # its PAID payment, if any
    paid: Decimal
    refundable: Decimal  # what is left to refund on that payment


def load_installment(session: Session, installment_id: uuid.UUID) -> InstallmentInfo | None:
    """One installment with its student, program and PAID payment (None when gone)."""
    row = session.execute(
        select(
            Installment,
            Student.first_name,
            Student.last_name,
            Program.name,
            Payment.id.label("payment_id"),
            Payment.amount.label("paid"),
            Payment.refunded_amount,
        )
        .join(Enrollment, Installment.enrollment_id == Enrollment.id)
        .join(Student, Enrollment.student_id == Student.id)
        .join(Program, Enrollment.program_id == Program.id)
        .outerjoin(
            Payment,
            and_(
                Payment.installment_id == Installment.id,
                Payment.status == PaymentStatus.PAID,
            ),
        )
        .where(Installment.id == installment_id)
    ).first()
    if row is None:
        return None
    item = row.Installment
    name = f"{row.first_name} {row.last_name}".strip()
    paid_amount = row.paid if row.paid is not None else Decimal(0)
    refunded = row.refunded_amount if row.refunded_amount is not None else Decimal(0)
    return InstallmentInfo(
        id=item.id,
        version=item.version,
        label=f"{name} · {row.name} · installment {item.sequence}",
        due_date=item.due_date,
        amount=item.amount,
        status=item.status,
        payment_id=row.payment_id,
        paid=paid_amount,
        refundable=paid_amount - refunded,
    )
