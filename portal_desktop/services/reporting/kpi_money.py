"""Money KPIs in SQL: net cash, refunds, receivables with aging, collection rate (KPIS.md).

Cash: payments received (PAID, or REFUNDED: received first) with ``paid_at`` in the range,
minus ``refunded_amount`` of payments with ``refunded_at`` in the range — so a refund of an
old payment lowers the cash of the range in which it was refunded (a clawback).

These predicates define the KPIs on the records; ``services/reporting/rollups.py`` applies them to
build the daily facts, and the report's readers here sum those facts (cash per local day;
receivables, aging and collection per due date, with the day each installment was paid).
The Payment-schedules lists still read the installments themselves, with the same
per-installment balance (:func:`installment_balance`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.db.aging import AGING_BUCKETS, aging_condition, unpaid_of
from portal_desktop.models import Enrollment, Installment, Payment, Program
from portal_desktop.models.enums import EnrollmentStatus, PaymentStatus
from portal_desktop.models.rollups import cash_day_facts, installment_due_facts
from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.reporting.fact_ranges import facts_in
from portal_desktop.services.reporting.kpi_sql import (
    ZERO,
    Credit,
    by_member,
    in_dates,
    money_sum,
    money_sum_if,
    ratio,
)

RECEIVED: ColumnElement[bool] = Payment.status.in_([PaymentStatus.PAID, PaymentStatus.REFUNDED])

AGING_KEYS: tuple[str, ...] = ("not_yet_due", *(key for key, _, _ in AGING_BUCKETS))
"""The aging fields of :class:`Receivables` (after ``total``), in order."""


@dataclass(frozen=True)
class Cash:
    """Cash received in a range and refunds made in it; ``net`` is KPIS.md's cash_collected."""

    received: Decimal = ZERO
    refunds: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.received - self.refunds


@dataclass(frozen=True)
class Receivables:
    """Unpaid balances as of a day, split into not yet due and the overdue buckets."""

    total: Decimal = ZERO
    not_yet_due: Decimal = ZERO
    overdue_1_30: Decimal = ZERO
    overdue_31_60: Decimal = ZERO
    overdue_61_90: Decimal = ZERO
    overdue_90_plus: Decimal = ZERO

    @property
    def overdue(self) -> Decimal:
        return self.overdue_1_30 + self.overdue_31_60 + self.overdue_61_90 + self.overdue_90_plus


@dataclass(frozen=True)
class Collection:
    """Installments due in a range: what they ask for and what was paid on them (any date)."""

    due: Decimal = ZERO
    collected: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.collected, self.due)


def fact_cash_columns(facts: Any, *, attributed: bool = False) -> list[Any]:
    """Received and refunded summed from cash facts' columns ``facts`` (``cash_day_facts``,
    or :func:`facts_in`'s rows of it; optionally only the part paid by students of
    ad-attributed leads)."""
    received, refunds = facts.received, facts.refunds
    prefix = ""
    if attributed:
        prefix = "attributed_"
        received = case((facts.ad_campaign_id.is_not(None), received), else_=0)
        refunds = case((facts.ad_campaign_id.is_not(None), refunds), else_=0)
    return [
        money_sum(received).label(f"{prefix}received"),
        money_sum(refunds).label(f"{prefix}refunds"),
    ]


def cash_totals(session: Session, period: DateRange) -> tuple[Cash, Cash]:
    """Cash of the range: all of it, and the part paid by students of ad-attributed leads."""
    facts = facts_in(cash_day_facts, period.start, period.end).c
    row = session.execute(
        select(*fact_cash_columns(facts), *fact_cash_columns(facts, attributed=True))
    ).one()
    return (
        Cash(row.received, row.refunds),
        Cash(row.attributed_received, row.attributed_refunds),
    )


def cash_by_member(session: Session, period: DateRange) -> dict[tuple[uuid.UUID, Credit], Cash]:
    """Cash of the range per member: on enrollments they closed, and on those they set."""
    rows_in = facts_in(cash_day_facts, period.start, period.end)
    facts = rows_in.c

    def build(query: Select[Any]) -> Select[Any]:
        return query.select_from(rows_in)

    rows = session.execute(
        by_member(fact_cash_columns(facts), facts.closer_id, facts.setter_id, build)
    ).mappings()
    return {
        (row["member_id"], Credit(row["credit"])): Cash(row["received"], row["refunds"])
        for row in rows
    }


def installment_balance(as_of_end: dt.datetime) -> tuple[Any, ColumnElement[Decimal]]:
    """The linked PAID payment (alias) and an installment's unpaid balance at ``as_of_end``.

    KPIS.md: the installment's amount minus its PAID payment with ``paid_at`` before
    ``as_of_end`` (the end of the as-of local day, in UTC), never below 0. The single source
    of receivables: the KPI report and the Payment-schedules lists (receivables.py) use it.
    """
    paid = aliased(Payment, name="paid")
    return paid, unpaid_of(Installment.amount, paid.amount, paid.paid_at, as_of_end)


