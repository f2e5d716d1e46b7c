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

import datetime as dt
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Integer,
    Select,
    String,
    Table,
    cast,
    func,
    literal_column,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ClauseElement, Label, UnaryExpression
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.schema import Column

from portal_desktop import clock

DEFAULT_PAGE_SIZE = 200
DEFAULT_MAX_PAGES = 8
# The longest search text: a whole email address (254) fits; longer text is cut here (screens)
# or refused (the command line). SQLite refuses LIKE patterns over 50,000 bytes.
MAX_SEARCH_CHARS = 256


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


class ChipKind(StrEnum):
    VALUES = "values"  # one chip per distinct value (GROUP BY)
    DATE_RANGE = "date_range"  # one chip per "last N days" window


# The date-range chips: key → (label, days back from now).
DATE_RANGES: dict[str, tuple[str, int]] = {
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "365d": ("Last 12 months", 365),
}
# The chip value standing for NULL ("no owner", "no source").
NONE_VALUE = "\x00none"


@dataclass(frozen=True)
class ChipGroup:
    """A group of filter chips: ``key`` names it in ``apply_filters({key: [...]})``."""

    key: str
    title: str
    expr: ColumnElement[Any]
    kind: ChipKind = ChipKind.VALUES
    # Show the values as enum words (badges) rather than as they are.
    is_enum: bool = False

    def condition(
        self, chosen: Iterable[Any], now: dt.datetime | None = None
    ) -> ColumnElement[bool]:
        """The WHERE condition of the chosen chips of this group (OR between them)."""
        chosen = list(chosen)
        if self.kind is ChipKind.DATE_RANGE:
            now = now or clock.now()
            days = max(DATE_RANGES[str(key)][1] for key in chosen)
            return self.expr >= now - dt.timedelta(days=days)
        values = [value for value in chosen if value != NONE_VALUE]
        parts: list[ColumnElement[bool]] = [self.expr.in_(values)] if values else []
        if len(values) < len(chosen):
            parts.append(self.expr.is_(None))
        return or_(*parts)


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
    # SQLite only: an FTS5 trigram table over ``search_in`` (all base-table columns), whose
    # rowid is the base table's rowid (see migration 0002). PostgreSQL needs no name: its
    # trigram GIN indexes serve ILIKE by themselves.
    fts_table: str | None = None
    # The filter chips the list offers (status, source, owner, date range…).
    chips: tuple[ChipGroup, ...] = ()

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
    # The chosen filter chips: (group key, chosen values), see ListSpec.chips.
    chip_filters: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    # Search through the spec's FTS5 table (SQLite; set when the table exists).
    use_fts: bool = False

    def with_search(self, search: str) -> ListQuery:
        return replace(self, search=search)

    def with_sort(self, sort: SortOrder) -> ListQuery:
        if not 0 <= sort.column < len(self.spec.columns):
            raise ValueError(f"{self.spec.name} has no column {sort.column}")
        return replace(self, sort=sort)

    def with_filters(self, *filters: ColumnElement[bool]) -> ListQuery:
        return replace(self, filters=filters)

    def with_chips(self, chosen: dict[str, Iterable[Any]]) -> ListQuery:
        """Only the rows of the chosen chips (an empty choice drops that group's filter)."""
        known = {group.key for group in self.spec.chips}
        unknown = set(chosen) - known
        if unknown:
            raise ValueError(
                f"{self.spec.name} has no filter {sorted(unknown)}: use {sorted(known)}"
            )
        kept = tuple((key, tuple(values)) for key, values in chosen.items() if values)
        return replace(self, chip_filters=kept)

    def with_fts(self, use: bool) -> ListQuery:
        return replace(self, use_fts=use and self.spec.fts_table is not None)

    @property
    def chips_chosen(self) -> dict[str, tuple[Any, ...]]:
        return dict(self.chip_filters)

    def search_words(self) -> list[str]:
        """The words searched for: those of the first MAX_SEARCH_CHARS characters."""
        return self.search[:MAX_SEARCH_CHARS].split() if self.spec.search_in else []

    def chip_conditions(self, *, skip: str | None = None) -> list[ColumnElement[bool]]:
        groups = {group.key: group for group in self.spec.chips}
        return [groups[key].condition(values) for key, values in self.chip_filters if key != skip]

    def conditions(
        self, dialect: str, *, skip_chip: str | None = None
    ) -> list[ColumnElement[bool]]:
        """The screen's filters, the chosen chips, and every search word, which must appear in
        one of the searched columns (any case)."""
        conditions = [*self.filters, *self.chip_conditions(skip=skip_chip)]
        conditions.extend(self._word_condition(dialect, word) for word in self.search_words())
        return conditions

    def _word_condition(self, dialect: str, word: str) -> ColumnElement[bool]:
        if dialect == "postgresql":
            # ILIKE on the column itself: what the pg_trgm GIN indexes answer (lower(col)
            # LIKE would not use them).
            pattern = "%" + _escape_like(word) + "%"
            return or_(*(col.ilike(pattern, escape="/") for col in self.spec.search_in))
        if self.use_fts and len(word) >= FTS_MIN_WORD:
            # The trigram tokenizer matches any substring of 3+ characters, any case.
            fts = self.spec.fts_table
            rowid = literal_column(f"{self.spec.base.name}.rowid", Integer)
            phrase = '"' + word.replace('"', '""') + '"'
            matching = (
                select(literal_column("rowid"))
                .select_from(text_table(fts))
                .where(literal_column(fts).op("MATCH")(phrase))
            )
            return rowid.in_(matching)
        # SQLite's LIKE ignores ASCII case already and is cheaper than lower()
        return or_(*(col.contains(word, autoescape=True) for col in self.spec.search_in))

    def group_counts_statement(self, dialect: str) -> Select[Any] | None:
        """One statement counting the rows of every chip: rows (group key, value, count).

        Each group is counted under the search, the screen's filters and the other groups'
        chips (not its own, so choosing a status still shows the other statuses' counts).
        """
        parts: list[Select[Any]] = []
        for group in self.spec.chips:
            conditions = self.conditions(dialect, skip_chip=group.key)
            source = self.spec.source_for([*conditions, group.expr])
            if group.kind is ChipKind.DATE_RANGE:
                now = clock.now()
                for key, (_label, days) in DATE_RANGES.items():
                    parts.append(
                        select(
                            _text_literal(group.key).label("chip_group"),
                            _text_literal(key).label("chip_value"),
                            func.count().label("chip_count"),
                        )
                        .select_from(source)
                        .where(*conditions, group.expr >= now - dt.timedelta(days=days))
                    )
                continue
            parts.append(
                select(
                    _text_literal(group.key).label("chip_group"),
                    cast(group.expr, String).label("chip_value"),
                    func.count().label("chip_count"),
                )
                .select_from(source)
                .where(*conditions)
                .group_by(group.expr)
            )
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else union_all(*parts)  # type: ignore[return-value]

    def totals_statement(self, dialect: str, columns: Iterable[int]) -> Select[Any]:
        """SUM of these columns over the rows the list holds now."""
        conditions = self.conditions(dialect)
        exprs = [self.spec.columns[number].expr for number in columns]
        sums = [func.coalesce(func.sum(expr), 0) for expr in exprs]
        return (
            select(*sums)
            .select_from(self.spec.source_for([*conditions, *exprs]))
            .where(*conditions)
        )

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

