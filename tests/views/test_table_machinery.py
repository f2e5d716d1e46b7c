"""The list machinery every screen uses: chips with counts, search, copy, totals, selection,
bulk actions and refresh on the data bus, on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine, func, select, update

from portal_desktop.db.list_queries import PIPELINE, enrollments, leads, owner
from portal_desktop.db.query_spec import DATE_RANGES, NONE_VALUE
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.table_model import KEY_ROLE, QueryTableModel
from tests.db.list_samples import ENROLLMENTS
from tests.screens import TEST_SCREENS

SEED_LEADS = 120
# The offscreen platform says so for any shown top-level window.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
SCREENSHOTS = TEST_SCREENS


@pytest.fixture
def ctx(engine: Engine, sessions) -> TabContext:
    seed_database(engine, leads=SEED_LEADS, seed=23)
    return TabContext(engine, sessions, SYSTEM, Formatter(), DataBus())


def _tab(qtbot, ctx: TabContext, spec=PIPELINE) -> EntityTab:
    tab = EntityTab(ctx, spec)
    qtbot.addWidget(tab)
    tab.resize(1200, 640)
    tab.show()
    _settled(qtbot, tab)
    return tab


def _settled(qtbot, tab: EntityTab) -> None:
    qtbot.waitUntil(lambda: tab.model.counted and not tab.model.busy, timeout=10_000)


def _sql_counts(engine: Engine, expr) -> dict:
    source = leads.outerjoin(owner, leads.c.owner_id == owner.c.id)
    with engine.connect() as conn:
        rows = conn.execute(select(expr, func.count()).select_from(source).group_by(expr))
        return {(NONE_VALUE if value is None else str(value)): n for value, n in rows}


def _chip_counts(tab: EntityTab, key: str) -> dict:
    counts = {}
    for value, button in tab.chips._buttons[key].items():
        counts[value] = int(button.text().rsplit(None, 1)[-1].replace(",", ""))
    return counts


def test_chip_counts_equal_sql_group_by(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx)
    qtbot.waitUntil(lambda: bool(tab.chips._buttons["status"]), timeout=5000)
    assert _chip_counts(tab, "status") == _sql_counts(ctx.engine, leads.c.status)
    assert _chip_counts(tab, "source") == _sql_counts(ctx.engine, leads.c.source)
    assert _chip_counts(tab, "owner") == _sql_counts(ctx.engine, owner.c.name)
    now = dt.datetime.now(dt.UTC)
    with ctx.engine.connect() as conn:
        for key, (_label, days) in DATE_RANGES.items():
            since = now - dt.timedelta(days=days)
            expected = conn.execute(
                select(func.count()).select_from(leads).where(leads.c.created_at >= since)
            ).scalar_one()
            assert _chip_counts(tab, "created").get(key, 0) == expected, key


def test_choosing_chips_narrows_the_list(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx)
    qtbot.waitUntil(lambda: bool(tab.chips._buttons["status"]), timeout=5000)
    tab.chips.button("status", "NEW").click()
    _settled(qtbot, tab)
    with ctx.engine.connect() as conn:
        new_ids = set(conn.execute(select(leads.c.id).where(leads.c.status == "NEW")).scalars())
    shown = {tab.model.index(r, 0).data(KEY_ROLE) for r in range(tab.model.rowCount())}
    assert shown == new_ids and 0 < len(shown) < SEED_LEADS
    # A second group ANDs: NEW leads of the biggest source.
    source = max(_sql_counts(ctx.engine, leads.c.source).items(), key=lambda kv: kv[1])[0]
    tab.apply_filters({"source": source})
    _settled(qtbot, tab)
    with ctx.engine.connect() as conn:
        both = set(
            conn.execute(
                select(leads.c.id).where(leads.c.status == "NEW", leads.c.source == source)
            ).scalars()
        )
    shown = {tab.model.index(r, 0).data(KEY_ROLE) for r in range(tab.model.rowCount())}
    assert shown == both
    # The status chips are counted under the source filter, not under their own.
    qtbot.waitUntil(lambda: "CONTACTED" in tab.chips._buttons["status"], timeout=5000)
    qtbot.wait(50)
    with ctx.engine.connect() as conn:
        contacted = conn.execute(
            select(func.count()).where(leads.c.status == "CONTACTED", leads.c.source == source)
        ).scalar_one()
    qtbot.waitUntil(lambda: _chip_counts(tab, "status").get("CONTACTED") == contacted)
    assert tab.apply_filters({"bucket": "31-60", "status": []}) == {"bucket": "31-60"}
    _settled(qtbot, tab)
    assert tab.model.rowCount() == len(
        [1 for s in _sql_counts_by_source(ctx.engine) if s == source]
    )


def _sql_counts_by_source(engine: Engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(leads.c.source)).scalars())


def test_search_box_finds_the_same_rows_as_like(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx)
    with ctx.engine.connect() as conn:
        email = conn.execute(select(leads.c.email).where(leads.c.email.is_not(None))).scalar()
    word = email.split("@")[0][:4]
    tab.apply_filters({"search": word})
    _settled(qtbot, tab)
    with ctx.engine.connect() as conn:
        expected = set(
            conn.execute(
                select(leads.c.id).where(
                    func.lower(leads.c.email).like(f"%{word.lower()}%")
                    | func.lower(leads.c.first_name).like(f"%{word.lower()}%")
                    | func.lower(leads.c.last_name).like(f"%{word.lower()}%")
                    | func.lower(func.coalesce(leads.c.phone, "")).like(f"%{word.lower()}%")
                )
            ).scalars()
        )
    shown = {tab.model.index(r, 0).data(KEY_ROLE) for r in range(tab.model.rowCount())}
    assert shown == expected and shown


def test_copy_puts_the_selected_rows_as_tsv_on_the_clipboard(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx)
    view = tab.view
    model = tab.model
    for row in (0, 2, 3):
        view.selectionModel().select(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    view.setColumnHidden(5, True)  # hidden columns are not copied
    view.setFocus()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    columns = [c for c in range(model.columnCount()) if c != 5]
    expected = "\n".join(
        "\t".join(str(model.index(row, c).data() or "") for c in columns) for row in (0, 2, 3)
    )
    assert QGuiApplication.clipboard().text() == expected
    lines = expected.split("\n")
    assert len(lines) == 3 and all(line.count("\t") == len(columns) - 1 for line in lines)
    with ctx.engine.connect() as conn:
        email = conn.execute(
            select(leads.c.email).where(leads.c.id == model.index(2, 0).data(KEY_ROLE))
        ).scalar_one()
    assert (email or "") in lines[1].split("\t")


def test_totals_row_equals_sql_sum(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx, ENROLLMENTS)
    qtbot.waitUntil(lambda: bool(tab.totals), timeout=5000)
    with ctx.engine.connect() as conn:
        expected = conn.execute(select(func.sum(enrollments.c.contract_value))).scalar_one()
        plan = conn.execute(select(enrollments.c.plan_type)).scalar()
        pif = conn.execute(
            select(func.sum(enrollments.c.contract_value)).where(enrollments.c.plan_type == plan)
        ).scalar_one()
    assert tab.totals == {3: Decimal(expected)} and expected > 0
    assert ctx.formatter.money(Decimal(expected)) in tab.totals_label.text()
    tab.model.set_filters(enrollments.c.plan_type == plan)
    tab.model.request_totals()
    qtbot.waitUntil(lambda: tab.totals == {3: Decimal(pif)}, timeout=5000)


def test_multi_select_gives_ids_to_the_bulk_action(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx)
    got: list[list] = []
    action = tab.add_bulk_action("Mark contacted", got.append)
    assert not action.isEnabled()
    rows = (4, 1, 7)
    for row in rows:
        tab.view.selectionModel().select(
            tab.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    expected = [tab.model.index(r, 0).data(KEY_ROLE) for r in sorted(rows)]
    assert tab.selected_ids() == expected and len(set(expected)) == 3
    assert action.isEnabled() and tab.bulk_button.text() == "3 selected"
    action.trigger()
    assert got == [expected]


def test_a_write_announced_on_the_bus_refreshes_the_tab(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx)
    first = tab.model.index(0, 0).data(KEY_ROLE)
    with ctx.engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.id == first).values(first_name="Zelda"))
    before = tab.model.rows.stats.pages
    ctx.bus.announce({"payments"}, set())  # not a table this list shows
    assert tab.model.rows.stats.pages == before
    assert not tab.model.index(0, 0).data().startswith("Zelda")
    ctx.bus.announce({"leads"}, {first})
    _settled(qtbot, tab)
    assert tab.model.index(0, 0).data().startswith("Zelda")


def test_a_refresh_keeps_the_selection_and_the_scroll_position(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx)
    row = 60
    tab.view.selectRow(row)
    tab.view.scrollTo(tab.model.index(row, 0))
    bar = tab.view.verticalScrollBar()
    assert bar.value() > 0
    scrolled = bar.value()
    lead = tab.model.index(row, 0).data(KEY_ROLE)
    with ctx.engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.id == lead).values(first_name="Zora"))
    with qtbot.waitSignal(tab.model.refreshed, timeout=5000):
        ctx.bus.announce({"leads"}, {lead})
    assert tab.selected_rows() == [row] and tab.selected_ids() == [lead]
    assert bar.value() == scrolled
    assert tab.model.index(row, 0).data().startswith("Zora")


def test_hooks_for_the_window(qtbot, ctx: TabContext) -> None:
    tab = _tab(qtbot, ctx)
    tab.activateWindow()
    tab.focus_search()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.search, timeout=2000)
    old_style = EntityTab(ctx.engine, PIPELINE, ctx.formatter)  # the original signature
    qtbot.addWidget(old_style)
    assert old_style.chips.groups == () and old_style.ctx is None


def test_model_tester_with_chips_and_search(qtbot, qtmodeltester, ctx: TabContext) -> None:
    model = QueryTableModel(ctx.engine, PIPELINE, page_size=7, max_pages=2)
    model.set_chips({"status": ["NEW", "CONTACTED"], "created": ["365d"]})
    model.set_search("a")
    qtbot.waitUntil(lambda: model.counted, timeout=5000)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() > 7


def test_screenshot(qtbot, ctx: TabContext) -> None:
    """A picture of the list machinery: chips with counts, badges and the totals row."""
    pipeline = _tab(qtbot, ctx)
    qtbot.waitUntil(lambda: bool(pipeline.chips._buttons["status"]), timeout=5000)
    pipeline.chips.button("status", "NEW").click()
    pipeline.chips.button("status", "QUALIFIED").click()
    _settled(qtbot, pipeline)
    tab = _tab(qtbot, ctx, ENROLLMENTS)
    qtbot.waitUntil(lambda: bool(tab.totals and tab.chips._buttons["status"]), timeout=5000)
    tab.view.selectRow(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(SCREENSHOTS / "list_machinery.png"))
    assert pipeline.grab().save(str(SCREENSHOTS / "list_machinery_chips.png"))
