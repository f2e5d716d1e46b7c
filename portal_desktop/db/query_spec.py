"""What a list screen shows, and paging through it in SQL (no Qt here).

A :class:`ListSpec` is a SQLAlchemy Core select of labelled columns over one base table and
its many-to-one lookups (a join to a parent row by its primary key, so it never changes the
number of rows). A :class:`ListQuery` is a spec plus what the user chose: a search text,
extra filters and a sort; it builds the count, chip-count, totals and page statements that
:mod:`portal_desktop.db.paged_rows` runs.

Every ORDER BY ends with a unique tie-breaker, so the order is total and OFFSET N always
means the same row: the primary key on PostgreSQL; on SQLite the table's ``rowid``, the key
its indexes actually store, so ``ORDER BY indexed_column, rowid`` is read straight from the
index (skipping 500,000 rows to the middle of a million takes ~40 ms instead of ~2 s with
the UUID key, which would need a sort step and a table read per row). NULLs sort as if
smaller than every value: SQLite's own rule, spelled out with NULLS FIRST/LAST on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
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
    union_all,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ClauseElement, Label, UnaryExpression
from sqlalchemy.sql.schema import Column

from portal_desktop import clock
from portal_desktop.db.list_search import word_condition

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
    """A spec with the user's search, filters, sort and ``finish(connection, page rows)``."""

    spec: ListSpec
    search: str = ""
    sort: SortOrder = field(default_factory=lambda: SortOrder(0))
    # The hook for later screens' filters (status, owner, date range…): WHERE conditions.
    filters: tuple[ColumnElement[bool], ...] = ()
    # The chosen filter chips: (group key, chosen values), see ListSpec.chips.
    chip_filters: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    # Search through the spec's FTS5 table (SQLite; set when the table exists).
    use_fts: bool = False
    finish: Callable[[Any, list[Any]], list[Any]] | None = field(default=None, compare=False)

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
        conditions.extend(
            word_condition(self.spec, dialect, word, use_fts=self.use_fts)
            for word in self.search_words()
        )
        return conditions

    def group_counts_statement(
        self, dialect: str, *, only: str | None = None
    ) -> Select[Any] | None:
        """One statement counting the rows of every chip: rows (group key, value, count).

        Each group is counted under the search, the screen's filters and the other groups'
        chips (not its own, so choosing a status still shows the other statuses' counts).
        ``only``: count that one group's chips (a screen showing one group of its spec's).
        """
        parts: list[Select[Any]] = []
        for group in self.spec.chips:
            if only is not None and group.key != only:
                continue
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


def _text_literal(word: str) -> ColumnElement[str]:
    """A constant text column for the chip keys (written in code, never user input):
    inline, so PostgreSQL knows its type in a UNION."""
    if not word.replace("_", "").isalnum():
        raise ValueError(f"chip keys are plain words, not {word!r}")
    return literal_column(f"'{word}'", String)


def _tables_in(exprs: Iterable[ClauseElement]) -> set[FromClause]:
    """The tables (or aliases) whose columns these expressions use."""
    return {
        element.table
        for expr in exprs
        for element in visitors.iterate(expr)
        if isinstance(element, Column) and element.table is not None
    }


def tables_read(spec: ListSpec) -> frozenset[str]:
    """The names of the tables a list reads (aliases resolved): what its refresh hangs on."""
    sources = [spec.base, *(lookup.table for lookup in spec.lookups)]
    sources += list(_tables_in(column.expr for column in spec.columns))
    names = {str(getattr(getattr(source, "element", source), "name", "")) for source in sources}
    return frozenset(names - {""})