# Shorter words have no trigram: they are matched with LIKE.
FTS_MIN_WORD = 3


def _text_literal(word: str) -> ColumnElement[str]:
    """A constant text column for the chip keys (written in code, never user input):
    inline, so PostgreSQL knows its type in a UNION."""
    if not word.replace("_", "").isalnum():
        raise ValueError(f"chip keys are plain words, not {word!r}")
    return literal_column(f"'{word}'", String)


def _escape_like(word: str) -> str:
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def text_table(name: str) -> TableClause:
    return table(name)


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


_FTS_SEEN: weakref.WeakKeyDictionary[Engine, dict[str, bool]] = weakref.WeakKeyDictionary()


def fts_available(engine: Engine, fts_table: str | None) -> bool:
    """Whether this SQLite database has the FTS5 table (once per engine and table); False
    on PostgreSQL, whose search needs no table (ILIKE uses the trigram indexes if any)."""
    if fts_table is None or engine.dialect.name != "sqlite":
        return False
    seen = _FTS_SEEN.setdefault(engine, {})
    if fts_table not in seen:
        with engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (fts_table,)
            ).first()
        seen[fts_table] = found is not None
    return seen[fts_table]


# Page cache for a whole-table scan on SQLite (KiB): a scan reads each page once, so a big
# cache only holds memory (several workers scanning at once would hold several).
SCAN_CACHE_KIB = 4096


@contextmanager
def scan_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for a query that reads a whole table (a count, GROUP BY, SUM).

    On SQLite the scan runs with a small page cache, then the connection gets its own
    cache size back (see db/engine.py) with the scan's pages freed (``shrink_memory``);
    the file stays in the OS cache, so scans are hardly slower."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            yield conn
            return
        size = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SCAN_CACHE_KIB}")
        try:
            yield conn
        finally:
            with suppress(Exception):  # a broken connection is discarded anyway
                conn.exec_driver_sql("PRAGMA shrink_memory")
                conn.exec_driver_sql(f"PRAGMA cache_size = {int(size)}")


def count_rows(engine: Engine, query: ListQuery) -> int:
    """The number of rows of a query. Thread-safe: a worker thread may call it."""
    with scan_connection(engine) as conn:
        return int(conn.execute(query.count_statement(engine.dialect.name)).scalar_one())


def read_rows(
    engine: Engine, query: ListQuery, start: int, stop: int, *, total: int, counted: bool
) -> list[Row]:
    """Rows ``[start, stop)`` of the query's order; a worker thread may call it. In the
    second half of a counted list (``total`` rows) they are read with the reversed ORDER BY
    and a small OFFSET, so the last page costs no more than the first."""
    if stop <= start:
        return []
    dialect = engine.dialect.name
    reverse = counted and start >= total // 2
    if reverse:  # rows [start, stop) are rows [total-stop, total-start) of the reversed order
        stmt = query.page_statement(dialect, total - stop, stop - start, reverse=True)
    else:
        stmt = query.page_statement(dialect, start, stop - start)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(stmt)]
    if reverse:
        rows.reverse()
    return rows


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
        started = time.perf_counter()
        page = read_rows(
            self._engine, self.query, start, end, total=self.total, counted=self.counted
        )
        self.stats.pages += 1
        self.stats.record(started)
        self._pages[number] = page
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return page
