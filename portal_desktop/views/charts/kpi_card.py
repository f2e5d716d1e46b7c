"""A KPI card of the Charts tab: the value, its change against the previous period (green
when it is good news), and the KPI's definition as the tooltip.

The cards' layout (:class:`CardGrid`): one row when they fit at their full width, else as
many columns as fit, so a card's money is never cut and the tab never grows wider than the
window (six cards of eight-figure amounts need about 1,400 pixels, more than a 1280x800
screen gives)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QFrame, QLabel, QLayout, QLayoutItem, QVBoxLayout, QWidget

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


SPACING = 6


class CardGrid(QLayout):
    """Items in equal columns, as many per row as fit at the widest item's size hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._width = 0  # the width last laid out
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(SPACING)

    # --- QLayout's bookkeeping ---

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt's name
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    # --- sizes (no margins: the cards sit in the tab's content layout) ---

    def _cell(self) -> QSize:
        """The widest and tallest card's size hint: every card gets it, so none is cut."""
        hints = [item.sizeHint() for item in self._items]
        width = max((hint.width() for hint in hints), default=0)
        return QSize(width, max((hint.height() for hint in hints), default=0))

    def columns(self, width: int) -> int:
        """How many cards go in a row of ``width`` pixels (at least one)."""
        cell, spacing = self._cell().width(), self.spacing()
        if not self._items or cell <= 0:
            return 1
        fit = max(1, min(len(self._items), (width + spacing) // (cell + spacing)))
        rows = -(-len(self._items) // fit)
        return -(-len(self._items) // rows)  # rows as even as can be: 3 + 3, not 5 + 1

    def _rows_height(self, width: int) -> int:
        rows = -(-len(self._items) // self.columns(width))
        return max(0, rows * (self._cell().height() + self.spacing()) - self.spacing())

    def _height(self) -> int:
        """The rows' height at the width last laid out (one row before the first layout)."""
        return self._rows_height(self._width) if self._width > 0 else self._cell().height()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        cell, n = self._cell(), len(self._items)
        return QSize(n * cell.width() + max(0, n - 1) * self.spacing(), self._height())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt's name
        """One card wide; as tall as the rows at the width last laid out, so new figures that
        need another row get it in the same layout pass. (Not height-for-width: that would make
        the scroll area size every chart by its size hint, taller than now.)"""
        return QSize(self._cell().width(), self._height())

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt's name
        before = self._height()
        super().setGeometry(rect)
        self._width = rect.width()  # kept: invalidate() forgets the layout's geometry
        if self._height() != before:
            self.invalidate()  # a new width made other rows: the content layout makes room
        columns, spacing = self.columns(rect.width()), self.spacing()
        width = (rect.width() - (columns - 1) * spacing) // columns
        height = self._cell().height()
        for index, item in enumerate(self._items):
            row, column = divmod(index, columns)
            x, y = rect.x() + column * (width + spacing), rect.y() + row * (height + spacing)
            item.setGeometry(QRect(QPoint(x, y), QSize(width, height)))
