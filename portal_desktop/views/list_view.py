"""The table view of a list tab: rows of one height, columns sized to what they show, badges.

Rows never size to their contents (that would read every row). Columns size to their
titles, their spec's hints and the rows read so far (:mod:`.column_widths`: money and
dates are never elided, long text gives way first) until the user sizes one by hand.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from portal_desktop.db.query_spec import ColumnKind, ListColumn
from portal_desktop.views import a11y
from portal_desktop.views.badges import BADGE_PADDING, BadgeDelegate
from portal_desktop.views.column_widths import ColumnFit
from portal_desktop.views.empty_state import EmptyState
from portal_desktop.views.table_model import RAW_ROLE, QueryTableModel

# ENUM columns of these names are drawn as badges.
BADGE_COLUMNS = frozenset({"status", "outcome"})
# Text columns of these names are never elided (like money and dates).
WHOLE_COLUMNS = frozenset({"phone"})
ROW_HEIGHT_PADDING = 10
# Rows measured each time rows land: about a screenful (~4 ms for the leads list's 32 rows;
# measuring more would add to the time a tab takes to open).
MEASURED_ROWS = 32


def column_name(column: ListColumn) -> str:
    """The name of a column's SQL expression ("" for an expression without one)."""
    return str(getattr(column.expr, "name", "") or "")


class ListView(QTableView):
    """A QTableView set up for a :class:`QueryTableModel` (sorted by its header in SQL)."""

    def __init__(self, model: QueryTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = model.spec
        self.setModel(model)
        a11y.table(self, self.spec.title)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

        rows = self.verticalHeader()
        rows.setVisible(False)
        # Fixed: sizing rows to their contents would read every row.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + ROW_HEIGHT_PADDING)

        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        columns = self.spec.columns
        badges = [BADGE_PADDING if self._is_badge(n) else 0 for n in range(len(columns))]
        whole = {n for n, col in enumerate(columns) if column_name(col) in WHOLE_COLUMNS}
        self._fit = ColumnFit(
            columns, model.formatter, self.fontMetrics(), header.fontMetrics(), badges, whole
        )
        self._fitting = False
        self._user_sized = False
        header.sectionResized.connect(self._on_section_resized)
        model.modelReset.connect(self._measure_first)
        model.rows_loaded.connect(self._measure)
        self._measure_first()
        sort = self.spec.default_sort
        order = Qt.SortOrder.DescendingOrder if sort.descending else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(sort.column, order)
        self.setSortingEnabled(True)  # sorts the model by the indicator: a no-op here
        self._setup_badges()
        self.empty_state = EmptyState(self, model)  # what an empty list holds, what to do

    def fit_columns(self) -> None:
        """Size the columns to the view's width (:class:`ColumnFit`), until the user sizes a
        column by hand."""
        if self._user_sized:
            return
        self._fitting = True
        try:
            for number, width in enumerate(self._fit.widths(self.viewport().width())):
                self.setColumnWidth(number, width)
        finally:
            self._fitting = False

    def _measure_first(self) -> None:
        self._measure(0, MEASURED_ROWS - 1)

    def _measure(self, first: int, last: int) -> None:
        """Make room for what rows first..last show (at most a screenful of them): the rows
        already held only. Asking for a row reads ahead, so measuring each page that lands
        by asking would read the whole list, page after page."""
        model = self.model()
        assert isinstance(model, QueryTableModel)
        grew = False
        for row in range(first, min(last, first + MEASURED_ROWS - 1, model.rowCount() - 1) + 1):
            values = model.rows.held(row)
            if values is None:
                continue
            for column in range(model.columnCount()):
                grew = self._fit.see(column, model.text.cell(column, values[column])) or grew
        if grew or first == 0:
            self.fit_columns()

    @property
    def user_sized(self) -> bool:
        """Whether the user sized a column by hand (then the columns are not fitted)."""
        return self._user_sized

    def refit_columns(self) -> None:
        """Fit the columns to the view again (widths restored from a fitted layout: the
        order and hidden columns stay)."""
        self._user_sized = False
        self.fit_columns()

    def keep_column_widths(self) -> None:
        """The user's widths were restored: stop sharing the width out."""
        self._user_sized = True

    def _on_section_resized(self, *_: int) -> None:
        if not self._fitting:
            self._user_sized = True

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit_columns()
        self.empty_state.setGeometry(self.viewport().rect())

    def _is_badge(self, column: int) -> bool:
        spec_column = self.spec.columns[column]
        return spec_column.kind is ColumnKind.ENUM and column_name(spec_column) in BADGE_COLUMNS

    def _setup_badges(self) -> None:
        self._badge = BadgeDelegate(self, raw_role=RAW_ROLE)
        for number in range(len(self.spec.columns)):
            if self._is_badge(number):
                self.setItemDelegateForColumn(number, self._badge)
