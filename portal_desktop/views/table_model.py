"""One generic, SQL-backed table model for every list of the app.

``rowCount()`` is the SQL count of the current search; ``data()`` answers from the pages
held in a :class:`~portal_desktop.views.page_cache.PageCache`. A row whose page is not held
yet shows a quiet placeholder (``…`` in the placeholder colour, no raw value, no key) while
a :class:`~portal_desktop.views.page_reader.PageReader` reads its page in a worker; when it
lands, ``dataChanged`` names exactly its rows. Nothing in ``data()`` waits on the database.
Sorting and searching re-run the query in SQL (never a ``QSortFilterProxyModel``).

A new query (search, filters, chips, order) is read in workers: its first page, then its
COUNT. The old rows stay on screen until the first page lands; then the model resets (no
row keeps its place) and the rows past the first page are inserted when the count lands
(``refreshed``). A refresh of the same query reads the first page and the count in one
worker and keeps the rows, selection and scroll: the other pages held are shown until
read again. Answers and pages of a query replaced since are dropped.

For tests and screens: ``is_loaded(first, last)`` (asks for the rows' pages) and
``read_rows(rows, done)`` (the values of any rows, read in a worker if not held).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QGuiApplication, QPalette
from sqlalchemy import ColumnElement, Engine

from portal_desktop import clock
from portal_desktop.db.paged_rows import DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, Row, count_rows
from portal_desktop.db.query_spec import ColumnKind, ListQuery, ListSpec, SortOrder
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.list_aggregates import ListAggregates, run_tracked
from portal_desktop.views.page_cache import PageCache
from portal_desktop.views.page_reader import PageReader, first_page, page_and_count
from portal_desktop.views.row_text import RowText
from portal_desktop.views.workers import OpGeneration, run_in_worker

AnyIndex = QModelIndex | QPersistentModelIndex

# Roles as plain ints: data() runs for every role of every painted cell, so it compares
# ints (PySide passes the role as an int; comparing with an enum member is 5x slower).
DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole.value)
ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole.value)
FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole.value)
# data(index, RAW_ROLE): the value as the database gave it (Decimal, date, enum word…).
RAW_ROLE = int(Qt.ItemDataRole.UserRole.value)
# data(index, KEY_ROLE): the row's primary key, to open the record it shows.
KEY_ROLE = RAW_ROLE + 1
_ROW_ROLES = frozenset({DISPLAY_ROLE, RAW_ROLE, KEY_ROLE})
# What a row not read yet shows in its first column (the others stay empty).
PLACEHOLDER = "…"

_NUMERIC = (ColumnKind.MONEY, ColumnKind.NUMBER, ColumnKind.PERCENT)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_LEFT = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter).value)


class QueryTableModel(QAbstractTableModel):
    """A read-only table over a :class:`ListSpec`, paged, sorted and searched in SQL."""

    # After every count (first load, search, refresh): the number of rows now listed.
    refreshed = Signal(int)
    # A count or a query failed (the database went away…): what went wrong, in words.
    count_failed = Signal(str)
    # A page of rows could not be read: what went wrong (its rows are asked again later).
    read_failed = Signal(str)
    # Rows first..last got their values (a page landed).
    rows_loaded = Signal(int, int)
    # The chips' counts landed: {group key: {value: count}} (see request_chip_counts).
    chip_counts_ready = Signal(object)
    # The money totals landed: {column number: Decimal} (see request_totals).
    totals_ready = Signal(object)
    # True while any worker of this model (query, count, page, chip counts…) is running.
    busy_changed = Signal(bool)

    def __init__(
        self,
        engine: Engine,
        spec: ListSpec,
        *,
        formatter: Formatter | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.formatter = formatter or Formatter()
        self._kinds = [col.kind for col in spec.columns]
        self.text = RowText(spec, self.formatter)
        self._alignments = [_RIGHT if kind in _NUMERIC else _LEFT for kind in self._kinds]
        self._engine = engine
        self.refreshed_at = clock.local_now(self.formatter.tz)
        self._pending = 0
        self._query = spec.query()  # the query asked for last (on screen once it landed)
        self._tickets = OpGeneration()  # for the query, count and refresh answers
        self._asking = False  # a query or refresh asked for has not landed yet
        self._recount = True  # the query asked for needs counting (not only another order)
        self.rows = PageCache(self._query, page_size=page_size, max_pages=max_pages)
        self.reader = PageReader(engine, self.rows, self._busy, self)
        self.reader.page_ready.connect(self._on_page)
        self.reader.failed.connect(self.read_failed)
        self._aggregates = ListAggregates(engine, self._busy, self.count_failed.emit, self)
        self._aggregates.chip_counts_ready.connect(self.chip_counts_ready)
        self._aggregates.totals_ready.connect(self.totals_ready)
        self._ask(self._query)

    @property
    def counted(self) -> bool:
        """Whether the query asked for is on screen and rowCount() is its full count."""
        return self.rows.counted and not self._asking

    # --- what the user chose -----------------------------------------------------------

    @property
    def search_text(self) -> str:
        return self._query.search

    @property
    def sort_order(self) -> SortOrder:
        return self._query.sort

    def set_search(self, text: str) -> None:
        text = text.strip()
        if text != self.search_text:
            self._ask(self._query.with_search(text))

    def set_filters(self, *conditions: ColumnElement[bool]) -> None:
        """Narrow the list with WHERE conditions (a screen's status or date filters)."""
        self._ask(self._query.with_filters(*conditions))

    @property
    def query_asked(self) -> ListQuery:
        """The query asked for last (``rows.query`` is the one on screen until it lands)."""
        return self._query

    @property
    def chips_chosen(self) -> dict[str, tuple[Any, ...]]:
        return self._query.chips_chosen

    def set_chips(self, chosen: dict[str, Any]) -> None:
        """Show only the rows of the chosen chips: ``{"status": ["NEW"], "created": ["30d"]}``
        (keys are the spec's chip groups; an empty list drops that group's filter)."""
        query = self._query.with_chips(chosen)
        if query.chip_filters != self._query.chip_filters:
            self._ask(query)

    def set_row_finish(self, finish: Callable[[Any, list[Row]], list[Row]]) -> None:
        """Run ``finish(connection, rows)`` on every page read (in the worker), e.g. to turn
        the audit trail's raw values into readable lines."""
        self._ask(replace(self._query, finish=finish), recount=False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.spec.columns):
            return  # a view clearing its sort indicator: keep the current order
        wanted = SortOrder(column, descending=order == Qt.SortOrder.DescendingOrder)
        if wanted != self.sort_order:
            # Same rows in another order: no need to count them again.
            self._ask(self._query.with_sort(wanted), recount=False)

    # --- chip counts and totals (over the query asked for) ----------------------------------

    @property
    def money_columns(self) -> list[int]:
        return [n for n, kind in enumerate(self._kinds) if kind is ColumnKind.MONEY]

    def request_chip_counts(self) -> None:
        """Count every chip's rows in a worker: ``chip_counts_ready({group: {value: n}})``."""
        self._aggregates.request_chip_counts(self._query)

    def request_totals(self) -> None:
        """SUM the money columns in a worker: ``totals_ready({column: Decimal})``."""
        self._aggregates.request_totals(self._query, self.money_columns)

    # --- workers -------------------------------------------------------------------------

    def _in_worker(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        run_tracked(run_in_worker, work, done, self._busy, self.count_failed.emit, self)

    def _busy(self, step: int) -> None:
        was, self._pending = self.busy, max(self._pending + step, 0)
        if self.busy != was:
            self.busy_changed.emit(self.busy)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    # --- a new query: first page, then count ---------------------------------------------

    def _ask(self, query: ListQuery, *, recount: bool = True) -> None:
        self._query = query
        self._recount = self._recount or recount or not self.rows.counted
        self._asking = True
        self._start_query(self._tickets.next())  # answers to earlier queries are dropped

    def _start_query(self, ticket: int) -> None:
        if not self._tickets.is_current(ticket):
            return
        query, recount, size = self._query, self._recount, self.rows.page_size
        engine = self._engine
        self._in_worker(
            lambda: first_page(engine, query, size),
            lambda got: self._query_landed(ticket, recount, *got),
        )

    def _query_landed(self, ticket: int, recount: bool, query: ListQuery, page: list[Row]) -> None:
        if not self._tickets.is_current(ticket):
            return
        self._asking = False
        size = self.rows.page_size
        if recount:
            self._recount = False
            total, counted = (len(page), True) if len(page) < size else (size, False)
        else:
            total, counted = self.rows.total, self.rows.counted
        self.reader.invalidate()
        self.beginResetModel()
        self.rows.reset(query, page, total=total, counted=counted)
        self.endResetModel()
        if recount and counted:
            self._counted()
        elif recount:
            # Count once the view has painted the first page: a count competing with that
            # paint for the CPU slows it down. Two trips through the event queue: the first
            # lets the events already waiting (layout) go, the second queues behind the paint
            # they posted. A query replaced before then is never counted.
            QTimer.singleShot(0, self, lambda: self._start_count(ticket, hops=1))

    def _start_count(self, ticket: int, *, hops: int = 0) -> None:
        if not self._tickets.is_current(ticket):
            return
        if hops:
            QTimer.singleShot(0, self, lambda: self._start_count(ticket, hops=hops - 1))
            return
        engine, query = self._engine, self.rows.query
        self._in_worker(
            lambda: count_rows(engine, query), lambda total: self._on_counted(ticket, total)
        )

    def _on_counted(self, ticket: int, total: int) -> None:
        if self._tickets.is_current(ticket):
            self._resize(total)
            self._counted()

    def _resize(self, total: int) -> None:
        """Insert or remove the rows past the ones listed, to list ``total`` rows."""
        shown = self.rows.total
        if total > shown:
            self.beginInsertRows(QModelIndex(), shown, total - 1)
            self.rows.set_total(total)
            self.endInsertRows()
        elif total < shown:  # rows deleted since the first page was read
            self.beginRemoveRows(QModelIndex(), total, shown - 1)
            self.rows.set_total(total)
            self.endRemoveRows()
        else:
            self.rows.set_total(total)

    def _counted(self) -> None:
        self.refreshed_at = clock.local_now(self.formatter.tz)
        self.refreshed.emit(self.rows.total)

    # --- the same query again ----------------------------------------------------------

    def refresh(self) -> None:
        """Count and read again: other windows or machines may have changed the rows. The
        rows stay where they are (selection, scroll) while they are read again."""
        if self._asking or not self.rows.counted:
            self._ask(self._query)  # a first page and a count are coming anyway
            return
        ticket = self._tickets.next()
        self._asking = True
        engine, query, size = self._engine, self.rows.query, self.rows.page_size
        self._in_worker(
            lambda: page_and_count(engine, query, size),
            lambda got: self._refreshed(ticket, *got),
        )

    def _refreshed(self, ticket: int, page: list[Row], total: int) -> None:
        if not self._tickets.is_current(ticket):
            return
        self._asking = False
        self.reader.invalidate()
        self._resize(total)
        self.rows.refill(page, total)
        if total:
            last = self.index(total - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        self._counted()

    # --- pages ---------------------------------------------------------------------------

    def _on_page(self, first: int, last: int) -> None:
        # A page read before the count shrank may reach past the rows listed now.
        last = min(last, self.rowCount() - 1)
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
        self.rows_loaded.emit(first, last)

    def is_loaded(self, first: int, last: int | None = None) -> bool:
        """Whether rows first..last of the query asked for are held (their pages are asked
        for if not): ``qtbot.waitUntil(lambda: model.is_loaded(0, 9))``."""
        return not self._asking and self.rows.holds(first, first if last is None else last)

    def read_rows(self, rows: Sequence[int], done: Callable[[list[Row]], None]) -> None:
        """``done(values)``: the values of these rows, in the order given (rows past the end
        left out); at once when all are held, else once a worker has read them."""
        self.reader.read_rows(rows, done, self._in_worker)

    # --- QAbstractTableModel -----------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self.rows.total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.spec.columns)

    def data(self, index: AnyIndex, role: int = DISPLAY_ROLE) -> Any:
        if role not in _ROW_ROLES:
            if role == ALIGNMENT_ROLE and index.column() >= 0:
                return self._alignments[index.column()]
            if role == FOREGROUND_ROLE and self._waits_for(index):
                return QBrush(QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText))
            return None
        row = self.rows.row(index.row())  # None for an invalid index (row -1)
        if row is None:
            if role == DISPLAY_ROLE and self._waits_for(index):
                return PLACEHOLDER if index.column() == 0 else ""
            return None
        if role == KEY_ROLE:
            return row[-1]
        column = index.column()
        value = row[column]
        if role == RAW_ROLE:
            return value
        return self.text.cell(column, value)

    def multiData(self, index: AnyIndex, roleDataSpan: QModelRoleDataSpan) -> None:  # noqa: N802, N803
        """Every role a view asks of a cell, in one call into Python: Qt asks about eight
        per painted cell, and each call from C++ into Python waits its turn for the
        interpreter while a worker holds it (paints of a list took 100 ms and more)."""
        for role_data in roleDataSpan:
            role_data.setData(self.data(index, role_data.role()))

    def _waits_for(self, index: AnyIndex) -> bool:
        """Whether this cell is listed but its row not read yet (its page is wanted)."""
        return 0 <= index.row() < self.rows.total and self.rows.row(index.row()) is None

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return f"{section + 1:,}" if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(self.spec.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.spec.columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignments[section]
        return None

    # flags() is QAbstractTableModel's (enabled, selectable, never has children): read-only
    # here, and left in C++ because the view asks it for every painted cell.

    # --- for screens and tests ---------------------------------------------------------

    def row_values(self, row: int) -> Row | None:
        """The plain tuple behind a row (the columns' raw values, then the primary key), or
        None while it is not read (it is asked for)."""
        return self.rows.row(row)

    def row_key(self, row: int) -> Any:
        values = self.rows.row(row)
        return None if values is None else values[-1]

    def keys_of(self, rows: Iterable[int]) -> list[Any]:
        """The primary keys of these rows, in the order given (rows not read skipped: see
        :meth:`read_rows` for rows that may not be)."""
        return [key for key in (self.row_key(row) for row in rows) if key is not None]

    def tsv(self, rows: Iterable[int], columns: Iterable[int] | None = None) -> str:
        """These rows (those read) as tab-separated text, as shown on screen."""
        return self.text.tsv([v for v in map(self.rows.row, rows) if v is not None], columns)
