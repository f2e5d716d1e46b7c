"""The table view of a list tab: rows of one height, columns sized to their hints, badges.

Rows never size to their contents (that would read every row); the columns share the
view's width in proportion to their spec's hints until the user sizes one by hand.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from portal_desktop.db.query_spec import ColumnKind
from portal_desktop.views import a11y
from portal_desktop.views.badges import BadgeDelegate
from portal_desktop.views.table_model import RAW_ROLE, QueryTableModel

# ENUM columns of these names are drawn as badges.
BADGE_COLUMNS = frozenset({"status", "outcome"})
ROW_HEIGHT_PADDING = 10


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
        char = self.fontMetrics().averageCharWidth()
        padding = 4 * char  # cell margins and the sort arrow
        self._widths = [
            max(col.width * char, header.fontMetrics().horizontalAdvance(col.title)) + padding
            for col in self.spec.columns
        ]
        self._fitting = False
        self._user_sized = False
        header.sectionResized.connect(self._on_section_resized)
        self.fit_columns()
        sort = self.spec.default_sort
        order = Qt.SortOrder.DescendingOrder if sort.descending else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(sort.column, order)
        self.setSortingEnabled(True)  # sorts the model by the indicator: a no-op here
        self._setup_badges()

    def fit_columns(self) -> None:
        """Share the view's width among the columns in proportion to their hints (never
        narrower than the hint), until the user sizes a column by hand."""
        if self._user_sized:
            return
        spare = self.viewport().width() - sum(self._widths)
        scale = 1 + max(spare, 0) / sum(self._widths)
        self._fitting = True
        try:
            for number, width in enumerate(self._widths):
                self.setColumnWidth(number, int(width * scale))
        finally:
            self._fitting = False

    def keep_column_widths(self) -> None:
        """The user's widths were restored: stop sharing the width out."""
        self._user_sized = True

    def _on_section_resized(self, *_: int) -> None:
        if not self._fitting:
            self._user_sized = True

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit_columns()

    def _setup_badges(self) -> None:
        self._badge = BadgeDelegate(self, raw_role=RAW_ROLE)
        for number, column in enumerate(self.spec.columns):
            name = getattr(column.expr, "name", "")
            if column.kind is ColumnKind.ENUM and name in BADGE_COLUMNS:
                self.setItemDelegateForColumn(number, self._badge)
