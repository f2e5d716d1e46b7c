"""Local-date ranges in the installation's time zone, turned into UTC bounds for SQL.

Every KPI is over ``[from, to]``, both days included, in the installation's time zone.
Timestamp columns are stored in UTC, so the range becomes the half-open UTC interval
``[local midnight of from, local midnight of to + 1)``: computed here in Python, compared in
SQL (portable, and the column's index stays usable). Date columns compare directly.

When a query must group timestamps by *local* day (per member per day), :func:`local_date`
builds the expression: PostgreSQL converts with its own time-zone database; SQLite, which has
none, gets the UTC offsets in force over the range (they change only at DST transitions,
found here with :mod:`zoneinfo`) as a ``CASE``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, String, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.clock import end_of_day_utc, local_midnight_utc
from portal_desktop.errors import ValidationError

# Longest range a report accepts: enough for any "all time" view, small enough to stay sane.
MAX_RANGE_DAYS = 366 * 20


@dataclass(frozen=True)
class DateRange:
    """Local days ``start`` … ``end``, both included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """``[local midnight of start, local midnight of end + 1)`` as UTC datetimes."""
        return local_midnight_utc(self.start, tz), end_of_day_utc(self.end, tz)


def make_range(
    start: dt.date, end: dt.date, *, start_field: str = "from", end_field: str = "to"
) -> DateRange:
    """A validated range: both dates given, ``start <= end``, not absurdly long."""
    for field, value in ((start_field, start), (end_field, end)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise ValidationError(field, f"{value!r} is not a date; give a date like 2024-03-31")
    if start > end:
        raise ValidationError(
            start_field,
            f"{start.isoformat()} is after {end_field} {end.isoformat()}; "
            f"the range must start on or before its last day",
        )
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(
            end_field, f"the range is longer than {MAX_RANGE_DAYS} days; choose a shorter one"
        )
    return DateRange(start, end)


def parse_date(field: str, text: str) -> dt.date:
    """``YYYY-MM-DD`` to a date, or a ValidationError naming ``field`` and the format."""
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValidationError(
            field, f"'{text}' is not a date; use the format YYYY-MM-DD (e.g. 2024-03-31)"
        ) from None


def as_date(value: Any) -> dt.date:
    """A DATE read back from SQL: a date, or its ISO text (SQLite, for computed columns)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def offset_segments(
    start: dt.datetime, end: dt.datetime, tz: dt.tzinfo
) -> list[tuple[dt.datetime, int]]:
    """The UTC offsets (seconds) in force in ``[start, end)``: ``[(segment_start, offset)]``.

    Transitions are found day by day, then pinned to the second by bisection.
    """

    def offset(at: dt.datetime) -> int:
        delta = at.astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    segments = [(start, offset(start))]
    step = dt.timedelta(days=1)
    left = start
    while left < end:
        right = min(left + step, end)
        if offset(right) != offset(left):
            low, high = left, right  # offset(low) differs from offset(high)
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            segments.append((high, offset(high)))
        left = right
    return segments


def local_date(
    column: ColumnElement[dt.datetime],
    tz: zoneinfo.ZoneInfo,
    bounds: tuple[dt.datetime, dt.datetime],
    dialect: str,
) -> ColumnElement[dt.date]:
    """SQL: the local calendar day of a UTC timestamp column, for rows within ``bounds``."""
    if dialect == "postgresql":
        return cast(func.timezone(tz.key, column), Date)
    segments = offset_segments(bounds[0], bounds[1], tz)

    def shifted(seconds: int) -> ColumnElement[dt.date]:
        return func.date(column, literal(f"{seconds:+d} seconds", String), type_=Date)

    if len(segments) == 1:
        return shifted(segments[0][1])
    whens = [
        (column < boundary, shifted(seconds))
        for (_, seconds), (boundary, _) in itertools.pairwise(segments)
    ]
    return case(*whens, else_=shifted(segments[-1][1]))
