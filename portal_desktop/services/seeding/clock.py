"""The demo's time line: the years before ``today``, in microseconds since the epoch.

Rows are generated with integer timestamps (microseconds since 1970-01-01 UTC) and day
numbers (0 = the first day of the window); :class:`Window` turns them into the aware UTC
datetimes and dates the database stores. A window of ``years`` years is ``365 * years`` days
long (leap days are not added: one year is exactly the 12 months the demo has always had).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
DAYS_PER_YEAR = 365
MIN_YEARS = 1
MAX_YEARS = 10

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SATURDAY = 5


@dataclass(frozen=True)
class Window:
    """Day 0 is ``today - days``; day ``days`` is ``today`` (not yet over: no history).

    ``days`` is ``365 * years``: day numbers run from 0 to ``days - 1`` before today.
    """

    today: dt.date
    years: int = 1
    days: int = field(init=False)
    first_day: dt.date = field(init=False)
    start_us: int = field(init=False)
    today_us: int = field(init=False)
    _first_weekday: int = field(init=False)

    def __post_init__(self) -> None:
        if not MIN_YEARS <= self.years <= MAX_YEARS:
            raise ValueError(f"a window is {MIN_YEARS} to {MAX_YEARS} years (got {self.years})")
        days = DAYS_PER_YEAR * self.years
        first = self.today - dt.timedelta(days=days)
        start = dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "first_day", first)
        object.__setattr__(self, "start_us", (start - _EPOCH) // dt.timedelta(microseconds=1))
        object.__setattr__(self, "today_us", self.start_us + days * US_PER_DAY)
        object.__setattr__(self, "_first_weekday", first.weekday())

    @staticmethod
    def datetime(epoch_us: int) -> dt.datetime:
        """The aware UTC datetime of a timestamp."""
        return _EPOCH + dt.timedelta(microseconds=epoch_us)

    def date(self, day: int) -> dt.date:
        return self.first_day + dt.timedelta(days=day)

    def day_of(self, epoch_us: int) -> int:
        """The window day number of a timestamp (negative before the window)."""
        return (epoch_us - self.start_us) // US_PER_DAY

    def day_start_us(self, day: int) -> int:
        return self.start_us + day * US_PER_DAY

    def is_workday(self, day: int) -> bool:
        return (self._first_weekday + day) % 7 < _SATURDAY

    def next_workday(self, day: int) -> int:
        """``day`` itself when it is Monday to Friday, else the following Monday."""
        weekday = (self._first_weekday + day) % 7
        return day if weekday < _SATURDAY else day + 7 - weekday

    def workdays(self) -> list[int]:
        """The Monday-to-Friday day numbers before today."""
        return [day for day in range(self.days) if self.is_workday(day)]
