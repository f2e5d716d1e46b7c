"""Between a date/time editor's naive wall-clock time and an aware moment."""

from __future__ import annotations

import datetime as dt


def to_aware(naive: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """A wall-clock time from a date/time editor, in ``tz`` (None: this machine's zone), to
    the minute the editor shows."""
    naive = naive.replace(second=0, microsecond=0)
    return naive.astimezone() if tz is None else naive.replace(tzinfo=tz)


def to_wall_clock(when: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """An aware time as the naive wall-clock time a date/time editor shows."""
    return when.astimezone(tz).replace(tzinfo=None)
