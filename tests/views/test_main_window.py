"""The main window: every tab of DESIGN.md over one database, menus and status bar."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel
from sqlalchemy import Engine, func, insert, select

from portal_desktop.db.engine import describe, session_factory
from portal_desktop.db.list_queries import TEAM, leads
from portal_desktop.models import Lead, new_id
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.entity_tab import SEARCH_DEBOUNCE_MS, EntityTab
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.tab_registry import TAB_TITLES as REGISTERED_TITLES
from tests.shell_helpers import generic_tabs, temp_settings  # noqa: F401
from tests.views.list_rows import settle_now

TAB_TITLES = [
    "Pipeline",
    "Sales calls",
    "Enrollments",
    "Payment schedules",
    "Team",
    "Marketing",
    "Charts",
    "Admin",
]


@pytest.fixture
def window(qtbot, engine: Engine, request: pytest.FixtureRequest) -> MainWindow:
    request.getfixturevalue("temp_settings")
    request.getfixturevalue("generic_tabs")
    seed_database(engine, leads=80, seed=5)
    ctx = TabContext(engine, session_factory(engine), SYSTEM, Formatter(), DataBus())
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    settle_now(win.tab("pipeline").model)  # the first tab's list has been read
    return win


def _count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)))


def test_every_tab_lists_its_entity_with_the_right_count(window: MainWindow, engine) -> None:
    tabs = window.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == TAB_TITLES
    for name in (key for key in REGISTERED_TITLES if key != "charts"):  # the list tabs
        tab = window.tab(name)
        assert isinstance(tab, EntityTab)
        assert tabs.tabText(tabs.indexOf(window.lazy_tabs[name])) == REGISTERED_TITLES[name]
        assert settle_now(tab.model).rowCount() == _count(engine, tab.spec.base) > 0, name
    charts = window.tab("charts")
    assert not isinstance(charts, EntityTab)
    assert "comes with its own issue" in charts.findChild(QLabel, "placeholderNote").text()


def test_the_status_bar_names_the_database_and_counts_the_current_list(
    window: MainWindow, engine
) -> None:
    assert describe(engine.url) in window.database_label.text()
    assert window.rows_label.text() == "80 leads"
    assert window.refreshed_label.text().startswith("Refreshed ")
    window.tabs.setCurrentIndex(TAB_TITLES.index("Team"))
    settle_now(window.tab("team").model)
    assert window.rows_label.text() == f"{_count(engine, TEAM.base)} team members"
    window.tabs.setCurrentIndex(TAB_TITLES.index("Charts"))
    assert window.rows_label.text() == ""


def test_refresh_counts_again(qtbot, window: MainWindow, engine) -> None:
    assert window.refresh_action.shortcut() == QKeySequence(Qt.Key.Key_F5)
    with engine.begin() as conn:
        conn.execute(
            insert(Lead),
            [
                {
                    "id": new_id(),
                    "first_name": "Late",
                    "last_name": "Arrival",
                    # Later than any seeded lead, so it is first in the newest-first list.
                    "created_at": dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
                }
            ],
        )
    pipeline = window.tab("pipeline")
    assert settle_now(pipeline.model).rowCount() == 80
    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: pipeline.model.rowCount() == 81, timeout=5000)
    settle_now(pipeline.model)
    assert window.rows_label.text() == "81 leads"
    newest = pipeline.model.index(0, 0).data()
    assert newest == "Late Arrival"  # the list is newest first


def test_the_search_box_filters_once_typing_pauses(qtbot, window: MainWindow, engine) -> None:
    tab = window.tab("pipeline")
    assert isinstance(tab, EntityTab)
    with engine.connect() as conn:
        email = conn.scalar(select(leads.c.email).where(leads.c.email.is_not(None)).limit(1))
    queries: list[str] = []
    tab.model.modelReset.connect(lambda: queries.append(tab.model.search_text))
    started = dt.datetime.now()
    qtbot.keyClicks(tab.search, email)
    assert tab.model.rowCount() == 80  # still typing
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=3000)
    # A coarse QTimer may fire up to 5 % early.
    assert dt.datetime.now() - started >= dt.timedelta(milliseconds=0.9 * SEARCH_DEBOUNCE_MS)
    assert queries == [email]  # one query once typing paused, not one per key
    assert settle_now(tab.model).index(0, 1).data() == email
    assert window.rows_label.text() == "1 lead"
    assert tab.count_label.text() == "1 lead found"
    tab.search.clear()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 80, timeout=3000)


def test_quit_closes_the_window(window: MainWindow) -> None:
    action = window.quit_action
    assert action.shortcut() == QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Q)
    action.trigger()
    assert not window.isVisible()
