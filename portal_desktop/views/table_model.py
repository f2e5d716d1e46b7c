"""One generic, SQL-backed table model for every list of the app.

``rowCount()`` is the SQL count of the current search; ``data()`` reads rows through
:class:`~portal_desktop.db.paged_rows.PagedRows`, which fetches the page a view asks for and
keeps only a few pages. Sorting and searching re-run the query in SQL (never a
``QSortFilterProxyModel``, which would need every row).

Each change of query is a model reset: after a new ORDER BY or search no row keeps its
place, so there are no persistent indexes to move. The reset reads the first page at once
(a list shorter than a page is then complete); the COUNT runs in a QThreadPool worker, and
when it lands the rows after the first page are inserted (``refreshed`` is emitted). So the
first page paints without waiting for a count of a million rows.

Still on the UI thread, for a worker in a next issue: reading a page (~1 ms, but a search
for a rare word scans the whole table to fill it) and sorting by a column no index covers
(SQLite sorts every row first: 0.2 to 2 s on a million leads).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from sqlalchemy import ColumnElement, Engine

from portal_desktop import clock
from portal_desktop.db.paged_rows import (
    DEFAULT_MAX_PAGES,
    DEFAULT_PAGE_SIZE,
    PagedRows,
    Row,
    count_rows,
    fts_available,
    scan_connection,
)
from portal_desktop.db.query_spec import ColumnKind, ListQuery, ListSpec, SortOrder
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.workers import OpGeneration, run_in_worker

AnyIndex = QModelIndex | QPersistentModelIndex

# Roles as plain ints: data() runs for every role of every painted cell, so it compares
# ints (PySide passes the role as an int; comparing with an enum member is 5x slower).
DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole.value)
ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole.value)
# data(index, RAW_ROLE): the value as the database gave it (Decimal, date, enum word…).
RAW_ROLE = int(Qt.ItemDataRole.UserRole.value)
# data(index, KEY_ROLE): the row's primary key, to open the record it shows.
KEY_ROLE = RAW_ROLE + 1
_ROW_ROLES = frozenset({DISPLAY_ROLE, RAW_ROLE, KEY_ROLE})

_NUMERIC = (ColumnKind.MONEY, ColumnKind.NUMBER, ColumnKind.PERCENT)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_LEFT = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter).value)


class _CountRelay(QObject):
    """Carries a worker's count to the UI thread: (generation, total or error text)."""

    finished = Signal(int, object)


class _CountJob(QRunnable):
    def __init__(
        self, engine: Engine, query: ListQuery, generation: int, relay: _CountRelay
    ) -> None:
        super().__init__()
        self._engine = engine
        self._query = query
        self._generation = generation
        # The job keeps the relay alive even if the model goes first.
        self._relay = relay

    def run(self) -> None:
        result: int | str
        try:
            result = count_rows(self._engine, self._query)
        except Exception as exc:  # reported on the UI thread; a pool thread must not raise
            result = f"{type(exc).__name__}: {exc}"
        # RuntimeError: the app is shutting down and nobody is waiting for this count.
        with contextlib.suppress(RuntimeError):
            self._relay.finished.emit(self._generation, result)


