"""Pages read in workers: data() never waits on the database, old pages are dropped, the
cache and the reads stay bounded while scrolling, and Qt's model tester holds throughout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QGuiApplication, QPalette
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QTableView
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event, insert

from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.query_spec import ColumnKind, ListColumn, ListSpec, SortOrder
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.list_view import ListView
from portal_desktop.views.page_reader import MAX_READS
from portal_desktop.views.table_model import (
    DISPLAY_ROLE,
    KEY_ROLE,
    PLACEHOLDER,
    RAW_ROLE,
    QueryTableModel,
)
from tests.db.test_query_spec import expected_keys
from tests.views.list_rows import loaded_rows, settled

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
PAGE_SIZE = 6
SLOW_S = 0.2


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, leads=60, seed=5)
    return engine


def _model(engine: Engine, spec: ListSpec = PIPELINE, **kwargs: Any) -> QueryTableModel:
    kwargs.setdefault("page_size", PAGE_SIZE)
    kwargs.setdefault("max_pages", 3)
    return QueryTableModel(engine, spec, **kwargs)


@contextmanager
def slow_database(engine: Engine, seconds: float = SLOW_S) -> Iterator[None]:
    """Every statement waits ``seconds`` first, as over a slow connection."""

    def pause(*_args: Any) -> None:
        time.sleep(seconds)

    event.listen(engine, "before_cursor_execute", pause)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", pause)


class Gate:
    """Holds the next statement until opened (3 s at most, so a UI thread never hangs)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.armed = False
        self.held = threading.Event()
        self.opened = threading.Event()

    def _before(self, *_args: Any) -> None:
        if self.armed:
            self.armed = False
            self.held.set()
            self.opened.wait(3)

    def __enter__(self) -> Gate:
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.opened.set()
        event.remove(self.engine, "before_cursor_execute", self._before)


def test_a_row_not_read_answers_at_once_then_lands_with_data_changed(qtbot, seeded) -> None:
    model = settled(qtbot, _model(seeded))
    row = model.rowCount() - 1  # the last page: not held
    assert model.rows.held(row) is None
    with slow_database(seeded):
        started = time.perf_counter()
        shown = model.index(row, 0).data()
        took = time.perf_counter() - started
        assert took < 0.02, f"data() waited {took * 1000:.0f} ms"
        assert shown == PLACEHOLDER and model.index(row, 1).data() == ""
        assert model.index(row, 0).data(RAW_ROLE) is None
        assert model.index(row, 0).data(KEY_ROLE) is None
        brush = model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole)
        quiet = QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        assert isinstance(brush, QBrush) and brush.color() == quiet
        with qtbot.waitSignal(model.dataChanged, timeout=5000) as changed:
            pass
    top, bottom = changed.args[:2]
    first, last = model.rows.page_rows(row // PAGE_SIZE)
    assert (top.row(), top.column(), bottom.row(), bottom.column()) == (
        first,
        0,
        last,
        model.columnCount() - 1,
    )
    assert model.index(row, 0).data(KEY_ROLE) == expected_keys(seeded, model.rows.query)[row]
    assert model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole) is None


def test_a_page_of_the_old_order_is_dropped_after_a_sort(qtbot, seeded) -> None:
    model = settled(qtbot, _model(seeded))
    row = model.rowCount() - 1  # on the last page: no page after it to read ahead
    landed: list[tuple[int, int]] = []
    model.rows_loaded.connect(lambda first, last: landed.append((first, last)))
    with Gate(seeded) as gate:
        gate.armed = True
        assert model.index(row, 0).data() == PLACEHOLDER
        qtbot.waitUntil(gate.held.is_set)  # the page of the old order waits in its worker
        with qtbot.waitSignal(model.modelReset, timeout=5000):
            model.sort(1, Qt.SortOrder.DescendingOrder)
        gate.opened.set()
        qtbot.waitUntil(lambda: model.reader.reading == 0 and not model.busy, timeout=5000)
    assert not [span for span in landed if span[0] <= row <= span[1]]
    assert model.rows.held(row) is None
    qtbot.waitUntil(lambda: model.is_loaded(row))
    assert model.index(row, 0).data(KEY_ROLE) == expected_keys(seeded, model.rows.query)[row]


