"""The Payment-schedules list: every installment with its student, program, closer, payment
and aging, and its quick filters (no Qt here).

The "when" and "aging" chips depend on the day they are counted at, so the spec is built for
a day (:func:`payment_schedules_spec`). Aging uses the receivables buckets of
``services.kpi_money`` (days past due = day - due date: 1-30, 31-60, 61-90, 90+) over the
installments not PAID, so the chips agree with the KPI report and the Charts tab.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, literal, select, true
from sqlalchemy.orm import Session

from portal_desktop.db.list_queries import (
    INSTALLMENT_DUE,
    INSTALLMENT_LOOKUPS,
    INSTALLMENT_STATUS,
    STUDENT_SEARCH,
    student_column,
)
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
from portal_desktop.models.enums import InstallmentStatus, PaymentStatus
from portal_desktop.services.kpi_money import AGING_BUCKETS, aging_condition

K = ColumnKind
paid = payments.alias("paid")

# The Charts tab's bucket words (chart_data's docstring) for kpi_money's aging keys.
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


def unpaid() -> ColumnElement[bool]:
    """Installments still owed (not PAID, something due on them)."""
    return and_(installments.c.status != InstallmentStatus.PAID, installments.c.amount > 0)


def bucket_condition(word: str, day: dt.date) -> ColumnElement[bool]:
    """Unpaid installments ``word`` ("1-30"… "90+") days past due as of ``day``."""
    keys = {value: key for key, value in BUCKET_WORDS.items()}
    if word not in keys:
        raise ValueError(f"'{word}' is not an aging bucket; use one of {', '.join(BUCKETS)}")
    return and_(unpaid(), aging_condition(keys[word], day))


def bucket_expr(day: dt.date) -> ColumnElement[Any]:
    """The aging bucket word of an unpaid installment as of ``day``, else "not late"."""
    whens = [(bucket_condition(word, day), literal(word)) for word in BUCKETS]
    return case(*whens, else_=literal(NOT_LATE))


def week_end(day: dt.date) -> dt.date:
    """The Sunday ending ``day``'s week."""
    return day + dt.timedelta(days=6 - day.weekday())


def when_expr(day: dt.date) -> ColumnElement[Any]:
    """Paid, overdue (past due + grace: the OVERDUE status), due by the end of this week, or
    later."""
    return case(
        (installments.c.status == InstallmentStatus.PAID, literal(PAID)),
        (installments.c.status == InstallmentStatus.OVERDUE, literal(OVERDUE)),
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


def payment_schedules_spec(day: dt.date) -> ListSpec:
    """The installments list, its "when" and aging chips counted as of ``day``."""
    when = when_expr(day)
    bucket = bucket_expr(day)
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
            INSTALLMENT_DUE,
            student_column(20),
            ListColumn("Program", programs.c.name, width=20),
            ListColumn("Closer", closer.c.name, width=15),
            ListColumn("No.", installments.c.sequence, K.NUMBER, width=4),
            ListColumn("Amount", installments.c.amount, K.MONEY, width=11),
            INSTALLMENT_STATUS,
            ListColumn("Days late", bucket, width=8),
            ListColumn("Paid on", paid.c.paid_at, K.DATETIME, width=15),
            ListColumn("Reference", paid.c.reference, width=12),
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
