"""Small read-only tables of plain text rows (schedules, payments, audit trail, previews)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from portal_desktop.views import a11y

Line = Sequence[str]


def make_grid(parent: QWidget, name: str, headers: Sequence[str], title: str) -> QTableWidget:
    """A read-only table named ``name``, read out as ``title`` (Tab leaves it)."""
    grid = a11y.table(QTableWidget(0, len(headers), parent), title)
    grid.setObjectName(name)
    grid.setHorizontalHeaderLabels(list(headers))
    grid.verticalHeader().setVisible(False)
    grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    grid.setAlternatingRowColors(True)
    grid.verticalHeader().setDefaultSectionSize(22)
    header = grid.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return grid


def fill_grid(grid: QTableWidget, lines: Sequence[Line]) -> None:
    grid.setRowCount(len(lines))
    for row, line in enumerate(lines):
        for column, text in enumerate(line):
            item = QTableWidgetItem(text)
            if text[:1].isdigit() or text[:1] in "$-€£":
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.setItem(row, column, item)


def grid_lines(grid: QTableWidget) -> list[list[str]]:
    """The texts of a grid (for tests)."""
    return [
        [grid.item(row, column).text() for column in range(grid.columnCount())]
        for row in range(grid.rowCount())
    ]
