"""What a list screen shows, and paging through it in SQL (no Qt here).

A :class:`ListSpec` is a SQLAlchemy Core select of labelled columns over one base table and
its many-to-one lookups (a join to a parent row by its primary key, so it never changes the
number of rows). A :class:`ListQuery` is a spec plus what the user chose: a search text,
extra filters and a sort. :class:`PagedRows` counts the query's rows and fetches them in
pages as they are asked for, keeping a few pages in a small LRU cache: it never holds the
whole table.

Every ORDER BY ends with a unique tie-breaker, so the order is total and OFFSET N always
means the same row: the primary key on PostgreSQL; on SQLite the table's ``rowid``, the key
its indexes actually store, so ``ORDER BY indexed_column, rowid`` is read straight from the
index (skipping 500,000 rows to the middle of a million takes ~40 ms instead of ~2 s with
the UUID key, which would need a sort step and a table read per row).

NULLs sort as if smaller than every value (first ascending, last descending): SQLite's own
rule, spelled out with NULLS FIRST/LAST on PostgreSQL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    FromClause,
    Integer,
    Select,
    Table,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ClauseElement, Label, UnaryExpression
from sqlalchemy.sql.schema import Column

DEFAULT_PAGE_SIZE = 200
DEFAULT_MAX_PAGES = 8


class ColumnKind(StrEnum):
    """How a column's values are shown (see portal_desktop.views.formatting)."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    ENUM = "enum"
    BOOL = "bool"


@dataclass(frozen=True)
class ListColumn:
    """One column of a list: its title, its SQL expression and how it sorts."""

    title: str
    expr: ColumnElement[Any]
    kind: ColumnKind = ColumnKind.TEXT
    # What ORDER BY uses; default the column itself. E.g. a full name sorts by last, first.
    sort_by: tuple[ColumnElement[Any], ...] = ()
    # A width hint for views, in average characters.
    width: int = 14
    # What a NULL reads as, e.g. "Pending" for a call that has not happened yet.
    null_text: str = ""

    @property
    def sort_exprs(self) -> tuple[ColumnElement[Any], ...]:
        return self.sort_by or (self.expr,)


@dataclass(frozen=True)
class Lookup:
    """A join to a parent row by its primary key: adds columns, never rows."""

    table: FromClause
    onclause: ColumnElement[bool]
    outer: bool = True


@dataclass(frozen=True)
class SortOrder:
    column: int
    descending: bool = False


@dataclass(frozen=True)
class ListSpec:
    """A list screen's rows: base table, lookups, columns, tie-breaker, default sort."""

    name: str
    title: str
    base: Table
    columns: tuple[ListColumn, ...]
    key: ColumnElement[Any]
    default_sort: SortOrder
    lookups: tuple[Lookup, ...] = ()
    # What the search box looks in (names, emails, phones…); empty: no search box.
    search_in: tuple[ColumnElement[Any], ...] = ()
    # How one row is called in counts: "lead" → "2,000 leads".
    noun: str = "row"

    @property
    def plural(self) -> str:
        return f"{self.noun}s"

    def __post_init__(self) -> None:
        if not 0 <= self.default_sort.column < len(self.columns):
            raise ValueError(f"{self.name}: default sort column {self.default_sort.column}")

    @property
    def source(self) -> FromClause:
        """The base table joined with every lookup."""
        return self._joined(self.lookups)

    def source_for(self, exprs: Iterable[ClauseElement]) -> FromClause:
        """The base table joined with only the lookups these expressions read (and the ones
        those joins go through). Lookups never change the rows, so the rest can go: SQLite
        plans a narrow key select much better without them."""
        wanted = _tables_in(exprs)
        needed: list[Lookup] = []
        for lookup in reversed(self.lookups):
            if lookup.table in wanted:
                needed.insert(0, lookup)
                wanted |= _tables_in([lookup.onclause])
        return self._joined(needed)

    def _joined(self, lookups: Iterable[Lookup]) -> FromClause:
        joined: FromClause = self.base
        for lookup in lookups:
            joined = joined.join(lookup.table, lookup.onclause, isouter=lookup.outer)
        return joined

    def query(self, search: str = "", sort: SortOrder | None = None) -> ListQuery:
        return ListQuery(self, search=search, sort=sort or self.default_sort)

    def may_be_null(self, expr: ColumnElement[Any]) -> bool:
        """Whether an expression can be NULL (conservative: True unless a NOT NULL column
        of the base table or of an inner-joined lookup)."""
        inner = expr.element if isinstance(expr, Label) else expr
        if not isinstance(inner, Column):
            return True
        not_null_tables = [self.base, *(lk.table for lk in self.lookups if not lk.outer)]
        if any(inner.table is table for table in not_null_tables):
            return bool(inner.nullable)
        return True


