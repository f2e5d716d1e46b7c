"""A KPI card of the Charts tab: the value, its change against the previous period (green
when it is good news), and the KPI's definition as the tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from portal_desktop.services.reporting.chart_model import Card
from portal_desktop.views.charts.values import change_text, value_text
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.theme import chart_colours


class KpiCard(QFrame):
    """A KPI's value, its change against the previous period, and its definition (tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(self)
        self.value = QLabel(self)
        self.change = QLabel(self)
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        self.value.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        for label in (self.title, self.value, self.change):
            layout.addWidget(label)
        self.setMinimumWidth(150)

    def show_card(self, card: Card, formatter: Formatter, previous_text: str) -> None:
        self.title.setText(card.label)
        self.value.setText(value_text(card.unit, card.value, formatter))
        change = card.change
        before = value_text(card.unit, card.previous, formatter)
        if change is None:
            self.change.setText(f"previous period: {before}")
            self.change.setStyleSheet("")
        else:
            up_is_good = card.key != "receivables_overdue"
            good = (change > 0) == up_is_good if change else True
            self.change.setText(f"{change_text(card)} vs {before}")
            colours = chart_colours(self.palette())
            self.change.setStyleSheet(f"color: {(colours.good if good else colours.bad).name()};")
        self.setToolTip(
            f"<b>{card.label}</b><br>{card.definition}<br><br>Change against {previous_text}."
        )
