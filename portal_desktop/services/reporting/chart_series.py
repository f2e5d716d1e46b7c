"""The dashboard's time series and grids in SQL: GROUP BY local day, ISO week or month.

They sum the daily facts (``models/rollups.py``), whose days are already local days in the
installation's time zone and which the KPI report sums too, so the series add up to the
report's totals; the bucket key is the bucket's first day (see :mod:`chart_periods`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, Table, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models.rollups import (
    call_day_facts,
    cash_day_facts,
    enrollment_day_facts,
    installment_due_facts,
    lead_day_facts,
)
from portal_desktop.services.common.date_ranges import DateRange, as_date
from portal_desktop.services.reporting.chart_periods import Granularity
from portal_desktop.services.reporting.fact_ranges import facts_in, month_of
from portal_desktop.services.reporting.kpi_money import fact_unpaid
from portal_desktop.services.reporting.kpi_sql import in_dates, int_sum, money_sum

NO_SOURCE = "(no source)"
OTHER_SOURCES = "Other"
TOP_SOURCES = 6
EXPECTED_WEEKS = 13  # the next 90 days: 12 full weeks and a 6-day one
EXPECTED_DAYS = 90


def truncate(day: ColumnElement[Any], granularity: Granularity, dialect: str) -> Any:
    """SQL: the bucket key (first day) of a DATE expression."""
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.MONTH:
        return month_of(day, dialect)
    if dialect == "postgresql":
        return cast(func.date_trunc(granularity.value, day), Date)
    # SQLite: the next Sunday (or today), minus 6 days
    return func.date(day, literal("weekday 0"), literal("-6 days"), type_=Date)


@dataclass(frozen=True)
class Bucketer:
    """Builds bucket keys for one range, granularity and dialect (over the daily facts,
    whose days are already local)."""

    period: DateRange
    granularity: Granularity
    dialect: str

    def of_date(self, column: ColumnElement[dt.date]) -> Any:
        return truncate(column, self.granularity, self.dialect).label("bucket")

    def facts(self, day_table: Table) -> Any:
        """The rows of a daily fact table over the range, by month where the buckets are
        months (:func:`facts_in`): the columns to sum and group."""
        period = self.period
        by_month = self.granularity is Granularity.MONTH
        return facts_in(day_table, period.start, period.end, by_month=by_month).c


def _by_bucket(rows: Any) -> dict[dt.date, Any]:
    return {as_date(row[0]): row[1] for row in rows}


@dataclass(frozen=True)
class MoneyOverTime:
    """Per bucket key: net cash collected and contracted revenue."""

    cash: dict[dt.date, Decimal]
    contracted: dict[dt.date, Decimal]


def money_over_time(session: Session, buckets: Bucketer) -> MoneyOverTime:
    """Net cash (received by local day of ``paid_at`` minus refunds by ``refunded_at``) and
    contracted revenue (by ``start_date``), per bucket, from the daily facts."""
    cash_facts, enrolled = buckets.facts(cash_day_facts), buckets.facts(enrollment_day_facts)
    paid = buckets.of_date(cash_facts.day)
    cash = _by_bucket(
        session.execute(
            select(paid, money_sum(cash_facts.received) - money_sum(cash_facts.refunds)).group_by(
                paid
            )
        )
    )
    started = buckets.of_date(enrolled.day)
    contracted = _by_bucket(
        session.execute(select(started, money_sum(enrolled.contracted)).group_by(started))
    )
    return MoneyOverTime(cash, contracted)


@dataclass(frozen=True)
class SourceSeries:
    """Leads created per bucket, per source (the top sources, the rest summed as Other)."""

    sources: list[str]
    counts: dict[str, dict[dt.date, int]]


def leads_by_source(session: Session, buckets: Bucketer) -> SourceSeries:
    facts = buckets.facts(lead_day_facts)
    created = buckets.of_date(facts.day)
    source = func.coalesce(facts.source, NO_SOURCE).label("source")
    rows = session.execute(
        select(created, source, int_sum(facts.leads)).group_by(created, source)
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
        counts[name if name in top else OTHER_SOURCES][as_date(key)] += count
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


def pair_close_rates(session: Session, period: DateRange) -> list[PairRate]:
    """Close rate (closes / held, KPIS.md) of every setter-closer (host) pair."""
    facts = facts_in(call_day_facts, period.start, period.end).c
    rows = session.execute(
        select(facts.setter_id, facts.host_id, int_sum(facts.held), int_sum(facts.closes))
        .where(facts.setter_id.is_not(None))
        .group_by(facts.setter_id, facts.host_id)
    ).all()
    return [PairRate(*row) for row in rows]


def expected_cash(session: Session, as_of: dt.date, dialect: str) -> list[Decimal]:
    """The unpaid balance of installments falling due in the ``EXPECTED_DAYS`` after
    ``as_of`` (open enrollments), per 7-day week counted from ``as_of + 1``."""
    first = as_of + dt.timedelta(days=1)
    last = as_of + dt.timedelta(days=EXPECTED_DAYS)
    facts = installment_due_facts.c
    if dialect == "postgresql":
        week = cast((facts.day - first) // 7, Integer)
    else:
        week = cast((func.julianday(facts.day) - func.julianday(first)) / 7, Integer)
    week = week.label("week")
    rows = session.execute(
        select(week, money_sum(fact_unpaid(as_of)))
        .where(in_dates(facts.day, first, last))
        .group_by(week)
    ).all()
    weeks = [Decimal("0.00")] * EXPECTED_WEEKS
    for index, amount in rows:
        weeks[int(index)] += amount
    return weeks
