"""The managers' dashboard's shape: cards, sections of panels, series and click targets.

Plain values (no database, no Qt): :func:`portal_desktop.services.reporting.chart_data.dashboard`
fills them; the Charts tab plots them and the exports write them. What a :class:`Target`'s
list names and filters mean is told in :mod:`portal_desktop.services.reporting.chart_data`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.reporting.chart_periods import Granularity
from portal_desktop.services.reporting.kpis import KpiReport

Number = Decimal | int | None


@dataclass(frozen=True)
class Target:
    """Where clicking a point leads: a list and its filters (see the module docstring)."""

    list_name: str
    filters: dict[str, Any]


@dataclass(frozen=True)
class Series:
    """One line or set of bars: a value (and optionally a click target) per category."""

    name: str
    values: list[Number]
    targets: list[Target | None] = field(default_factory=list)


@dataclass(frozen=True)
class Panel:
    """One plot. ``kind``: "line", "bar" or "grid" (rows = series, columns = categories).
    ``unit``: "money", "count" or "ratio" (the value axis). ``notes``: a text per category
    (the funnel's step rates)."""

    key: str
    title: str
    kind: str
    unit: str
    categories: list[str]
    series: list[Series]
    x_title: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(value for series in self.series for value in series.values)

    def points(self) -> int:
        return sum(len(series.values) for series in self.series)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    panels: list[Panel]

    @property
    def is_empty(self) -> bool:
        return all(panel.is_empty for panel in self.panels)


@dataclass(frozen=True)
class Card:
    """A KPI card: this range's value, the previous period's, and the definition."""

    key: str
    label: str
    unit: str
    value: Number
    previous: Number
    definition: str

    @property
    def change(self) -> Decimal | None:
        """Relative change against the previous period (0.10 = +10 %), None when unknown."""
        if self.value is None or self.previous is None or not self.previous:
            return None
        return (Decimal(self.value) - Decimal(self.previous)) / abs(Decimal(self.previous))


@dataclass(frozen=True)
class Dashboard:
    period: DateRange
    previous: DateRange
    granularity: Granularity
    currency: str
    time_zone: str
    made_at: dt.datetime
    report: KpiReport
    previous_report: KpiReport
    cards: list[Card]
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)

    def panel(self, key: str) -> Panel:
        return next(p for section in self.sections for p in section.panels if p.key == key)
