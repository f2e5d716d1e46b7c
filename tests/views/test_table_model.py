"""The generic table model: Qt's model rules, paging, sorting and searching in SQL."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTableView
from sqlalchemy import Engine, select

from portal_desktop import clock
from portal_desktop.db.list_queries import (
    PIPELINE,
    closer,
    enrollments,
    leads,
    programs,
    students,
)
from portal_desktop.db.lists import every_spec
from portal_desktop.db.query_spec import ColumnKind, SortOrder
from portal_desktop.views.formatting import Formatter, enum_label
from portal_desktop.views.table_model import RAW_ROLE, QueryTableModel
from tests.db.list_samples import ENROLLMENTS, seed_every_list
from tests.db.test_query_spec import expected_keys, tie_breaker
from tests.views.list_rows import loaded_keys, loaded_rows, settled

DISPLAY = Qt.ItemDataRole.DisplayRole
SEED_LEADS = 120
PAGE_SIZE = 6
MAX_PAGES = 3


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_every_list(engine, leads=SEED_LEADS, seed=11)  # every list has rows
    return engine


def _model(engine: Engine, spec=PIPELINE, **kwargs) -> QueryTableModel:
    kwargs.setdefault("page_size", PAGE_SIZE)
    kwargs.setdefault("max_pages", MAX_PAGES)
    return QueryTableModel(engine, spec, **kwargs)


def _counted(qtbot, model: QueryTableModel) -> QueryTableModel:
    """Wait for the query's first page and count, read in workers (and the pages after)."""
    return settled(qtbot, model)


@pytest.mark.parametrize("force_py", [False, True], ids=["qt_tester", "py_tester"])
def test_every_list_model_passes_the_model_tester_on_seeded_data(
    qtbot, qtmodeltester, seeded, force_py: bool
) -> None:
    for spec in every_spec(clock.today(dt.UTC), dt.UTC):
        model = _model(seeded, spec, page_size=2)  # every list is longer: counted in a worker
        # Qt's own tester reports by warnings, and warnings fail the test. It checks the
        # model again after every change: the count's row insertion, sorts, searches.
        qtmodeltester.check(model, force_py=force_py)
        assert _counted(qtbot, model).rowCount() > 2, spec.name
        for column in range(model.columnCount()):
            model.sort(column, Qt.SortOrder.DescendingOrder)
        model.set_search("a")
        _counted(qtbot, model).refresh()
        _counted(qtbot, model).set_search("")
        _counted(qtbot, model)
        # The tester is one object: it checks the next model from here on, and a page this
        # model still reads ahead must not be checked against the next one's rows.
        model.blockSignals(True)


def test_every_list_model_passes_the_model_tester_when_empty(qtbot, qtmodeltester, engine) -> None:
    for spec in every_spec(clock.today(dt.UTC), dt.UTC):
        model = _counted(qtbot, _model(engine, spec))
        assert model.rowCount() == 0 and model.rows.stats.counts == 0  # empty page: no COUNT
        qtmodeltester.check(model)
        model.sort(1, Qt.SortOrder.DescendingOrder)
        model.set_search("nobody")
        _counted(qtbot, model)
    qtmodeltester.check(_counted(qtbot, _model(engine)), force_py=True)


def _enrollment_at_offset(engine: Engine, offset: int) -> list[str]:
    """Row ``offset`` of the enrollments by newest start date, formatted by hand."""
    tie = tie_breaker(engine, ENROLLMENTS)
    stmt = (
        select(
            students.c.first_name,
            students.c.last_name,
            programs.c.name,
            enrollments.c.plan_type,
            enrollments.c.contract_value,
            enrollments.c.start_date,
            enrollments.c.status,
            closer.c.name,
        )
        .select_from(ENROLLMENTS.source)
        .order_by(enrollments.c.start_date.desc(), tie.desc())
        .offset(offset)
        .limit(1)
    )
    with engine.connect() as conn:
        first, last, program, plan, value, start, status, closer_name = conn.execute(stmt).one()
    return [
        f"{first} {last}",
        program,
        {"PIF": "PIF", "SPLIT": "Split"}[plan],
        f"${value:,.2f}",
        start.isoformat(),
        status.capitalize(),
        closer_name or "",
    ]


