"""The one clock: "now" and "today" come from here and nowhere else (DESIGN.md).

* :func:`now`: this instant, aware, in UTC (what the database stores);
* :func:`today`: the calendar day it is now in a time zone, normally the installation's
  (``load_settings(session).tz``, or ``ctx.formatter.tz`` in a view): the machine's own date
  is never the answer, since the office and the machine can be on different days;
* :func:`local_midnight_utc` / :func:`end_of_day_utc`: where a local day begins and ends, in
  UTC, for comparing with stored timestamps.

Everything here is plain Python: models, db, services and views may all import it.
``tests/test_one_clock.py`` fails on any other ``date.today()`` / ``datetime.now()``.
"""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """This instant, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def today(tz: dt.tzinfo | None) -> dt.date:
    """The day it is now in ``tz`` (None: the machine's own zone, for a bare Formatter)."""
    return now().astimezone(tz).date()


def local_now(tz: dt.tzinfo | None) -> dt.datetime:
    """This instant as the wall clock in ``tz`` shows it (aware)."""
    return now().astimezone(tz)


def local_midnight_utc(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The UTC instant at which ``day`` begins in ``tz``."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def end_of_day_utc(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The UTC instant at which ``day`` ends in ``tz`` (exclusive bound)."""
    return local_midnight_utc(day + dt.timedelta(days=1), tz)
