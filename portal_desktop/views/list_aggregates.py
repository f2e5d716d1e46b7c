"""What a list shows about all its rows at once: the chips' counts and the money totals.

Each is one statement over the whole filtered table, run in a worker with a small-cache
scan connection; only the answer to the latest request is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy import Engine

from portal_desktop.db.paged_rows import scan_connection
from portal_desktop.db.query_spec import ListQuery
from portal_desktop.views.page_reader import with_search_index
from portal_desktop.views.workers import OpGeneration, run_in_worker

Busy = Callable[[int], None]


def run_tracked(
    run: Callable[..., Any],
    work: Callable[[], Any],
    done: Callable[[Any], None],
    busy: Busy,
    failed: Callable[[str], None],
    parent: QObject,
) -> None:
    """``run(work)`` (``run_in_worker``), counted by ``busy(+1/-1)`` while it runs; its
    answer to ``done``, its error in words to ``failed``."""
    busy(+1)

    def finish(value: Any) -> None:
        busy(-1)
        done(value)

    def fail(error: BaseException) -> None:
        busy(-1)
        failed(f"{type(error).__name__}: {error}")

    run(work, on_success=finish, on_failure=fail, parent=parent)


class ListAggregates(QObject):
    """``request_chip_counts(query)`` → ``chip_counts_ready({group: {value: count}})``;
    ``request_totals(query, columns)`` → ``totals_ready({column: Decimal})``."""

    chip_counts_ready = Signal(object)
    totals_ready = Signal(object)

    def __init__(
        self, engine: Engine, busy: Busy, failed: Callable[[str], None], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._busy = busy  # the model's: its busy time includes these
        self._failed = failed
        self._chips_gen = OpGeneration()
        self._totals_gen = OpGeneration()

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        run_tracked(run_in_worker, work, done, self._busy, self._failed, self)

    def request_chip_counts(self, query: ListQuery) -> None:
        if not query.spec.chips:
            return
        ticket = self._chips_gen.next()
        engine = self._engine

        def count() -> dict[str, dict[Any, int]]:
            statement = with_search_index(engine, query).group_counts_statement(engine.dialect.name)
            assert statement is not None  # the spec has chips
            with scan_connection(engine) as conn:
                found: dict[str, dict[Any, int]] = {}
                for group, value, number in conn.execute(statement):
                    found.setdefault(group, {})[value] = int(number)
                return found

        self._run(count, lambda counts: self._chips_landed(ticket, counts))

    def _chips_landed(self, ticket: int, counts: dict[str, dict[Any, int]]) -> None:
        if self._chips_gen.is_current(ticket):
            self.chip_counts_ready.emit(counts)

    def request_totals(self, query: ListQuery, columns: list[int]) -> None:
        if not columns:
            return
        ticket = self._totals_gen.next()
        engine = self._engine

        def total() -> dict[int, Decimal]:
            ready = with_search_index(engine, query)
            statement = ready.totals_statement(engine.dialect.name, columns)
            with scan_connection(engine) as conn:
                sums = conn.execute(statement).one()
            return {col: Decimal(value or 0) for col, value in zip(columns, sums, strict=True)}

        self._run(total, lambda totals: self._totals_landed(ticket, totals))

    def _totals_landed(self, ticket: int, totals: dict[int, Decimal]) -> None:
        if self._totals_gen.is_current(ticket):
            self.totals_ready.emit(totals)
