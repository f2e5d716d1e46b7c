"""The window shell: lazy tabs, keys, open_list, remembered layout, menus, help."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QTextBrowser, QWidget
from sqlalchemy import Engine

from portal_desktop.db.engine import session_factory
from portal_desktop.models.enums import UserRole
from portal_desktop.services.common.context import Actor
from portal_desktop.views import tab_registry
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.tab_context import DataBus, TabContext
from tests.shell_helpers import generic_tabs, temp_settings  # noqa: F401

pytestmark = pytest.mark.usefixtures("temp_settings", "generic_tabs")


class RecordingTab(QLabel):
    """A tab with the optional methods the window calls; it writes down each call."""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__("recording", parent)
        self.calls: list[tuple[str, object]] = []

    def new_record(self) -> None:
        self.calls.append(("new_record", None))

    def open_selected(self) -> None:
        self.calls.append(("open_selected", None))

    def apply_filters(self, filters: dict[str, object]) -> None:
        self.calls.append(("apply_filters", filters))


def _window(
    qtbot, engine: Engine, role: UserRole = UserRole.ADMIN, name: str = "ann"
) -> MainWindow:
    actor = Actor(user_id=None, username=name, role=role)
    ctx = TabContext(engine, session_factory(engine), actor, Formatter(), DataBus())
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def test_tabs_are_built_when_first_opened(qtbot, engine: Engine) -> None:
    window = _window(qtbot, engine)
    built = window.built_tabs()
    assert list(built) == ["pipeline"]  # the first tab, shown at once
    assert window.lazy_tabs["team"].content is None
    window.tabs.setCurrentWidget(window.lazy_tabs["team"])
    team = window.lazy_tabs["team"].content
    assert isinstance(team, EntityTab) and team.spec.name == "team"
    assert list(window.built_tabs()) == ["pipeline", "team"]


def test_keys_reach_the_current_tab(qtbot, engine: Engine, monkeypatch) -> None:
    monkeypatch.setitem(tab_registry.TAB_CLASSES, "team", lambda: RecordingTab)
    window = _window(qtbot, engine)
    window.tabs.setCurrentWidget(window.lazy_tabs["team"])
    tab = window.tab("team")
    assert isinstance(tab, RecordingTab)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    window.ctx.bus.show_records("team", {"status": "LOST"})
    assert tab.calls == [
        ("new_record", None),
        ("open_selected", None),
        ("apply_filters", {"status": "LOST"}),
    ]
    # Ctrl+F on the generic list focuses its search box.
    window.tabs.setCurrentWidget(window.lazy_tabs["pipeline"])
    pipeline = window.tab("pipeline")
    assert isinstance(pipeline, EntityTab)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is pipeline.search


def test_open_list_switches_tab_and_searches(qtbot, engine: Engine) -> None:
    window = _window(qtbot, engine)
    window.ctx.bus.show_records("enrollments", {"search": "Garcia"})
    assert window.tabs.currentWidget() is window.lazy_tabs["enrollments"]
    tab = window.tab("enrollments")
    assert isinstance(tab, EntityTab)
    assert tab.search.text() == "Garcia" and tab.model.search_text == "Garcia"


def test_a_list_the_role_cannot_see_is_refused_in_the_status_bar(qtbot, engine: Engine) -> None:
    window = _window(qtbot, engine, UserRole.MARKETING)
    window.ctx.bus.show_records("payment_schedules", {})
    assert window.tabs.currentWidget() is window.lazy_tabs["pipeline"]
    assert window.statusBar().currentMessage() == (
        "Your role cannot open the payment_schedules list."
    )


def test_window_size_and_columns_are_remembered_per_user(qtbot, engine: Engine) -> None:
    window = _window(qtbot, engine, name="ann")
    window.resize(1111, 677)
    tab = window.tab("pipeline")
    assert isinstance(tab, EntityTab)
    header = tab.view.horizontalHeader()
    header.resizeSection(1, 333)
    header.moveSection(2, 0)
    window.columns_menu.aboutToShow.emit()
    toggles = window.columns_menu.actions()
    assert [a.text() for a in toggles] == [c.title for c in tab.spec.columns]
    toggles[3].setChecked(False)  # View → Columns: hide the fourth column
    assert header.isSectionHidden(3)
    window.close()

    again = _window(qtbot, engine, name="ann")
    assert again.size() == QSize(1111, 677)
    header = again.tab("pipeline").view.horizontalHeader()  # type: ignore[attr-defined]
    assert header.sectionSize(1) == 333
    assert header.logicalIndex(0) == 2
    assert header.isSectionHidden(3)

    other = _window(qtbot, engine, name="bo")
    header = other.tab("pipeline").view.horizontalHeader()  # type: ignore[attr-defined]
    assert not header.isSectionHidden(3)
    assert header.logicalIndex(0) == 0


def test_help_shows_the_kpi_definitions_and_esc_closes_it(qtbot, engine: Engine) -> None:
    window = _window(qtbot, engine)
    window.kpi_action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "kpiHelp")
    assert isinstance(dialog, QDialog) and dialog.isVisible()
    text = dialog.findChild(QTextBrowser).toPlainText()
    assert 'what "show rate" or "close rate" means' in text
    assert "#" not in text.splitlines()[0]  # rendered as Markdown, not shown as source
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_file_menu_offers_import_export_and_sign_out(
    qtbot, engine: Engine, tmp_path, monkeypatch
) -> None:
    window = _window(qtbot, engine)
    window.import_action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "importDialog")
    assert dialog.isVisible()
    dialog.close()
    target = tmp_path / "leads.csv"
    monkeypatch.setattr("portal_desktop.views.export_actions.ask_path", lambda *_: str(target))
    window.tabs.setCurrentWidget(window.lazy_tabs["pipeline"])
    assert window.current_list_query().spec.name == "pipeline"
    window.export_action.trigger()
    qtbot.waitUntil(lambda: target.exists() and target.stat().st_size > 0, timeout=10_000)
    header = target.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",")[:2] == ["Name", "Email"]
    with qtbot.waitSignal(window.sign_out_requested):
        window.sign_out_action.trigger()
    assert not window.isVisible()