@dataclass(frozen=True)
class ListQuery:
    """A spec with the user's search, filters and sort: builds the count and page selects."""

    spec: ListSpec
    search: str = ""
    sort: SortOrder = field(default_factory=lambda: SortOrder(0))
    # The hook for later screens' filters (status, owner, date range…): WHERE conditions.
    filters: tuple[ColumnElement[bool], ...] = ()

    def with_search(self, search: str) -> ListQuery:
        return replace(self, search=search)

    def with_sort(self, sort: SortOrder) -> ListQuery:
        if not 0 <= sort.column < len(self.spec.columns):
            raise ValueError(f"{self.spec.name} has no column {sort.column}")
        return replace(self, sort=sort)

    def with_filters(self, *filters: ColumnElement[bool]) -> ListQuery:
        return replace(self, filters=filters)

    def search_words(self) -> list[str]:
        return self.search.split() if self.spec.search_in else []

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        """Every search word must appear in one of the searched columns (any case)."""
        conditions = list(self.filters)
        for word in self.search_words():
            if dialect == "postgresql":
                matches = [col.icontains(word, autoescape=True) for col in self.spec.search_in]
            else:  # SQLite's LIKE ignores ASCII case already and is cheaper than lower()
                matches = [col.contains(word, autoescape=True) for col in self.spec.search_in]
            conditions.append(or_(*matches))
        return conditions

    def count_statement(self, dialect: str) -> Select[tuple[int]]:
        conditions = self.conditions(dialect)
        return select(func.count()).select_from(self.spec.source_for(conditions)).where(*conditions)

    def tie_breaker(self, dialect: str) -> ColumnElement[Any]:
        if dialect == "sqlite":
            return literal_column(f"{self.spec.base.name}.rowid", Integer)
        return self.spec.key

    def order_by(self, dialect: str, *, reverse: bool = False) -> list[UnaryExpression[Any]]:
        descending = self.sort.descending != reverse
        clauses = []
        for expr in self.spec.columns[self.sort.column].sort_exprs:
            clause = expr.desc() if descending else expr.asc()
            if dialect == "postgresql" and self.spec.may_be_null(expr):
                clause = clause.nulls_last() if descending else clause.nulls_first()
            clauses.append(clause)
        tie = self.tie_breaker(dialect)
        clauses.append(tie.desc() if descending else tie.asc())
        return clauses

    def page_statement(
        self, dialect: str, offset: int, limit: int, *, reverse: bool = False
    ) -> Select[Any]:
        """Rows ``offset .. offset+limit`` of the order (or of the reversed order).

        Each row holds the columns' values followed by the key. Only the keys of the page
        are picked with OFFSET (a narrow select that an index can answer alone); the full
        rows, lookups included, are then read for those keys only, so skipped rows cost no
        table reads and no joins.
        """
        order = self.order_by(dialect, reverse=reverse)
        conditions = self.conditions(dialect)
        tie = self.tie_breaker(dialect)
        keys = (
            select(tie.label("page_key"))
            .select_from(self.spec.source_for([*conditions, *order]))
            .where(*conditions)
            .order_by(*order)
            .offset(offset)
            .limit(limit)
            .subquery("page")
        )
        columns = [col.expr.label(f"c{i}") for i, col in enumerate(self.spec.columns)]
        return (
            select(*columns, self.spec.key.label("row_key"))
            .select_from(self.spec.source.join(keys, keys.c.page_key == tie))
            .order_by(*order)
        )


