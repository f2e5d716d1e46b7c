"""How the Sales-calls list paints its rows: a past call still without an outcome is amber
(the whole row, and the outcome badge says "Pending" on amber); the days a range covers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from portal_desktop import clock
from portal_desktop.db.list_queries import SALES_CALLS
from portal_desktop.views.badges import BadgeDelegate
from portal_desktop.views.table_model import QueryTableModel
from portal_desktop.views.theme import FLAG, tone

AnyIndex = QModelIndex | QPersistentModelIndex
_TITLES = [column.title for column in SALES_CALLS.columns]
SCHEDULED_COLUMN = _TITLES.index("Scheduled")
OUTCOME_COLUMN = _TITLES.index("Outcome")

Day = tuple[dt.date, dt.date]  # first day, last day (both included)


def period(choice: str, today: dt.date, start: dt.date, end: dt.date) -> Day | None:
    """The days a range choice covers (None: every call)."""
    if choice == "today":
        return today, today
    if choice == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return monday, monday + dt.timedelta(days=6)
    if choice == "range":
        return (start, end) if start <= end else (end, start)
    return None


def needs_outcome(values: tuple[Any, ...] | None, now: dt.datetime) -> bool:
    """Whether a listed call's time has come and it still has no outcome."""
    if values is None:
        return False
    return values[OUTCOME_COLUMN] is None and values[SCHEDULED_COLUMN] <= now


def overdue_color() -> QColor:
    """The amber of a call that needs an outcome, on the current theme."""
    return tone(FLAG).fill


def _overdue_brush(index: AnyIndex) -> QBrush | None:
    model = index.model()
    if isinstance(model, QueryTableModel):
        values = model.row_values(index.row())
        if needs_outcome(values, clock.now()):
            return QBrush(overdue_color())
    return None


class OverdueRowDelegate(QStyledItemDelegate):
    """Paints the whole row of a call that needs an outcome in amber."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        brush = _overdue_brush(index)
        if brush is not None:
            option.backgroundBrush = brush


class OutcomeBadgeDelegate(BadgeDelegate):
    """The outcome as a badge; "Pending" on amber when the call needs an outcome."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        brush = _overdue_brush(index)
        if brush is not None:
            option.backgroundBrush = brush
