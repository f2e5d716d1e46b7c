"""The dashboard's ranges and time buckets: presets, the previous period, granularity.

Plain date arithmetic (no SQL, no Qt). A bucket is named by its first day: the day itself,
the Monday of its ISO week, or the first of its month; SQL groups rows by the same key
(see :mod:`portal_desktop.services.reporting.chart_series`).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from portal_desktop.errors import ValidationError
from portal_desktop.services.common.date_ranges import DateRange, make_range


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Preset(StrEnum):
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    LAST_30_DAYS = "last_30_days"
    LAST_90_DAYS = "last_90_days"
    THIS_QUARTER = "this_quarter"
    YEAR_TO_DATE = "year_to_date"
    LAST_12_MONTHS = "last_12_months"
    CUSTOM = "custom"


PRESET_LABELS: dict[Preset, str] = {
    Preset.THIS_MONTH: "This month",
    Preset.LAST_MONTH: "Last month",
    Preset.LAST_30_DAYS: "Last 30 days",
    Preset.LAST_90_DAYS: "Last 90 days",
    Preset.THIS_QUARTER: "This quarter",
    Preset.YEAR_TO_DATE: "Year to date",
    Preset.LAST_12_MONTHS: "Last 12 months",
    Preset.CUSTOM: "Custom",
}

# Above this many buckets a chart is unreadable: the granularity is coarsened.
MAX_BUCKETS = 400


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def preset_range(preset: Preset, today: dt.date) -> DateRange:
    """The local days a preset covers; periods in progress end ``today`` (to date).

    ``CUSTOM`` has no days of its own: give the dates to :func:`make_range` instead.
    """
    if preset is Preset.THIS_MONTH:
        return DateRange(month_start(today), today)
    if preset is Preset.LAST_MONTH:
        first = add_months(today, -1)
        return DateRange(first, month_start(today) - dt.timedelta(days=1))
    if preset is Preset.LAST_30_DAYS:
        return DateRange(today - dt.timedelta(days=29), today)
    if preset is Preset.LAST_90_DAYS:
        return DateRange(today - dt.timedelta(days=89), today)
    if preset is Preset.THIS_QUARTER:
        first_month = (today.month - 1) // 3 * 3 + 1
        return DateRange(dt.date(today.year, first_month, 1), today)
    if preset is Preset.YEAR_TO_DATE:
        return DateRange(dt.date(today.year, 1, 1), today)
    if preset is Preset.LAST_12_MONTHS:
        return DateRange(add_months(today, -11), today)
    raise ValidationError("preset", "a custom range has no preset days; pick the two dates")


def previous_period(period: DateRange) -> DateRange:
    """The same number of days just before ``period`` (for the cards' change arrows)."""
    end = period.start - dt.timedelta(days=1)
    return DateRange(end - dt.timedelta(days=period.days - 1), end)


def bucket_start(day: dt.date, granularity: Granularity) -> dt.date:
    """The key of the bucket holding ``day``."""
    if granularity is Granularity.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return month_start(day)
    return day


def next_bucket(key: dt.date, granularity: Granularity) -> dt.date:
    if granularity is Granularity.WEEK:
        return key + dt.timedelta(days=7)
    if granularity is Granularity.MONTH:
        return add_months(key, 1)
    return key + dt.timedelta(days=1)


def bucket_keys(period: DateRange, granularity: Granularity) -> list[dt.date]:
    """Every bucket touching ``period``, in order (a chart's x values)."""
    keys = []
    key = bucket_start(period.start, granularity)
    while key <= period.end:
        keys.append(key)
        key = next_bucket(key, granularity)
    return keys


def bucket_days(key: dt.date, granularity: Granularity, period: DateRange) -> DateRange:
    """The days of a bucket that lie in ``period`` (the first and last may be partial)."""
    last = next_bucket(key, granularity) - dt.timedelta(days=1)
    return DateRange(max(key, period.start), min(last, period.end))


def fitting_granularity(period: DateRange, granularity: Granularity) -> Granularity:
    """``granularity``, or a coarser one when it would give more than MAX_BUCKETS points."""
    order = list(Granularity)
    for candidate in order[order.index(granularity) :]:
        if len(bucket_keys(period, candidate)) <= MAX_BUCKETS:
            return candidate
    return Granularity.MONTH


def checked_range(start: dt.date, end: dt.date) -> DateRange:
    """A custom range, validated like the KPI report's."""
    return make_range(start, end)
