"""Paging through a list query's rows in SQL, a page at a time (no Qt here).

:class:`PagedRows` counts a :class:`~portal_desktop.db.query_spec.ListQuery`'s rows and
fetches them in pages as they are asked for, keeping a few pages in a small LRU cache: it
never holds the whole table. :func:`count_rows` and :func:`scan_connection` serve the
queries that read a whole table (counts, chip counts, totals); :func:`fts_available` tells
whether a SQLite database has a list's FTS5 search table.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from portal_desktop.db.query_spec import ListQuery

DEFAULT_PAGE_SIZE = 200
DEFAULT_MAX_PAGES = 8

Row = tuple[Any, ...]


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
        return query.finish(conn, rows) if query.finish is not None and rows else rows


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