Row = tuple[Any, ...]


def _tables_in(exprs: Iterable[ClauseElement]) -> set[FromClause]:
    """The tables (or aliases) whose columns these expressions use."""
    return {
        element.table
        for expr in exprs
        for element in visitors.iterate(expr)
        if isinstance(element, Column) and element.table is not None
    }


@dataclass
class FetchStats:
    """What PagedRows asked the database, for tests, benchmarks and slow-query notes."""

    counts: int = 0
    pages: int = 0
    last_ms: float = 0.0
    slowest_ms: float = 0.0

    def record(self, started: float) -> None:
        self.last_ms = (time.perf_counter() - started) * 1000
        self.slowest_ms = max(self.slowest_ms, self.last_ms)


def count_rows(engine: Engine, query: ListQuery) -> int:
    """The number of rows of a query. Thread-safe: a worker thread may call it."""
    with engine.connect() as conn:
        return int(conn.execute(query.count_statement(engine.dialect.name)).scalar_one())


class PagedRows:
    """A query's rows, fetched a page at a time on demand and counted once.

    Pages past the middle are read with the reversed ORDER BY and a small OFFSET, so the
    last page (Ctrl+End) costs no more than the first. At most ``max_pages`` pages are kept
    (least recently used goes first).

    ``defer_count``: read the first page only, and leave the COUNT (30 ms on a million
    rows; seconds for a search) to the caller, e.g. a worker thread, which reports it with
    :meth:`set_total`. Until then ``total`` is the rows seen so far and ``counted`` is
    False. A first page shorter than a page is the whole list: no COUNT is needed at all.
    """

    def __init__(
        self,
        engine: Engine,
        query: ListQuery,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
        defer_count: bool = False,
    ) -> None:
        if page_size < 1 or max_pages < 1:
            raise ValueError("page_size and max_pages must be at least 1")
        self._engine = engine
        self._dialect = engine.dialect.name
        self.page_size = page_size
        self.max_pages = max_pages
        self.defer_count = defer_count
        self.stats = FetchStats()
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self.query = query
        self.total = 0
        self.counted = False
        self.set_query(query)

    @property
    def cached_pages(self) -> list[int]:
        return list(self._pages)

    def set_query(self, query: ListQuery, *, recount: bool = True) -> None:
        """Show another search/sort; ``recount=False`` when only the order changed."""
        self.query = query
        self._pages.clear()
        if not recount:
            return
        if not self.defer_count:
            self.total, self.counted = self.count(), True
            return
        self.total, self.counted = self.page_size, False
        first = self._fetch(0)
        if len(first) < self.page_size:
            self.total, self.counted = len(first), True

    def refresh(self) -> None:
        self.set_query(self.query)

    def count(self) -> int:
        started = time.perf_counter()
        total = count_rows(self._engine, self.query)
        self.stats.counts += 1
        self.stats.record(started)
        return total

    def set_total(self, total: int) -> None:
        """The count of the current query, made elsewhere (see ``defer_count``)."""
        self.total, self.counted = total, True

    def row(self, index: int) -> Row | None:
        """The row at ``index`` of the order, or None past the end."""
        if not 0 <= index < self.total:
            return None
        number, at = divmod(index, self.page_size)
        page = self._pages.get(number)
        if page is None:
            page = self._fetch(number)
        else:
            self._pages.move_to_end(number)
        return page[at] if at < len(page) else None  # rows deleted since the count

    def _fetch(self, number: int) -> list[Row]:
        start = number * self.page_size
        end = min(start + self.page_size, self.total)
        reverse = self.counted and start >= self.total // 2
        if reverse:  # rows [start, end) are rows [total-end, total-start) of the reversed order
            stmt = self.query.page_statement(
                self._dialect, self.total - end, end - start, reverse=True
            )
        else:
            stmt = self.query.page_statement(self._dialect, start, self.page_size)
        started = time.perf_counter()
        with self._engine.connect() as conn:
            page = [tuple(row) for row in conn.execute(stmt)]
        self.stats.pages += 1
        self.stats.record(started)
        if reverse:
            page.reverse()
        self._pages[number] = page
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return page
