"""How wide a list's columns are: sized to what they show, each with a sensible minimum.

Money, dates, numbers and badges are never cut short: their width is the widest of their
title, a sample value ("$99,999.99", "2026-12-28 23:58" in the user's formats) and what
the rows read so far show. Text columns (names, emails, campaigns) start from their spec's
hint, grow to what they show (up to a cap), and are the ones that give way when the view is
narrower than every column's natural width: the widest first, each down to no less than its
own minimum (an email is elided before a phone number). A view wider than that shares the
spare width out in proportion; one too narrow even for the minimums scrolls sideways with
every column at its natural width (nothing is cut short for nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTableView, QTableWidget

from portal_desktop.db.query_spec import ColumnKind
from portal_desktop.views.formatting import Formatter

# Shown whole, always: elided money or dates read as a different figure.
NEVER_ELIDED = frozenset(ColumnKind) - {ColumnKind.TEXT}
SAMPLE_MONEY = Decimal("99999.99")
SAMPLE_MOMENT = dt.datetime(2026, 12, 28, 23, 58, tzinfo=dt.UTC)
# A text column is never narrower than this many average characters (or its title)…
TEXT_MINIMUM_CHARS = 10
# …and never grows past this many for what it shows (a long note is elided).
TEXT_MAXIMUM_CHARS = 40
# Cell margins and a little air; a title also needs room for the sort arrow.
CELL_PADDING_CHARS = 2
TITLE_PADDING_CHARS = 4


class ColumnShape(Protocol):
    """What sizing needs of a column (a list's ``ListColumn`` is one)."""

    @property
    def title(self) -> str: ...

    @property
    def kind(self) -> ColumnKind: ...

    @property
    def width(self) -> int: ...


@dataclass(frozen=True)
class Column:
    """A column of a table that is not a list (a QTableWidget): its title, kind and hint.
    A title may break over two lines (``"Cash\\ncollected"``, see :func:`two_lines`) to
    keep a many-column table narrow."""

    title: str
    kind: ColumnKind = ColumnKind.TEXT
    width: int = 6


def title_width(metrics: QFontMetrics, title: str) -> int:
    """The width of a header title, of its longest line when it has several."""
    return max(metrics.horizontalAdvance(line) for line in title.split("\n"))


def two_lines(title: str) -> str:
    """A title of several words on two lines, broken at the space nearest its middle
    ("Platform\nrevenue", "Cost /\nbooked call"): a many-column table stays narrow."""
    spaces = [n for n, char in enumerate(title) if char == " "]
    if not spaces:
        return title
    cut = min(spaces, key=lambda n: abs(len(title) - 2 * n))
    return f"{title[:cut]}\n{title[cut + 1 :]}"


def sample_text(kind: ColumnKind, formatter: Formatter) -> str:
    """The text a column of this kind must always have room for ("" when none)."""
    if kind is ColumnKind.MONEY:
        return formatter.money(SAMPLE_MONEY)
    if kind is ColumnKind.DATE:
        return formatter.date(SAMPLE_MOMENT.date())
    if kind is ColumnKind.DATETIME:
        return formatter.datetime(SAMPLE_MOMENT)
    return ""


class ColumnFit:
    """The natural and minimum width of each column of one list, in pixels."""

    def __init__(
        self,
        columns: Sequence[ColumnShape],
        formatter: Formatter,
        cells: QFontMetrics,
        titles: QFontMetrics,
        extra: Sequence[int] = (),
        whole: Collection[int] = (),
    ) -> None:
        """``extra``: pixels a column's cells add to their text (a badge's padding);
        ``whole``: text columns never elided either (a phone number cut short is no use)."""
        char = cells.averageCharWidth()
        self._cells = cells
        self._cell_padding = CELL_PADDING_CHARS * char
        self._extra = [*extra, *[0] * (len(columns) - len(extra))]
        self.shrinkable = [
            col.kind not in NEVER_ELIDED and number not in whole
            for number, col in enumerate(columns)
        ]
        self._cap = [
            max(col.width, TEXT_MAXIMUM_CHARS) * char if shrinks else 1 << 20
            for col, shrinks in zip(columns, self.shrinkable, strict=True)
        ]
        self.natural: list[int] = []
        self.minimum: list[int] = []
        for number, col in enumerate(columns):
            title = title_width(titles, col.title) + TITLE_PADDING_CHARS * char
            # Text starts from its hint; figures from their title and sample, then what
            # they show (a figure's hint would only add empty space).
            text = col.kind is ColumnKind.TEXT
            hint = col.width * char + self._cell_padding if text else 0
            sample = self._measure(number, sample_text(col.kind, formatter))
            natural = max(title, hint, sample)
            self.natural.append(natural)
            floor = min(natural, TEXT_MINIMUM_CHARS * char + self._cell_padding)
            self.minimum.append(max(title, floor) if self.shrinkable[number] else natural)

    def _measure(self, column: int, text: str) -> int:
        if not text:
            return 0
        return self._cells.horizontalAdvance(text) + self._cell_padding + self._extra[column]

    def see(self, column: int, text: str) -> bool:
        """Make room for a cell's text; whether the column grew."""
        wanted = min(self._measure(column, text), self._cap[column])
        if wanted <= self.natural[column]:
            return False
        self.natural[column] = wanted
        if not self.shrinkable[column]:
            self.minimum[column] = wanted
        return True

    def widths(self, available: int) -> list[int]:
        """Every column's width in a view ``available`` pixels wide."""
        total = sum(self.natural)
        if total <= available:
            scale = available / total if total else 1
            widths = [int(width * scale) for width in self.natural]
            if widths:
                widths[-1] += available - sum(widths)  # what rounding left over
            return widths
        if sum(self.minimum) > available:
            return list(self.natural)  # it scrolls anyway: cut nothing short
        return self._capped(available)

    def _capped(self, available: int) -> list[int]:
        """The widest text columns give way first: every text column is capped at one width
        (never under its minimum), the largest cap that fits; short ones keep all they need."""

        def widths_at(cap: int) -> list[int]:
            return [
                max(m, min(n, cap)) if s else n
                for n, m, s in zip(self.natural, self.minimum, self.shrinkable, strict=True)
            ]

        low, high = 0, max(self.natural)
        while low < high:  # the largest cap whose widths fit
            cap = (low + high + 1) // 2
            if sum(widths_at(cap)) <= available:
                low = cap
            else:
                high = cap - 1
        widths = widths_at(low)
        spare = available - sum(widths)
        capped = [n for n, w in enumerate(widths) if self.shrinkable[n] and w < self.natural[n]]
        for n in capped[:spare]:  # what the whole-pixel cap left over
            widths[n] += 1
        return widths


class TableFit(QObject):
    """Keeps the columns of a table that is not a list (a QTableWidget, or a view over a
    small model of its own) sized by a :class:`ColumnFit` over the text it shows: a
    QTableWidget calls :meth:`refit` after filling it (a model's reset refits by itself);
    a resize of the table fits them again."""

    MEASURED_ROWS = 200

    def __init__(
        self, table: QTableView, columns: Sequence[ColumnShape], formatter: Formatter
    ) -> None:
        super().__init__(table)
        self.table = table
        self.columns = tuple(columns)
        self.formatter = formatter
        if isinstance(table, QTableWidget):
            table.setHorizontalHeaderLabels([column.title for column in self.columns])
        else:
            table.model().modelReset.connect(self.refit)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        table.viewport().installEventFilter(self)
        self.refit()

    def refit(self) -> None:
        table, model = self.table, self.table.model()
        self.fit = ColumnFit(
            self.columns,
            self.formatter,
            table.fontMetrics(),
            table.horizontalHeader().fontMetrics(),
        )
        for row in range(min(model.rowCount(), self.MEASURED_ROWS)):
            for column in range(min(model.columnCount(), len(self.columns))):
                self.fit.see(column, str(model.index(row, column).data() or ""))
        self.apply()

    def apply(self) -> None:
        for column, width in enumerate(self.fit.widths(self.table.viewport().width())):
            self.table.setColumnWidth(column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self.apply()
        return False
