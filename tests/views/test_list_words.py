"""Lists as people read them: exports write what the screen shows (its columns, its words)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QDialog, QFileDialog, QToolButton
from sqlalchemy import Engine

from portal_desktop import clock
from portal_desktop.db.engine import session_factory
from portal_desktop.db.query_spec import ColumnKind
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.entity_tab import SEARCH_DEBOUNCE_MS, EntityTab
from portal_desktop.views.main_window import MainWindow
from tests.services.factories import make_sales_call
from tests.shell_helpers import temp_settings  # noqa: F401
from tests.views.list_rows import loaded_rows, settled
from tests.views.windows import shown_window


@pytest.fixture
def window(qtbot, engine: Engine, request: pytest.FixtureRequest) -> MainWindow:
    request.getfixturevalue("temp_settings")
    seed_database(engine, leads=60, seed=7)
    return shown_window(qtbot, engine)


def test_an_export_writes_the_columns_shown_in_their_order_and_words(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = window.tab("pipeline").list
    settled(qtbot, pipeline.model)
    header = pipeline.view.horizontalHeader()
    titles = [column.title for column in pipeline.spec.columns]
    pipeline.view.setColumnHidden(titles.index("Email"), True)
    header.moveSection(header.visualIndex(titles.index("Status")), 0)  # Status first
    target = tmp_path / "pipeline.xlsx"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "Excel")
    )
    window.export_current_list()
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=20_000)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    shown = [titles[header.logicalIndex(v)] for v in range(header.count())]
    assert rows[0] == tuple(t for t in shown if t != "Email")
    assert "Email" not in rows[0] and rows[0][0] == "Status"
    statuses = {row[0] for row in rows[1:]}
    assert statuses <= {"New", "Contacted", "Qualified", "Lost"} and statuses  # not QUALIFIED


def first_word(entity_tab: EntityTab) -> str:
    """A word of the first row's first column, if that column is searched text."""
    if entity_tab.spec.columns[0].kind is not ColumnKind.TEXT:
        return ""
    text = entity_tab.model.index(0, 0).data() or ""
    return text.split()[0] if text.split() else ""


def chip_total(entity_tab: EntityTab, key: str) -> int:
    """The sum of the counts the chips of group ``key`` show on screen."""
    buttons = entity_tab.chips.findChildren(QToolButton, f"chip_{key}")
    return sum(int(b.text().rsplit(maxsplit=1)[-1].replace(",", "")) for b in buttons)


def test_chip_counts_follow_the_search_box(qtbot, window: MainWindow) -> None:
    """On every list with chips and a search box, the chips count the rows found."""
    checked = []
    for key in window.lazy_tabs:
        for entity_tab in window.tab(key).findChildren(EntityTab):
            if not entity_tab.spec.search_in or not entity_tab.chips.groups:
                continue
            settled(qtbot, entity_tab.model)
            if entity_tab.model.rowCount() < 2:
                continue
            word = first_word(entity_tab)
            if not word:
                continue
            with qtbot.waitSignal(entity_tab.model.chip_counts_ready, timeout=10_000) as got:
                entity_tab.search.setText(word)  # as typed: it runs once typing pauses
            settled(qtbot, entity_tab.model)
            found = entity_tab.model.rowCount()
            group = next((g for g in entity_tab.chips.groups if g.is_enum), None)
            if group is None:
                continue
            assert sum(got.args[0].get(group.key, {}).values()) == found, (key, word)
            qtbot.wait(10)  # the chips replaced are deleted on the next turn of the event loop
            assert chip_total(entity_tab, group.key) == found, (key, word)
            checked.append(entity_tab.spec.name)
    assert {"enrollments", "users"} <= set(checked), checked

    pipeline = window.tab("pipeline")  # its stage chips are a row of their own
    settled(qtbot, pipeline.list.model)
    word = first_word(pipeline.list)
    pipeline.list.search.setText(word)
    qtbot.wait(SEARCH_DEBOUNCE_MS + 50)
    settled(qtbot, pipeline.list.model)
    qtbot.waitUntil(lambda: not pipeline.counts_loading, timeout=10_000)
    qtbot.wait(50)
    qtbot.waitUntil(lambda: not pipeline.counts_loading, timeout=10_000)
    assert sum(pipeline.counts.values()) == pipeline.list.model.rowCount() > 0, word
    all_chip = pipeline.chip_row.buttons[""].text()
    assert all_chip == f"All {pipeline.list.model.rowCount():,}", all_chip


