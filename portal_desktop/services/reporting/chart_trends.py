"""The dashboard's sections over time: a point per local day, ISO week or month of the range
(:mod:`.chart_series` adds them up in SQL), each point leading to its bucket's records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from portal_desktop.services.reporting.chart_model import Panel, Section, Series, Target
from portal_desktop.services.reporting.chart_periods import bucket_days
from portal_desktop.services.reporting.chart_series import (
    NO_SOURCE,
    OTHER_SOURCES,
    Bucketer,
    leads_by_source,
    money_over_time,
)


def _trend_panel(
    key: str, title: str, unit: str, keys: list[dt.date], series: list[Series], buckets: Bucketer
) -> Panel:
    """A line per series, a point per bucket (its first day names it)."""
    categories = [day.isoformat() for day in keys]
    x_title = buckets.granularity.value.capitalize()
    return Panel(key, title, "line", unit, categories, series, x_title=x_title)


def money_section(session: Session, buckets: Bucketer, keys: list[dt.date]) -> Section:
    money = money_over_time(session, buckets)
    days = [bucket_days(key, buckets.granularity, buckets.period) for key in keys]
    zero = Decimal("0.00")
    cash = Series(
        "Cash collected",
        [money.cash.get(key, zero) for key in keys],
        [Target("payment_schedules", {"paid_from": d.start, "paid_to": d.end}) for d in days],
    )
    contracted = Series(
        "Contracted revenue",
        [money.contracted.get(key, zero) for key in keys],
        [Target("enrollments", {"start_from": d.start, "start_to": d.end}) for d in days],
    )
    title = "Cash collected vs contracted revenue"
    panel = _trend_panel("money_over_time", title, "money", keys, [cash, contracted], buckets)
    return Section("money", title, [panel])


def sources_section(session: Session, buckets: Bucketer, keys: list[dt.date]) -> Section:
    found = leads_by_source(session, buckets)
    days = [bucket_days(key, buckets.granularity, buckets.period) for key in keys]
    series = []
    for name in found.sources:
        counts = found.counts[name]
        targets: list[Target | None] = [
            None
            if name == OTHER_SOURCES
            else Target(
                "pipeline",
                {
                    "source": None if name == NO_SOURCE else name,
                    "created_from": d.start,
                    "created_to": d.end,
                },
            )
            for d in days
        ]
        series.append(Series(name, [counts.get(key, 0) for key in keys], targets))
    panel = _trend_panel("lead_sources", "Leads by source", "count", keys, series, buckets)
    return Section("sources", "Lead sources over time", [panel])