class QueryTableModel(QAbstractTableModel):
    """A read-only table over a :class:`ListSpec`, paged, sorted and searched in SQL."""

    # After every count (first load, search, refresh): the number of rows now listed.
    refreshed = Signal(int)
    # A count failed (the database went away…): what went wrong, in words.
    count_failed = Signal(str)
    # The chips' counts landed: {group key: {value: count}} (see request_chip_counts).
    chip_counts_ready = Signal(object)
    # The money totals landed: {column number: Decimal} (see request_totals).
    totals_ready = Signal(object)
    # True while any worker of this model (count, chip counts, totals) is running.
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
        self._null_texts = [col.null_text for col in spec.columns]
        self._alignments = [_RIGHT if kind in _NUMERIC else _LEFT for kind in self._kinds]
        self._engine = engine
        self._generation = 0
        self._relay = _CountRelay()
        self._relay.finished.connect(self._on_counted)
        self.refreshed_at = clock.local_now(self.formatter.tz)
        self._pending = 0
        self._chips_gen = OpGeneration()
        self._totals_gen = OpGeneration()
        self.rows = PagedRows(
            engine,
            spec.query().with_fts(fts_available(engine, spec.fts_table)),
            page_size=page_size,
            max_pages=max_pages,
            defer_count=True,
        )
        self._count()

    @property
    def counted(self) -> bool:
        """Whether rowCount() is the full count yet (it is the first page until then)."""
        return self.rows.counted

    # --- what the user chose -----------------------------------------------------------

    @property
    def search_text(self) -> str:
        return self.rows.query.search

    @property
    def sort_order(self) -> SortOrder:
        return self.rows.query.sort

    def set_search(self, text: str) -> None:
        text = text.strip()
        if text != self.search_text:
            self._reset(lambda: self.rows.set_query(self.rows.query.with_search(text)))

    def set_filters(self, *conditions: ColumnElement[bool]) -> None:
        """Narrow the list with WHERE conditions (a screen's status or date filters)."""
        self._reset(lambda: self.rows.set_query(self.rows.query.with_filters(*conditions)))

    @property
    def chips_chosen(self) -> dict[str, tuple[Any, ...]]:
        return self.rows.query.chips_chosen

    def set_chips(self, chosen: dict[str, Any]) -> None:
        """Show only the rows of the chosen chips: ``{"status": ["NEW"], "created": ["30d"]}``
        (keys are the spec's chip groups; an empty list drops that group's filter)."""
        query = self.rows.query.with_chips(chosen)
        if query.chip_filters != self.rows.query.chip_filters:
            self._reset(lambda: self.rows.set_query(query))

    @property
    def money_columns(self) -> list[int]:
        return [n for n, kind in enumerate(self._kinds) if kind is ColumnKind.MONEY]

    def request_chip_counts(self) -> None:
        """Count the rows of every chip in a worker (one GROUP BY statement); the answer
        comes as ``chip_counts_ready({group: {value: count}})``."""
        statement = self.rows.query.group_counts_statement(self._engine.dialect.name)
        if statement is None:
            return
        ticket = self._chips_gen.next()
        engine = self._engine

        def count() -> dict[str, dict[Any, int]]:
            with scan_connection(engine) as conn:
                found: dict[str, dict[Any, int]] = {}
                for group, value, number in conn.execute(statement):
                    found.setdefault(group, {})[value] = int(number)
                return found

        self._in_worker(count, lambda counts: self._chips_landed(ticket, counts))

    def _chips_landed(self, ticket: int, counts: dict[str, dict[Any, int]]) -> None:
        if self._chips_gen.is_current(ticket):
            self.chip_counts_ready.emit(counts)

    def request_totals(self) -> None:
        """SUM the money columns over the current search and filters in a worker; the
        answer comes as ``totals_ready({column: Decimal})``."""
        columns = self.money_columns
        if not columns:
            return
        statement = self.rows.query.totals_statement(self._engine.dialect.name, columns)
        ticket = self._totals_gen.next()
        engine = self._engine

        def total() -> dict[int, Decimal]:
            with scan_connection(engine) as conn:
                sums = conn.execute(statement).one()
            return {col: Decimal(value or 0) for col, value in zip(columns, sums, strict=True)}

        self._in_worker(total, lambda totals: self._totals_landed(ticket, totals))

    def _totals_landed(self, ticket: int, totals: dict[int, Decimal]) -> None:
        if self._totals_gen.is_current(ticket):
            self.totals_ready.emit(totals)

    def _in_worker(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self._busy(+1)

        def finish(value: Any) -> None:
            self._busy(-1)
            done(value)

        def failed(error: BaseException) -> None:
            self._busy(-1)
            self.count_failed.emit(f"{type(error).__name__}: {error}")

        run_in_worker(work, on_success=finish, on_failure=failed, parent=self)

    def _busy(self, step: int) -> None:
        was = self._pending > 0
        self._pending = max(self._pending + step, 0)
        if (self._pending > 0) != was:
            self.busy_changed.emit(self._pending > 0)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def refresh(self) -> None:
        """Count and read again: other windows or machines may have changed the rows."""
        self._reset(self.rows.refresh)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.spec.columns):
            return  # a view clearing its sort indicator: keep the current order
        wanted = SortOrder(column, descending=order == Qt.SortOrder.DescendingOrder)
        if wanted != self.sort_order:
            query = self.rows.query.with_sort(wanted)
            # Same rows in another order: no need to count them again.
            self._reset(lambda: self.rows.set_query(query, recount=False), recounted=False)

    def _reset(self, change: Callable[[], None], *, recounted: bool = True) -> None:
        self.beginResetModel()
        try:
            change()
        finally:
            self.endResetModel()
        if recounted:
            self._count()

    def _count(self) -> None:
        """Count the current query in a worker, unless its first page said it all."""
        self._generation += 1  # results for earlier queries are ignored from now on
        if self.rows.counted:
            self._counted()
            return
        # Start the worker only once the view has painted the first page: a count competing
        # with that paint for the CPU slows it down. Two trips through the event queue: the
        # first lets the events already waiting (show, layout) go, the second also queues
        # behind the paint they posted. A query replaced before then is never counted.
        generation = self._generation
        QTimer.singleShot(0, self, lambda: self._start_count(generation, hops=1))

    def _start_count(self, generation: int, *, hops: int = 0) -> None:
        if generation != self._generation:
            return
        if hops:
            QTimer.singleShot(0, self, lambda: self._start_count(generation, hops=hops - 1))
            return
        job = _CountJob(self._engine, self.rows.query, generation, self._relay)
        self._busy(+1)
        QThreadPool.globalInstance().start(job)

    def _on_counted(self, generation: int, result: int | str) -> None:
        self._busy(-1)
        if generation != self._generation:
            return
        if isinstance(result, str):
            self.count_failed.emit(result)
            return
        shown = self.rows.total
        if result > shown:
            self.beginInsertRows(QModelIndex(), shown, result - 1)
            self.rows.set_total(result)
            self.endInsertRows()
        elif result < shown:  # rows deleted since the first page was read
            self.beginRemoveRows(QModelIndex(), result, shown - 1)
            self.rows.set_total(result)
            self.endRemoveRows()
        else:
            self.rows.set_total(result)
        self._counted()

    def _counted(self) -> None:
        self.refreshed_at = clock.local_now(self.formatter.tz)
        self.refreshed.emit(self.rows.total)

    # --- QAbstractTableModel -----------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self.rows.total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.spec.columns)

    def data(self, index: AnyIndex, role: int = DISPLAY_ROLE) -> Any:
        if role not in _ROW_ROLES:
            if role == ALIGNMENT_ROLE and index.column() >= 0:
                return self._alignments[index.column()]
            return None
        row = self.rows.row(index.row())  # None for an invalid index (row -1)
        if row is None:
            return None
        if role == KEY_ROLE:
            return row[-1]
        column = index.column()
        value = row[column]
        if role == RAW_ROLE:
            return value
        if value is None:
            return self._null_texts[column]
        return self.formatter.display(self._kinds[column], value)

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
        """The plain tuple behind a row: the columns' raw values, then the primary key."""
        return self.rows.row(row)

    def row_key(self, row: int) -> Any:
        values = self.rows.row(row)
        return None if values is None else values[-1]

    def keys_of(self, rows: Iterable[int]) -> list[Any]:
        """The primary keys of these rows, in the order given (rows past the end skipped)."""
        return [key for key in (self.row_key(row) for row in rows) if key is not None]

    def tsv(self, rows: Iterable[int], columns: Iterable[int] | None = None) -> str:
        """These rows as tab-separated text, as shown on screen, one line per row (tabs and
        line breaks inside a value become spaces)."""
        wanted = list(range(len(self.spec.columns)) if columns is None else columns)
        lines = []
        for row in rows:
            values = self.rows.row(row)
            if values is None:
                continue
            cells = [self._display_value(col, values[col]) for col in wanted]
            lines.append("\t".join(_one_line(cell) for cell in cells))
        return "\n".join(lines)

    def _display_value(self, column: int, value: Any) -> str:
        if value is None:
            return self._null_texts[column]
        return self.formatter.display(self._kinds[column], value)


def _one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