def test_todays_calls_run_in_time_order(qtbot, window: MainWindow, engine: Engine) -> None:
    today = clock.today(None)
    hours = (15, 9, 11)
    with session_factory(engine)() as session:
        for hour in hours:
            when = dt.datetime.combine(today, dt.time(hour)).astimezone()  # this machine's zone
            make_sales_call(session, scheduled_at=when)
        session.commit()
    calls = window.tab("sales_calls")
    calls.apply_filters({"range": "today"})
    model = settled(qtbot, calls.list.model)
    times = [row[0] for row in loaded_rows(qtbot, model)]
    assert len(times) >= len(hours) and times == sorted(times)  # the next call first
    calls.apply_filters({"range": "all"})
    times = [row[0] for row in loaded_rows(qtbot, settled(qtbot, model))]
    assert times == sorted(times, reverse=True)  # a long span: newest first


@pytest.fixture
def empty_window(qtbot, engine: Engine, request: pytest.FixtureRequest) -> MainWindow:
    """The window over a brand-new database: no rows anywhere."""
    request.getfixturevalue("temp_settings")
    return shown_window(qtbot, engine)


def test_an_empty_list_says_what_it_holds_and_offers_the_first_action(
    qtbot, empty_window: MainWindow, engine: Engine
) -> None:
    pipeline = empty_window.tab("pipeline")
    settled(qtbot, pipeline.list.model)
    empty = pipeline.list.view.empty_state
    qtbot.waitUntil(empty.isVisible, timeout=5_000)
    assert empty.title.text() == "No leads yet"
    assert "people who may buy" in empty.holds.text()
    assert empty.new_button.isVisible() and empty.new_button.text() == "New lead"
    assert empty.import_button.isVisible() and not empty.clear_button.isVisible()
    if engine.dialect.name == "sqlite":
        empty_window.grab().save("/tmp/empty_pipeline.png")
    for key in empty_window.lazy_tabs:  # every list of every tab says what it holds
        for entity_tab in empty_window.tab(key).findChildren(EntityTab):
            model = settled(qtbot, entity_tab.model)
            if model.rowCount() == 0 and not entity_tab.view.empty_state.filtered():
                entity_tab.view.empty_state.update_state()
                assert entity_tab.view.empty_state.title.text().startswith("No "), key
    empty.new_button.click()  # the Pipeline's own "new lead" (Ctrl+N) opens
    qtbot.waitUntil(lambda: pipeline.findChild(QDialog) is not None, timeout=5_000)


def test_a_search_that_finds_nothing_says_so_and_clears(qtbot, window: MainWindow) -> None:
    pipeline = window.tab("pipeline")
    settled(qtbot, pipeline.list.model)
    pipeline.list.search.setText("zzqqxx")
    pipeline.list.apply_search()
    settled(qtbot, pipeline.list.model)
    empty = pipeline.list.view.empty_state
    qtbot.waitUntil(empty.isVisible, timeout=5_000)
    assert empty.title.text() == "No leads match"
    assert "zzqqxx" in empty.holds.text() and not empty.new_button.isVisible()
    empty.clear_button.click()
    settled(qtbot, pipeline.list.model)
    assert pipeline.list.model.rowCount() > 0 and not empty.isVisible()


def test_phones_read_alike_in_the_list_and_the_lead_panel(
    qtbot, window: MainWindow, engine: Engine
) -> None:
    with session_factory(engine)() as session:
        create_lead(session, SYSTEM, first_name="Nia", last_name="Newcomer", phone="4155550123")
        session.commit()
    pipeline = window.tab("pipeline")
    pipeline.list.apply_filters({"search": "Newcomer"})
    model = settled(qtbot, pipeline.list.model)
    phone = [c.title for c in model.spec.columns].index("Phone")
    assert model.index(0, phone).data() == "+1 415 555-0123"
    pipeline.list.apply_filters({"search": ""})
    model = settled(qtbot, model)
    shown = [model.index(row, phone).data() for row in range(min(model.rowCount(), 40))]
    assert all(re.fullmatch(r"\+1 \d{3} \d{3}-\d{4}", text) for text in shown if text), shown