def test_the_row_at_index_n_is_the_sql_row_at_offset_n(qtbot, seeded) -> None:
    model = _counted(qtbot, _model(seeded, ENROLLMENTS, page_size=2, max_pages=2))
    total = model.rowCount()
    assert total >= 6
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "Student",
        "Program",
        "Plan",
        "Contract value",
        "Start date",
        "Status",
        "Closer",
    ]
    for n in (0, 1, 5, total // 2, total - 2, total - 1):
        qtbot.waitUntil(lambda n=n: model.is_loaded(n))
        shown = [model.index(n, c).data(DISPLAY) for c in range(model.columnCount())]
        assert shown == _enrollment_at_offset(seeded, n), n
    money = model.index(0, 3)
    qtbot.waitUntil(lambda: model.is_loaded(0))
    assert isinstance(money.data(RAW_ROLE), Decimal)
    right = (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value
    assert money.data(Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) != right
    assert model.headerData(3, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole) == (
        right
    )
    assert model.index(total, 0).data(DISPLAY) is None


def test_the_model_never_holds_more_than_its_cache_bound(qtbot, seeded) -> None:
    model = _counted(qtbot, _model(seeded))
    for row in [*range(model.rowCount()), *reversed(range(model.rowCount()))]:
        qtbot.waitUntil(lambda row=row: model.is_loaded(row))
        assert model.index(row, 0).data(DISPLAY)
        assert len(model.rows.cached_pages) <= MAX_PAGES
    # Down and back up: the pages dropped on the way down are read again, no others (the
    # page read ahead is the next one needed).
    pages = -(-SEED_LEADS // PAGE_SIZE)
    assert model.rows.stats.pages <= 2 * pages - MAX_PAGES


def test_clicking_a_header_sorts_in_sql(qtbot, seeded) -> None:
    model = _counted(qtbot, _model(seeded))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.resize(900, 400)
    view.show()
    header = view.horizontalHeader()
    email = [c.title for c in PIPELINE.columns].index("Email")
    center = QPoint(header.sectionViewportPosition(email) + header.sectionSize(email) // 2, 5)
    for descending in (False, True):
        # A new order of the same rows: reset, but not counted again.
        with (
            qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset]),
            qtbot.assertNotEmitted(model.refreshed),
        ):
            qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=center)
        assert model.sort_order == SortOrder(email, descending)
        assert model.counted and model.rowCount() == SEED_LEADS
        assert loaded_keys(qtbot, model) == expected_keys(seeded, model.rows.query)


def test_search_narrows_the_row_count(qtbot, seeded) -> None:
    model = _counted(qtbot, _model(seeded, page_size=3))
    with seeded.connect() as conn:
        people = conn.execute(
            select(leads.c.first_name, leads.c.last_name, leads.c.email, leads.c.phone)
        ).all()
        statuses = conn.execute(select(leads.c.status)).all()
    word = people[0].last_name.upper()
    expected = sum(1 for p in people if any(word.lower() in (f or "").lower() for f in p))
    assert 0 < expected < SEED_LEADS
    with qtbot.waitSignal(model.refreshed) as signal:
        model.set_search(f"  {word} ")
    assert signal.args == [expected]
    assert model.rowCount() == expected
    for name, email, phone, *_ in loaded_rows(qtbot, model):
        assert any(word.lower() in (text or "").lower() for text in (name, email, phone))
    with qtbot.waitSignal(model.refreshed):
        model.set_search("")
    assert model.rowCount() == SEED_LEADS
    new_leads = sum(1 for (status,) in statuses if status == "NEW")
    with qtbot.waitSignal(model.refreshed) as signal:
        model.set_filters(leads.c.status == "NEW")
    assert signal.args == [new_leads] and 0 < new_leads < SEED_LEADS


def test_formatting() -> None:
    f = Formatter(currency="EUR", tz=zoneinfo.ZoneInfo("America/New_York"))
    assert f.display(ColumnKind.MONEY, Decimal("1234567.5")) == "€1,234,567.50"
    assert f.display(ColumnKind.MONEY, Decimal("-0.05")) == "-€0.05"
    assert Formatter(currency="SEK").money(Decimal("1000")) == "SEK 1,000.00"
    at = dt.datetime(2025, 1, 15, 14, 30, tzinfo=dt.UTC)
    assert f.display(ColumnKind.DATETIME, at) == "2025-01-15 09:30"
    assert f.display(ColumnKind.DATE, dt.date(2025, 2, 3)) == "2025-02-03"
    assert f.display(ColumnKind.PERCENT, Decimal("0.125")) == "12.5 %"
    assert f.display(ColumnKind.BOOL, True) == "Yes"
    assert f.display(ColumnKind.NUMBER, 12345) == "12,345"
    assert f.display(ColumnKind.TEXT, None) == ""
    assert [enum_label(w) for w in ("CLOSED_WON", "DM_SETTER", "PIF", "PAYPAL", "NEW")] == [
        "Closed won",
        "DM setter",
        "PIF",
        "PayPal",
        "New",
    ]
