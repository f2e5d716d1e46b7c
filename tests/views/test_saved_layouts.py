"""Saved column layouts: each list's header comes back on that list, whatever was opened."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QSplitter, QTableView
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.services.accounts import users as user_service
from portal_desktop.services.seeding import seed_database
from portal_desktop.services.seeding.seeder import DEMO_PASSWORD
from portal_desktop.views import ui_state
from portal_desktop.views.admin.tab import AdminTab
from portal_desktop.views.main_window import MainWindow
from tests.shell_helpers import temp_settings  # noqa: F401
from tests.views.windows import shown_window

pytestmark = [
    pytest.mark.usefixtures("temp_settings"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, leads=40, seed=3)
    return engine


def _window(qtbot, engine: Engine, sessions: sessionmaker[Session]) -> MainWindow:
    with sessions() as session:
        actor = user_service.authenticate(session, "admin", DEMO_PASSWORD)
    return shown_window(qtbot, engine, actor, sessions)


def _admin(window: MainWindow) -> AdminTab:
    window.tabs.setCurrentWidget(window.lazy_tabs["users"])
    admin = window.tab("users")
    assert isinstance(admin, AdminTab)
    return admin


def test_admin_pages_keep_their_own_columns_across_a_restart(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    """The issue's steps: Admin → Audit trail, Settings, Programs → quit; sign in again →
    Admin → Users: every column of the users list is there and wide enough to read."""
    window = _window(qtbot, seeded, sessions)
    admin = _admin(window)
    assert admin.audit is not None
    for page in (admin.audit, admin.settings, admin.programs):
        admin.pages.setCurrentWidget(page)
        qtbot.wait(10)
    window.close()

    again = _window(qtbot, seeded, sessions)
    admin = _admin(again)
    admin.pages.setCurrentWidget(admin.users)
    header = admin.users.list.view.horizontalHeader()
    model = admin.users.list.model
    assert header.count() == model.columnCount()
    for column in range(model.columnCount()):
        title = model.headerData(column, header.orientation())
        assert not header.isSectionHidden(column), title
        assert header.sectionSize(column) >= header.minimumSectionSize(), title
    # Each list got back its own state, not the one of the list shown before it.
    for panel in (admin.users, admin.programs, admin.audit):
        assert panel is not None
        view = panel.list.view
        assert view.horizontalHeader().count() == view.model().columnCount()


def test_a_hand_sized_column_comes_back_on_its_own_list(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    window = _window(qtbot, seeded, sessions)
    admin = _admin(window)
    admin.pages.setCurrentWidget(admin.programs)
    admin.programs.list.view.horizontalHeader().resizeSection(0, 271)
    admin.users.list.view.horizontalHeader().resizeSection(1, 173)
    admin.pages.setCurrentWidget(admin.settings)  # raises the page: child order changes
    window.close()

    again = _window(qtbot, seeded, sessions)
    admin = _admin(again)
    assert admin.programs.list.view.horizontalHeader().sectionSize(0) == 271
    assert admin.users.list.view.horizontalHeader().sectionSize(1) == 173


def test_every_table_and_splitter_of_every_tab_has_its_own_layout_name(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    """A table or splitter without a stable name would not be remembered, and two with one
    name would share a layout: neither may happen in any tab."""
    window = _window(qtbot, seeded, sessions)
    for key in window.tab_keys:
        window.tabs.setCurrentWidget(window.lazy_tabs[key])
        tab = window.tab(key)
        parts = tab.findChildren(QTableView) + tab.findChildren(QSplitter)
        names = [ui_state.layout_name(part) for part in parts]
        unnamed = [type(p).__name__ for p, n in zip(parts, names, strict=True) if not n]
        assert not unnamed, (key, unnamed)
        assert len(set(names)) == len(names), (key, sorted(names))


def test_a_layout_saved_for_other_columns_is_not_restored(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    """A header saved when a list had other columns (an older version) is left alone."""
    window = _window(qtbot, seeded, sessions)
    admin = _admin(window)
    view = admin.users.list.view
    view.horizontalHeader().resizeSection(1, 173)
    window.close()
    store = ui_state.settings()
    name = ui_state.layout_name(view)
    for key in store.allKeys():
        if key.endswith(f"{name}/columns"):
            store.setValue(key, "Username|Full name")
    store.sync()

    again = _window(qtbot, seeded, sessions)
    header = _admin(again).users.list.view.horizontalHeader()
    assert header.sectionSize(1) != 173


def test_widths_fitted_to_a_wider_window_are_fitted_again_to_a_smaller_one(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    """Columns nobody sized by hand follow the window: a session on a wide screen must not
    push the Pipeline's last columns off a 1280-pixel one."""
    window = _window(qtbot, seeded, sessions)
    window.resize(1900, 1000)
    pipeline = window.tab("pipeline").list.view  # type: ignore[attr-defined]
    header = pipeline.horizontalHeader()
    header.moveSection(1, 0)  # order and hidden columns are remembered as before
    qtbot.wait(20)
    wide = [header.sectionSize(n) for n in range(header.count())]
    window.close()

    again = _window(qtbot, seeded, sessions)  # 1280 x 800
    again.resize(1280, 800)
    view = again.tab("pipeline").list.view  # type: ignore[attr-defined]
    qtbot.wait(20)
    header = view.horizontalHeader()
    assert header.logicalIndex(0) == 1
    assert [header.sectionSize(n) for n in range(header.count())] != wide
    last = header.logicalIndex(header.count() - 1)
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= (
        view.viewport().width() + 1
    )
