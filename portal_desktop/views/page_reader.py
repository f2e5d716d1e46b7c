"""Reads the pages a :class:`~portal_desktop.views.page_cache.PageCache` wants, in workers.

At most ``MAX_READS`` reads run at a time for one list; when one ends, the next page is the
one wanted last (what is on screen now), not the oldest wish. Each read carries the
reader's generation: after a new query, order or refresh (:meth:`PageReader.invalidate`) a
page of the old rows that lands is dropped, never shown at another query's row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import Engine

from portal_desktop.db.paged_rows import Row, count_rows, fts_available, read_rows
from portal_desktop.db.query_spec import ListQuery
from portal_desktop.views.page_cache import PageCache
from portal_desktop.views.workers import run_in_worker

# One page for the screen and one read ahead; more would only queue behind each other on
# the database and keep reading pages the user has scrolled past.
MAX_READS = 2


def with_search_index(engine: Engine, query: ListQuery) -> ListQuery:
    """The query as this database runs it: with SQLite's search index if the file has one
    (looked up once per engine; in a worker, as it asks the database)."""
    return query.with_fts(fts_available(engine, query.spec.fts_table))


def first_page(engine: Engine, query: ListQuery, size: int) -> tuple[ListQuery, list[Row]]:
    """A new query's first ``size`` rows, and the query as the database runs it."""
    ready = with_search_index(engine, query)
    return ready, read_rows(engine, ready, 0, size, total=size, counted=False)


def page_and_count(engine: Engine, query: ListQuery, size: int) -> tuple[list[Row], int]:
    """A query's first ``size`` rows read again, and its count (none needed when short)."""
    page = read_rows(engine, query, 0, size, total=size, counted=False)
    return page, len(page) if len(page) < size else count_rows(engine, query)


class PageReader(QObject):
    """Schedules the reads of wanted pages; ``page_ready(first row, last row)`` when one
    is held, ``failed(text)`` when a read fails."""

    page_ready = Signal(int, int)
    failed = Signal(str)

    def __init__(
        self,
        engine: Engine,
        cache: PageCache,
        busy: Callable[[int], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._cache = cache
        self._busy = busy
        self._generation = 0
        self._in_flight = 0
        self.started = 0  # reads started so far (for tests and benchmarks)
        self._scheduled = False
        cache.on_want = self.schedule

    @property
    def reading(self) -> int:
        """Reads under way (of any generation)."""
        return self._in_flight

    def invalidate(self) -> None:
        """The rows changed (new query, order or refresh): pages under way are dropped."""
        self._generation += 1

    def schedule(self) -> None:
        """Start reads once the current paint has said which pages it wants."""
        if not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self, self._pump)

    def read_rows(
        self,
        rows: Sequence[int],
        done: Callable[[list[Row]], None],
        in_worker: Callable[[Callable[[], Any], Callable[[Any], None]], None],
    ) -> None:
        """``done(values of these rows)`` (in the order given, rows past the end left out): at
        once when all are held, else once ``in_worker`` has read the runs of rows missing."""
        cache = self._cache
        held = [cache.held(row) for row in rows]
        if all(values is not None for values in held):
            done([values for values in held if values is not None])
            return
        engine, query, total, counted = self._engine, cache.query, cache.total, cache.counted

        def read() -> list[Row]:
            found: dict[int, Row] = {}
            for start, stop in _runs(sorted({row for row in rows if 0 <= row < total})):
                got = read_rows(engine, query, start, stop, total=total, counted=counted)
                found.update(zip(range(start, stop), got, strict=False))
            return [found[row] for row in rows if row in found]

        in_worker(read, done)

    def _pump(self) -> None:
        self._scheduled = False
        while self._in_flight < MAX_READS:
            number = self._cache.take_next()
            if number is None:
                return
            self._start(number)

    def _start(self, number: int) -> None:
        cache = self._cache
        generation, query = self._generation, cache.query
        start = number * cache.page_size
        stop = min(start + cache.page_size, cache.total)
        total, counted, engine = cache.total, cache.counted, self._engine

        def read() -> tuple[list[Row], float]:
            started = time.perf_counter()
            page = read_rows(engine, query, start, stop, total=total, counted=counted)
            return page, started

        self._in_flight += 1
        self.started += 1
        self._busy(+1)
        run_in_worker(
            read,
            on_success=lambda got: self._landed(generation, query, number, *got),
            on_failure=lambda error: self._failed(generation, number, error),
            parent=self,
        )

    def _landed(
        self, generation: int, query: ListQuery, number: int, page: list[Row], started: float
    ) -> None:
        self._done()
        if generation != self._generation or query is not self._cache.query:
            return  # a page of rows no longer listed
        self._cache.stats.pages += 1
        self._cache.stats.record(started)
        self._cache.store(number, page)
        first, last = self._cache.page_rows(number)
        if last >= first:
            self.page_ready.emit(first, last)

    def _failed(self, generation: int, number: int, error: BaseException) -> None:
        self._done()
        if generation == self._generation:
            self._cache.failed(number)
            self.failed.emit(f"{type(error).__name__}: {error}")

    def _done(self) -> None:
        self._in_flight -= 1
        self._busy(-1)
        self.schedule()


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as ``[start, stop)`` runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row:
            runs[-1] = (runs[-1][0], row + 1)
        else:
            runs.append((row, row + 1))
    return runs
