"""The Marketing tab's range: a preset (last 7, 30, 90 days, 12 months) or two dates."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from portal_desktop import clock
from portal_desktop.views import a11y
from portal_desktop.views.date_range import date_edit

PRESETS = (
    ("7", "Last 7 days"),
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("365", "Last 12 months"),
    ("custom", "Custom range"),
)
DEFAULT_DAYS = 30


class RangeBar(QWidget):
    """ "Campaigns over [preset] [start] to [end]"; ``changed`` when the user picks another
    range (not when :meth:`set_range` is called)."""

    changed = Signal()

    def __init__(self, tz: dt.tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        today = self.today()
        self.preset = QComboBox(self)
        self.preset.setObjectName("rangePreset")
        for key, title in PRESETS:
            self.preset.addItem(title, key)
        self.preset.setCurrentIndex(1)
        start = today - dt.timedelta(days=DEFAULT_DAYS - 1)
        self.start = a11y.named(date_edit(self, "rangeStart", start), "Campaigns from")
        self.end = a11y.named(date_edit(self, "rangeEnd", today), "Campaigns to")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(QLabel("Campaigns over", self))
        layout.addWidget(self.preset)
        layout.addWidget(self.start)
        layout.addWidget(QLabel("to", self))
        layout.addWidget(self.end)
        self.preset.currentIndexChanged.connect(self._on_preset)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self._on_dates_edited)

    def today(self) -> dt.date:
        return clock.today(self.tz)

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen days, first to last (both included)."""
        start, end = self.start.date().toPython(), self.end.date().toPython()
        return (start, end) if start <= end else (end, start)

    def set_range(self, start: dt.date, end: dt.date) -> None:
        """Show these dates as a custom range (no ``changed``)."""
        self._set_dates(start, end)
        self._set_custom()

    def _set_dates(self, start: dt.date, end: dt.date) -> None:
        for edit, day in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def _set_custom(self) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.count() - 1)
        self.preset.blockSignals(False)

    def _on_preset(self) -> None:
        key = self.preset.currentData()
        if key == "custom":
            return
        today = self.today()
        self._set_dates(today - dt.timedelta(days=int(key) - 1), today)
        self.changed.emit()

    def _on_dates_edited(self) -> None:
        self._set_custom()
        self.changed.emit()
