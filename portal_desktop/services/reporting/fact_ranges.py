"""Which fact rows cover a range of local days: monthly sums for the whole months inside it,
daily rows for the days at either end.

A report over five years sums ~60 monthly rows per dimension combination instead of ~1,800
daily ones (``models/rollups.py``'s ``MONTH_FACTS``). Both tables hold the same columns and
the monthly rows are the daily rows summed per month, so a range's sum is the same either
way; a query that groups by day or week (which cut across months) asks for daily rows only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Table, cast, func, literal, select, union_all
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models.rollups import MONTH_FACTS
from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.reporting.chart_periods import add_months, month_start
from portal_desktop.services.reporting.kpi_sql import in_dates

ONE_DAY = dt.timedelta(days=1)


def month_of(day: ColumnElement[Any], dialect: str) -> Any:
    """SQL: the first day of a DATE expression's month."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, literal("start of month"), type_=Date)


def month_span(period: DateRange) -> tuple[dt.date, dt.date]:
    """The first day of the period's first month, and the first day after its last month."""
    return month_start(period.start), add_months(period.end, 1)


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first days of the first and last calendar months lying wholly in ``start`` …
    ``end`` (both included), or None when there is none."""
    first = start if start.day == 1 else add_months(start, 1)
    last = month_start(end) if (end + ONE_DAY).day == 1 else add_months(end, -1)
    return (first, last) if first <= last else None


def facts_in(day_table: Table, start: dt.date, end: dt.date, *, by_month: bool = True) -> Subquery:
    """The rows of ``day_table`` (same columns) whose sums are the local days ``start`` …
    ``end``: monthly rows for the whole months when ``by_month`` (a query whose groups do not
    cut across months) and the table has them, daily rows for the rest.

    A monthly row's ``day`` is its month's first day, which lies in the range.
    """
    months = whole_months(start, end) if by_month and day_table in MONTH_FACTS else None
    if months is None:
        return select(day_table).where(in_dates(day_table.c.day, start, end)).subquery("facts")
    first, last = months
    month_table = MONTH_FACTS[day_table]
    parts = [select(month_table).where(in_dates(month_table.c.day, first, last))]
    if start < first:
        parts.append(select(day_table).where(in_dates(day_table.c.day, start, first - ONE_DAY)))
    after = add_months(last, 1)
    if after <= end:
        parts.append(select(day_table).where(in_dates(day_table.c.day, after, end)))
    if len(parts) == 1:
        return parts[0].subquery("facts")
    return union_all(*parts).subquery("facts")