def paid_payment_of_installment(paid: Any) -> ColumnElement[bool]:
    """The ON clause linking an installment to its PAID payment (``paid``: a Payment alias)."""
    return and_(paid.installment_id == Installment.id, paid.status == PaymentStatus.PAID)


def with_paid_payment(query: Select[Any], paid: Any) -> Select[Any]:
    """``query`` over the installments, their enrollment and their PAID payment (if any)."""
    return (
        query.select_from(Installment)
        .join(Enrollment, Installment.enrollment_id == Enrollment.id)
        .outerjoin(paid, paid_payment_of_installment(paid))
    )


def receivable_columns(
    as_of: dt.date,
    unpaid: ColumnElement[Decimal],
    counted: ColumnElement[bool] | None = None,
    due: ColumnElement[dt.date] = Installment.due_date,
) -> list[Any]:
    """``total`` and one sum per aging bucket of ``unpaid``, over the rows meeting ``counted``
    (all rows when None), labeled as the fields of :class:`Receivables`."""

    def total_if(condition: ColumnElement[bool] | None) -> ColumnElement[Decimal]:
        if condition is None:
            return money_sum(unpaid)
        return money_sum_if(condition, unpaid)

    def both(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return condition if counted is None else and_(counted, condition)

    columns = [total_if(counted).label("total")]
    columns += [total_if(both(aging_condition(key, as_of, due))).label(key) for key in AGING_KEYS]
    return columns


def open_enrollment() -> ColumnElement[bool]:
    """Enrollments whose installments count as receivable: all but CANCELLED."""
    return Enrollment.status != EnrollmentStatus.CANCELLED


def fact_unpaid(as_of: dt.date) -> ColumnElement[Decimal]:
    """An ``installment_due_facts`` row's unpaid balance as of a local day (KPIS.md): the
    amount, less the part its PAID payment covers when that payment came by then."""
    facts = installment_due_facts.c
    return facts.amount - case((facts.paid_day <= as_of, facts.settled), else_=0)


def installment_totals(
    session: Session, start: dt.date, end: dt.date
) -> tuple[Receivables, Collection]:
    """Receivables as of ``end`` and the collection of the installments due in
    ``[start, end]``, in one query over ``installment_due_facts``."""
    return installment_totals_of(session, [(start, end)])[0]


def installment_totals_of(
    session: Session, periods: Sequence[tuple[dt.date, dt.date]]
) -> list[tuple[Receivables, Collection]]:
    """:func:`installment_totals` of several periods (the dashboard asks for its range and
    the one before it), each query reading only the rows it needs: receivables, in one pass,
    from the installments still owing at any period's end (most of the past is paid);
    collection, one range of the due-day index per period (one pass over several ranges
    computed every sum on every row: 35 ms for five years on SQLite, against 10 to 18)."""
    facts = installment_due_facts.c
    owed: list[Any] = []
    owing: list[ColumnElement[bool]] = []
    collections: list[Collection] = []
    for number, (start, end) in enumerate(periods):
        started = facts.start_date <= end
        receivable = receivable_columns(end, fact_unpaid(end), started, facts.day)
        owed += [column.element.label(f"p{number}_{column.key}") for column in receivable]
        unsettled = or_(
            facts.paid_day.is_(None), facts.paid_day > end, facts.settled < facts.amount
        )
        owing.append(and_(started, unsettled))
        due, collected = session.execute(
            select(money_sum(facts.amount), money_sum(facts.paid)).where(
                in_dates(facts.day, start, end)
            )
        ).one()
        collections.append(Collection(due, collected))
    values = session.execute(select(*owed).where(or_(*owing))).one()._asdict()
    keys = [column.key for column in receivable]  # the same names for every period
    return [
        (Receivables(**{key: values[f"p{number}_{key}"] for key in keys}), collection)
        for number, collection in enumerate(collections)
    ]


@dataclass(frozen=True)
class ProgramReceivables:
    program_id: uuid.UUID
    program: str
    receivables: Receivables


def receivables_by_program(
    session: Session, as_of: dt.date, end_bound: dt.datetime
) -> list[ProgramReceivables]:
    """Receivables as of a day per program (programs with nothing owed are left out)."""
    paid, unpaid = installment_balance(end_bound)
    started = Enrollment.start_date <= as_of
    columns = receivable_columns(as_of, unpaid, started)
    query = select(Program.id, Program.name.label("program"), *columns)
    rows = session.execute(
        with_paid_payment(query, paid)
        .join(Program, Enrollment.program_id == Program.id)
        .where(open_enrollment(), started)
        .group_by(Program.id, Program.name)
        .having(columns[0] > 0)
        .order_by(Program.name)
    ).mappings()
    keys = [column.key for column in columns]
    return [
        ProgramReceivables(
            row["id"], row["program"], Receivables(**{key: row[key] for key in keys})
        )
        for row in rows
    ]
