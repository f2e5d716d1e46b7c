"""Keyboard and screen readers: every control of every tab reached with Tab only, names a
screen reader reads, Down from a search box, and one registry of keys (window, Help, README)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDateTimeEdit,
    QDialog,
    QHeaderView,
    QLineEdit,
    QTabWidget,
    QTextBrowser,
    QWidget,
)
from sqlalchemy import Engine

from portal_desktop.db.engine import session_factory
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.models.enums import CallOutcome
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.calls import record_outcome
from portal_desktop.services.seeding import seed_database
from portal_desktop.views import shortcuts
from portal_desktop.views.a11y import keyboard_controls, spoken_name
from portal_desktop.views.calls.close_deal_wizard import CloseDealWizard
from portal_desktop.views.calls.schedule_dialog import ScheduleCallDialog
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.help import KeysHelpDialog
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.tab_context import DataBus, TabContext
from tests.shell_helpers import temp_settings  # noqa: F401
from tests.views.call_fixtures import make_context, make_world
from tests.views.list_rows import settled

README = Path(__file__).resolve().parents[2] / "README.md"
MOST_TABS_PER_WALK = 400


def _ctx(engine: Engine) -> TabContext:
    return TabContext(engine, session_factory(engine), SYSTEM, Formatter(), DataBus())


@pytest.fixture
def window(qtbot, engine: Engine, temp_settings) -> Iterator[MainWindow]:  # noqa: F811
    """The admin's window with the real screens over a small seeded database; no list
    read is left running when it goes."""
    seed_database(engine, leads=40, seed=5)
    win = MainWindow(_ctx(engine))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    _activate(qtbot, win)
    yield win
    for entity in win.findChildren(EntityTab):
        qtbot.waitUntil(lambda m=entity.model: not m.busy, timeout=10_000)


def _activate(qtbot, widget: QWidget) -> None:
    """Make ``widget``'s window the active one (keys and shortcuts go there)."""
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window(), timeout=5_000)


def _label(widget: QWidget) -> str:
    return f"{type(widget).__name__} {widget.objectName()!r} ({spoken_name(widget)!r})"