def test_rows_not_read_are_read_for_a_selection(qtbot, seeded) -> None:
    model = settled(qtbot, _model(seeded))
    rows = [0, 1, 20, 21, 22, 40, model.rowCount() - 1, model.rowCount()]  # the last is past
    got: list[list] = []
    model.read_rows(rows, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    keys = expected_keys(seeded, model.rows.query)
    assert [values[-1] for values in got[0]] == [keys[row] for row in rows[:-1]]
    assert len(model.rows.cached_pages) <= 3  # a selection's rows do not fill the cache


def test_qt_model_tester_while_pages_arrive(qtbot, qtmodeltester, seeded) -> None:
    model = _model(seeded, page_size=5, max_pages=2)
    # Qt's C++ tester reports by warnings, which fail the test; the Python one raises.
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    qtmodeltester.check(model, force_py=True)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(500, 200)
    view.show()
    settled(qtbot, model)
    bar = view.verticalScrollBar()
    with slow_database(seeded, 0.01):
        for step in range(11):
            bar.setValue(bar.maximum() * step // 10)
            qtbot.wait(5)
        model.sort(2, Qt.SortOrder.DescendingOrder)
        bar.setValue(bar.maximum())
        qtbot.wait(20)
        model.refresh()
        bar.setValue(bar.maximum() // 2)
        model.set_search("a")
        settled(qtbot, model)
        loaded_rows(qtbot, model)
    assert tester is not None and model.rowCount() > 5


@pytest.fixture
def long_list(engine: Engine) -> ListSpec:
    """A plain table of 100,000 rows, as a list."""
    table = Table(
        "scroll_rows",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(20), nullable=False),
        Column("amount", Integer, nullable=False),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(table),
            [{"id": n, "name": f"row {n:06d}", "amount": n % 997} for n in range(1, 100_001)],
        )
    columns = (
        ListColumn("Name", table.c.name),
        ListColumn("Amount", table.c.amount, ColumnKind.NUMBER),
    )
    return ListSpec("scroll", "Rows", table, columns, table.c.id, SortOrder(0))


class TimedModel(QueryTableModel):
    """Measures every data() call the view makes."""

    longest = 0.0

    def data(self, index: Any, role: int = DISPLAY_ROLE) -> Any:
        started = time.perf_counter()
        try:
            return super().data(index, role)
        finally:
            self.longest = max(self.longest, time.perf_counter() - started)


def test_scrolling_100k_rows_keeps_reads_and_cache_bounded(qtbot, engine, long_list) -> None:
    model = settled(qtbot, TimedModel(engine, long_list))
    assert model.rowCount() == 100_000
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    bar = view.verticalScrollBar()
    positions = 100
    most = {"cached": 0, "wanted": 0, "reading": 0}
    with slow_database(engine, 0.05):  # every page read takes 50 ms or more
        for step in range(1, positions + 1):  # a drag of the scroll bar to the end
            bar.setValue(bar.maximum() * step // positions)
            qtbot.wait(3)
            most["cached"] = max(most["cached"], len(model.rows.cached_pages))
            most["wanted"] = max(most["wanted"], len(model.rows.wanted))
            most["reading"] = max(most["reading"], model.reader.reading)
        last = model.rowCount() - 1
        first = view.rowAt(0)
        assert first > last - 100
        qtbot.waitUntil(lambda: model.is_loaded(first, last), timeout=10_000)
    assert most["cached"] <= model.rows.max_pages
    assert most["wanted"] <= model.rows.max_pages
    assert most["reading"] <= MAX_READS
    # Far fewer reads than positions painted: only what is on screen when a reader is free.
    assert model.reader.started < positions // 2
    # Every read takes 50 ms or more here: a data() call that read would take as long. Under
    # that, only the machine's noise (20 ms was too tight on a busy 2-core machine).
    assert model.longest < 0.05, f"a data() call took {model.longest * 1000:.0f} ms"
    assert model.index(last, 0).data() == "row 100000"


def test_a_shown_list_reads_only_what_is_on_screen_and_one_page_ahead(
    qtbot, engine, long_list
) -> None:
    """Sizing the columns looks at the rows that landed without asking for more: asking
    read ahead, so each page that landed asked for the next, through the whole list."""
    model = settled(qtbot, QueryTableModel(engine, long_list, page_size=50))
    view = ListView(model)
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: model.is_loaded(0, view.rowAt(0) + 5), timeout=10_000)
    qtbot.wait(1000)  # time for a chain of reads to run on
    assert model.reader.reading == 0
    assert model.reader.started <= 3, f"{model.reader.started} pages read for one screen"
