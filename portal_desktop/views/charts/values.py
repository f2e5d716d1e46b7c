"""How chart values read and look: exact texts for hover and cards, short axis ticks, the
series' colours (the theme's: views/theme.py chart_colours)."""

from __future__ import annotations

import math
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtGui import QColor

from portal_desktop.services.reporting.chart_model import Card, Number
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.theme import chart_colours, mix

__all__ = ["colour", "mix"]  # mix: the theme's, where the charts have always found it

TIMES, DASH = "\u00d7", "\u2013"  # the x of "2.5x" ROAS, the dash of a range
MAX_TICKS = 12
LABEL_CHARS = 26
HORIZONTAL_AFTER = 14
LEGEND_COLUMNS = 4
AXIS_TITLES = {
    "money": "Amount ({currency})",
    "count": "Count",
    "ratio": "Rate (%)",
    "ratio_x": f"Return on ad spend ({TIMES})",
}


def colour(index: int) -> QColor:
    series = chart_colours().series
    return series[index % len(series)]


def value_text(unit: str, value: Number, formatter: Formatter) -> str:
    """A value as the hover text and cards show it, exactly (money to the cent)."""
    if value is None:
        return "—"
    if unit == "money":
        return formatter.money(Decimal(value))
    if unit == "ratio":
        return f"{Decimal(value) * 100:.1f} %"
    if unit == "ratio_x":
        return f"{Decimal(value):.2f}{TIMES}"
    return f"{int(value):,}"


def short_money(value: float, symbol: str) -> str:
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{'-' if value < 0 else ''}{symbol}{size / limit:.3g}{suffix}"
    return f"{'-' if value < 0 else ''}{symbol}{size:,.0f}"


class ValueAxis(pg.AxisItem):
    """The value axis: ticks written in the panel's unit (currency, %, times, counts)."""

    def __init__(self, unit: str, formatter: Formatter, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.unit = unit
        self.formatter = formatter
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        if self.unit == "money":
            return [short_money(value, self.formatter.symbol) for value in values]
        if self.unit == "ratio":
            return [f"{value * 100:.0f} %" for value in values]
        if self.unit == "ratio_x":
            return [f"{value:.1f}{TIMES}" for value in values]
        return [f"{value:,.0f}" if value == int(value) else "" for value in values]


def short_label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def category_ticks(categories: list[str]) -> list[tuple[float, str]]:
    step = max(1, math.ceil(len(categories) / MAX_TICKS))
    return [(float(i), short_label(name)) for i, name in enumerate(categories) if i % step == 0]


def as_float(value: Number) -> float:
    return math.nan if value is None else float(value)


def change_text(card: Card) -> str:
    """``▲ 12.5 %`` against the previous period; empty when there is nothing to compare."""
    change = card.change
    if change is None:
        return ""
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
    return f"{arrow} {abs(change) * 100:.1f} %"
