"""A list tab: a search box over a table of one entity, sorted by clicking a header."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from portal_desktop.db.query_spec import ListSpec
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.table_model import QueryTableModel

SEARCH_DEBOUNCE_MS = 250
ROW_HEIGHT_PADDING = 10


def count_text(count: int, spec: ListSpec) -> str:
    return f"{count:,} {spec.noun if count == 1 else spec.plural}"


class EntityTab(QWidget):
    """Search box + table view over a :class:`QueryTableModel`."""

    # What status_text() says changed (a search, a refresh, a count that landed).
    status_changed = Signal()

    def __init__(
        self,
        engine: Engine,
        spec: ListSpec,
        formatter: Formatter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"tab_{spec.name}")
        self.spec = spec
        self.model = QueryTableModel(engine, spec, formatter=formatter, parent=self)
        self.model.refreshed.connect(self._on_refreshed)
        self.model.count_failed.connect(self._on_count_failed)

        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText(f"Search {spec.plural}…")
        self.search.setClearButtonEnabled(True)
        self.search.setVisible(bool(spec.search_in))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_search)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("countLabel")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.view = QTableView(self)
        self._setup_view()

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search, 2)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._show_count()

    def _setup_view(self) -> None:
        view = self.view
        view.setModel(self.model)
        view.setAlternatingRowColors(True)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setCornerButtonEnabled(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

        rows = view.verticalHeader()
        rows.setVisible(False)
        # Fixed: sizing rows to their contents would read every row.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(view.fontMetrics().height() + ROW_HEIGHT_PADDING)

        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        char = view.fontMetrics().averageCharWidth()
        padding = 4 * char  # cell margins and the sort arrow
        self._widths = [
            max(col.width * char, header.fontMetrics().horizontalAdvance(col.title)) + padding
            for col in self.spec.columns
        ]
        self._fitting = False
        self._user_sized = False
        header.sectionResized.connect(self._on_section_resized)
        self._fit_columns()
        sort = self.spec.default_sort
        order = Qt.SortOrder.DescendingOrder if sort.descending else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(sort.column, order)
        view.setSortingEnabled(True)  # sorts the model by the indicator: a no-op here

    def _fit_columns(self) -> None:
        """Share the view's width among the columns in proportion to their hints (never
        narrower than the hint), until the user sizes a column by hand."""
        if self._user_sized:
            return
        spare = self.view.viewport().width() - sum(self._widths)
        scale = 1 + max(spare, 0) / sum(self._widths)
        self._fitting = True
        try:
            for number, width in enumerate(self._widths):
                self.view.setColumnWidth(number, int(width * scale))
        finally:
            self._fitting = False

    def _on_section_resized(self, *_: int) -> None:
        if not self._fitting:
            self._user_sized = True

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_columns()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._fit_columns()

    def apply_search(self) -> None:
        self._debounce.stop()
        self.model.set_search(self.search.text())
        self._show_count()

    def refresh(self) -> None:
        self.model.refresh()
        self._show_count()

    def status_text(self) -> str:
        """How many rows the list holds, for the status bar."""
        if not self.model.counted:
            return f"Counting {self.spec.plural}…"
        return count_text(self.model.rowCount(), self.spec)

    def _show_count(self) -> None:
        text = self.status_text()
        searching = self.model.counted and bool(self.model.search_text)
        self.count_label.setText(f"{text} found" if searching else text)
        self.status_changed.emit()

    def _on_refreshed(self, _count: int) -> None:
        self._show_count()

    def _on_count_failed(self, problem: str) -> None:
        self.count_label.setText(f"Could not count the {self.spec.plural}: {problem}")