def _walk(start: QWidget) -> list[QWidget]:
    """The widgets Tab alone reaches from ``start`` until the focus comes back to it."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    reached = [start]
    for _ in range(MOST_TABS_PER_WALK):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        if focused is start:
            return reached
        reached.append(focused)
    raise AssertionError(
        f"Tab never came back to the tab bar; it ended in {_label(reached[-1])}: "
        + ", ".join(_label(w) for w in reached[:12])
    )


def _pages(tab: QWidget) -> list[tuple[QTabWidget, int]]:
    """Every page of the tab widgets inside ``tab`` (the first page is shown last)."""
    inner = [pages for pages in tab.findChildren(QTabWidget) if pages.isVisible()]
    return [(pages, n) for pages in inner for n in [*range(1, pages.count()), 0]]


def _check_walk(window: MainWindow, tab: QWidget, where: str) -> int:
    reached = set(_walk(window.tabs.tabBar()))
    controls = keyboard_controls(tab)
    missed = [_label(w) for w in controls if w not in reached]
    assert not missed, f"{where}: Tab never reaches {missed}"
    unnamed = [_label(w) for w in controls if not spoken_name(w)]
    assert not unnamed, f"{where}: a screen reader reads no name for {unnamed}"
    return len(controls)


def test_tab_alone_reaches_every_control_of_every_tab_and_each_has_a_name(
    qtbot, window: MainWindow
) -> None:
    reached = 0
    for key in window.tab_keys:
        window.tabs.setCurrentWidget(window.lazy_tabs[key])
        tab = window.tab(key)
        for entity in tab.findChildren(EntityTab):
            settled(qtbot, entity.model)
        reached += _check_walk(window, tab, key)
        for pages, number in _pages(tab):
            pages.setCurrentIndex(number)
            reached += _check_walk(window, tab, f"{key} / {pages.tabText(number)}")
        if key == "pipeline":  # the board, then back to the list
            tab.show_view(1)
            reached += _check_walk(window, tab, "pipeline / board")
            tab.show_view(0)
    assert reached > 80  # the walks saw the screens, not empty tabs

    everything = window.findChildren(QWidget)
    tables = [  # not a header, nor a combo box's pop-up list
        w
        for w in everything
        if isinstance(w, QAbstractItemView)
        and not isinstance(w, QHeaderView)
        and w.window() is window
    ]
    assert len(tables) >= 17
    assert [_label(t) for t in tables if t.tabKeyNavigation()] == []
    searches = [w for w in everything if isinstance(w, QLineEdit) and w.objectName() == "search"]
    dates = [w for w in everything if isinstance(w, QDateTimeEdit)]
    assert len(searches) >= 9 and len(dates) >= 8
    explicit = [_label(w) for w in tables + searches + dates if not w.accessibleName()]
    assert explicit == [], "no accessible name:\n" + "\n".join(explicit)


def test_down_from_a_search_box_moves_into_the_results(qtbot, engine: Engine) -> None:
    seed_database(engine, leads=30, seed=3)
    tab = EntityTab(_ctx(engine), PIPELINE)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    _activate(qtbot, tab)
    settled(qtbot, tab.model)
    assert tab.search.accessibleName() == "Search leads"
    assert tab.view.accessibleName() == PIPELINE.title

    tab.focus_search()
    QTest.keyClick(tab.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is tab.view
    assert tab.view.currentIndex().row() == 0
    assert tab.selected_rows() == [0]
    QTest.keyClick(tab.view, Qt.Key.Key_Down)  # the arrows go on inside the list
    assert tab.selected_rows() == [1]
    QTest.keyClick(tab.view, Qt.Key.Key_Tab)  # and Tab leaves it
    assert QApplication.focusWidget() is not tab.view

    tab.focus_search()
    QTest.keyClicks(tab.search, "zz-nobody")
    QTest.keyClick(tab.search, Qt.Key.Key_Down)  # before typing pauses: searched at once
    assert tab.model.search_text == "zz-nobody"
    assert QApplication.focusWidget() is tab.view
    settled(qtbot, tab.model)  # no read left running when the tab goes


def test_a_form_names_its_boxes_by_their_labels_and_down_leaves_the_finder(
    qtbot, engine: Engine
) -> None:
    seed_database(engine, leads=10, seed=3)
    dialog = ScheduleCallDialog(_ctx(engine))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    _activate(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    assert dialog.when.accessibleName() == "When"  # the form row's label (no buddy there)
    assert dialog.finder.accessibleName() == "Find a lead or student"
    assert [_label(w) for w in keyboard_controls(dialog) if not spoken_name(w)] == []

    dialog.finder.setFocus()
    QTest.keyClick(dialog.finder, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is dialog.attendee


def _shown_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def test_every_dialog_ctrl_n_opens_names_its_controls(qtbot, window: MainWindow) -> None:
    opened = []
    for key in window.tab_keys:
        window.tabs.setCurrentWidget(window.lazy_tabs[key])
        if not callable(getattr(window.tab(key), "new_record", None)):
            continue
        _activate(qtbot, window)
        QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: bool(_shown_dialogs()), timeout=10_000)
        for dialog in _shown_dialogs():
            qtbot.waitUntil(lambda d=dialog: getattr(d, "ready", True), timeout=10_000)
            unnamed = [_label(w) for w in keyboard_controls(dialog) if not spoken_name(w)]
            assert unnamed == [], f"{type(dialog).__name__}: no name for {unnamed}"
            opened.append(type(dialog).__name__)
            dialog.reject()
    assert {"LeadDialog", "ScheduleCallDialog", "MemberDialog", "CampaignDialog"} <= set(opened)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_close_deal_wizard_names_every_control_on_both_pages(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    with sessions() as session:
        record_outcome(session, ctx.actor, world.past_call_id, CallOutcome.CLOSED_WON)
    wizard = CloseDealWizard(ctx, sales_call_id=world.past_call_id)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    qtbot.waitUntil(lambda: wizard.ready, timeout=10_000)
    for _page in range(2):
        wizard.deal.custom_first_due.setChecked(True)  # its date box is on then
        unnamed = [_label(w) for w in keyboard_controls(wizard) if not spoken_name(w)]
        assert unnamed == [], f"page {wizard.currentId()}: no name for {unnamed}"
        wizard.next()
    assert wizard.deal.first_due_date.accessibleName() == "First installment on"


def _bound_keys(window: MainWindow) -> set[str]:
    keys = {
        sequence.toString(QKeySequence.SequenceFormat.PortableText)
        for action in window.findChildren(QAction)
        for sequence in action.shortcuts()
    }
    keys |= {
        shortcut.key().toString(QKeySequence.SequenceFormat.PortableText)
        for shortcut in window.findChildren(QShortcut)
    }
    return keys - {""}


def test_every_key_the_window_binds_comes_from_the_registry(window: MainWindow) -> None:
    for key in window.tab_keys:
        window.tab(key)  # every screen built: their keys too
    listed = {
        sequence.toString(QKeySequence.SequenceFormat.PortableText)
        for entry in shortcuts.SHORTCUTS
        if entry.name
        for sequence in shortcuts.sequences(entry.name)
    }
    bound = _bound_keys(window)
    assert bound - listed == set(), "a key bound in the window is missing from views/shortcuts.py"
    assert {"Ctrl+N", "Ctrl+F", "Return", "F5", "Ctrl+Q", "F1", "Ctrl+C", "Ctrl+9"} <= bound


def test_help_lists_every_key_and_f1_opens_it(qtbot, window: MainWindow) -> None:
    QTest.keyClick(window, Qt.Key.Key_F1)
    dialog = window.findChild(KeysHelpDialog)
    assert dialog is not None and dialog.isVisible()
    text = dialog.findChild(QTextBrowser).toPlainText()
    for entry in shortcuts.SHORTCUTS:
        assert entry.does in text
        assert shortcuts.keys_text(entry, native=True) in text
    assert window.keys_action.text().replace("&", "") == "Keyboard shortcuts"


def test_ctrl_and_a_digit_goes_to_that_tab(qtbot, window: MainWindow) -> None:
    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 2
    assert QApplication.focusWidget() is window.tabs.tabBar()
    QTest.keyClick(window, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)  # no 9th tab
    assert window.tabs.currentIndex() == 2
    window.current_tab().focus_search()  # Qt's Ctrl+Tab, as listed, from inside a tab
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 3


def test_the_readme_lists_the_registry() -> None:
    assert shortcuts.readme_block() in README.read_text(encoding="utf-8"), (
        "README.md's keyboard list is out of date: run "
        "`python -m portal_desktop.views.shortcuts README.md`"
    )
