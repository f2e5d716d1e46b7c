"""The dashboard's time series and grids in SQL: GROUP BY local day, ISO week or month.

Timestamps are bucketed by their local day in the installation's time zone
(:func:`date_ranges.local_date`), dates directly; the bucket key is the bucket's first day
(see :mod:`chart_periods`). Every filter is the KPI report's own (same predicates from
``kpi_sales`` / ``kpi_money``), so the series add up to the report's totals.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, and_, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models import Enrollment, Installment, Lead, Payment, SalesCall
from portal_desktop.models.enums import EnrollmentStatus, PaymentStatus
from portal_desktop.services.chart_periods import Granularity
from portal_desktop.services.date_ranges import DateRange, local_date
from portal_desktop.services.kpi_money import RECEIVED, _installments
from portal_desktop.services.kpi_sales import BOOKED, CLOSE, HELD
from portal_desktop.services.kpi_sql import Bounds, count_if, in_bounds, in_dates, money_sum

NO_SOURCE = "(no source)"
OTHER_SOURCES = "Other"
TOP_SOURCES = 6
EXPECTED_WEEKS = 13  # the next 90 days: 12 full weeks and a 6-day one
EXPECTED_DAYS = 90


def truncate(day: ColumnElement[Any], granularity: Granularity, dialect: str) -> Any:
    """SQL: the bucket key (first day) of a DATE expression."""
    if granularity is Granularity.DAY:
        return day
    if dialect == "postgresql":
        return cast(func.date_trunc(granularity.value, day), Date)
    if granularity is Granularity.WEEK:  # SQLite: the next Sunday (or today), minus 6 days
        return func.date(day, literal("weekday 0"), literal("-6 days"), type_=Date)
    return func.date(day, literal("start of month"), type_=Date)


@dataclass(frozen=True)
class Bucketer:
    """Builds bucket keys for one range, time zone, granularity and dialect."""

    period: DateRange
    tz: zoneinfo.ZoneInfo
    granularity: Granularity
    dialect: str

    @property
    def bounds(self) -> Bounds:
        return self.period.utc_bounds(self.tz)

    def of_timestamp(self, column: ColumnElement[dt.datetime]) -> Any:
        day = local_date(column, self.tz, self.bounds, self.dialect)
        return truncate(day, self.granularity, self.dialect).label("bucket")

    def of_date(self, column: ColumnElement[dt.date]) -> Any:
        return truncate(column, self.granularity, self.dialect).label("bucket")


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _by_bucket(rows: Any) -> dict[dt.date, Any]:
    return {_as_date(row[0]): row[1] for row in rows}


@dataclass(frozen=True)
class MoneyOverTime:
    """Per bucket key: net cash collected and contracted revenue."""

    cash: dict[dt.date, Decimal]
    contracted: dict[dt.date, Decimal]


def money_over_time(session: Session, buckets: Bucketer) -> MoneyOverTime:
    """Net cash (received by local day of ``paid_at`` minus refunds by ``refunded_at``) and
    contracted revenue (by ``start_date``), per bucket."""
    bounds = buckets.bounds
    paid = buckets.of_timestamp(Payment.paid_at)
    received = session.execute(
        select(paid, money_sum(Payment.amount))
        .where(RECEIVED, in_bounds(Payment.paid_at, bounds))
        .group_by(paid)
    )
    refunded = buckets.of_timestamp(Payment.refunded_at)
    refunds = _by_bucket(
        session.execute(
            select(refunded, money_sum(Payment.refunded_amount))
            .where(in_bounds(Payment.refunded_at, bounds))
            .group_by(refunded)
        )
    )
    cash: dict[dt.date, Decimal] = defaultdict(Decimal)
    for key, amount in _by_bucket(received).items():
        cash[key] += amount
    for key, amount in refunds.items():
        cash[key] -= amount
    started = buckets.of_date(Enrollment.start_date)
    contracted = _by_bucket(
        session.execute(
            select(started, money_sum(Enrollment.contract_value))
            .where(in_dates(Enrollment.start_date, buckets.period.start, buckets.period.end))
            .group_by(started)
        )
    )
    return MoneyOverTime(dict(cash), contracted)


@dataclass(frozen=True)
class SourceSeries:
    """Leads created per bucket, per source (the top sources, the rest summed as Other)."""

    sources: list[str]
    counts: dict[str, dict[dt.date, int]]


def leads_by_source(session: Session, buckets: Bucketer) -> SourceSeries:
    created = buckets.of_timestamp(Lead.created_at)
    source = func.coalesce(Lead.source, NO_SOURCE).label("source")
    rows = session.execute(
        select(created, source, func.count())
        .where(in_bounds(Lead.created_at, buckets.bounds))
        .group_by(created, source)
    ).all()
    totals: dict[str, int] = defaultdict(int)
    for _, name, count in rows:
        totals[name] += count
    ranked = sorted(totals, key=lambda name: (-totals[name], name))
    top = ranked[:TOP_SOURCES] if len(ranked) > TOP_SOURCES + 1 else ranked
    counts: dict[str, dict[dt.date, int]] = {name: defaultdict(int) for name in top}
    if len(top) < len(ranked):
        counts[OTHER_SOURCES] = defaultdict(int)
    for key, name, count in rows:
        counts[name if name in top else OTHER_SOURCES][_as_date(key)] += count
    return SourceSeries(list(counts), {name: dict(series) for name, series in counts.items()})


@dataclass(frozen=True)
class PairRate:
    """A setter-closer pair's booked calls in the range: held, and closed."""

    setter_id: uuid.UUID
    closer_id: uuid.UUID
    calls_held: int
    closes: int

    @property
    def close_rate(self) -> Decimal | None:
        return Decimal(self.closes) / self.calls_held if self.calls_held else None


def pair_close_rates(session: Session, bounds: Bounds) -> list[PairRate]:
    """Close rate (closes / held, KPIS.md) of every setter-closer (host) pair."""
    rows = session.execute(
        select(
            SalesCall.setter_id,
            SalesCall.host_id,
            count_if(HELD),
            count_if(CLOSE),
        )
        .where(in_bounds(SalesCall.scheduled_at, bounds), BOOKED, SalesCall.setter_id.is_not(None))
        .group_by(SalesCall.setter_id, SalesCall.host_id)
    ).all()
    return [PairRate(*row) for row in rows]


def expected_cash(
    session: Session, as_of: dt.date, as_of_end: dt.datetime, dialect: str
) -> list[Decimal]:
    """The unpaid balance of installments falling due in the ``EXPECTED_DAYS`` after
    ``as_of`` (open enrollments), per 7-day week counted from ``as_of + 1``."""
    first = as_of + dt.timedelta(days=1)
    last = as_of + dt.timedelta(days=EXPECTED_DAYS)
    paid, unpaid = _installments(as_of_end)
    if dialect == "postgresql":
        week = cast((Installment.due_date - first) // 7, Integer)
    else:
        week = cast((func.julianday(Installment.due_date) - func.julianday(first)) / 7, Integer)
    week = week.label("week")
    rows = session.execute(
        select(week, money_sum(unpaid))
        .select_from(Installment)
        .join(Enrollment, Installment.enrollment_id == Enrollment.id)
        .outerjoin(
            paid, and_(paid.installment_id == Installment.id, paid.status == PaymentStatus.PAID)
        )
        .where(
            Enrollment.status != EnrollmentStatus.CANCELLED,
            in_dates(Installment.due_date, first, last),
        )
        .group_by(week)
    ).all()
    weeks = [Decimal("0.00")] * EXPECTED_WEEKS
    for index, amount in rows:
        weeks[int(index)] += amount
    return weeks
