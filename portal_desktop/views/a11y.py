"""Keyboard and screen-reader basics every screen uses.

- :func:`table`: Tab and Shift+Tab leave a table (the arrow keys move between its cells; with
  Qt's default the Tab key walks the cells and never leaves), and a screen reader names it;
- :func:`search_box`: a search box named for a screen reader, from which Down moves into the
  results (the first row is selected when none is);
- :func:`named`: any other control a screen reader would otherwise read without a name (a
  date box outside a form, a plot);
- :func:`spoken_name` / :func:`keyboard_controls`: what a screen reader says for a control and
  the controls Tab can reach (the tests walk every tab with these).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QAccessible, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QWidget

W = TypeVar("W", bound=QWidget)
V = TypeVar("V", bound=QAbstractItemView)

NO_MODIFIERS = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


def named(widget: W, name: str) -> W:
    """``widget`` with ``name`` as what a screen reader says for it."""
    widget.setAccessibleName(name)
    return widget


def table(view: V, name: str) -> V:
    """A table Tab leaves (arrows move between cells) and a screen reader names."""
    view.setTabKeyNavigation(False)
    return named(view, name)


class DownIntoResults(QObject):
    """Down in a search box (no modifier) moves the focus to the results it filters."""

    def __init__(
        self, search: QLineEdit, results: QWidget, before: Callable[[], object] | None
    ) -> None:
        super().__init__(search)
        self.results = results
        self.before = before
        search.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and event.modifiers() in NO_MODIFIERS
            and self.results.isVisible()
        ):
            self.enter_results()
            return True
        return super().eventFilter(watched, event)

    def enter_results(self) -> None:
        """Focus the results; in a list with nothing selected, the first row is selected."""
        if self.before is not None:
            self.before()
        results = self.results
        if isinstance(results, QAbstractItemView):
            model, selection = results.model(), results.selectionModel()
            if model is not None and model.rowCount() and not selection.hasSelection():
                flags = QItemSelectionModel.SelectionFlag
                selection.setCurrentIndex(model.index(0, 0), flags.ClearAndSelect | flags.Rows)
        results.setFocus(Qt.FocusReason.TabFocusReason)


def search_box(
    search: QLineEdit, results: QWidget, name: str, before: Callable[[], object] | None = None
) -> QLineEdit:
    """``search`` named ``name``; Down there calls ``before`` (a search still waiting for
    typing to pause runs now), then moves into ``results``."""
    DownIntoResults(search, results, before)
    return named(search, name)


def spoken_name(widget: QWidget) -> str:
    """What a screen reader says a control is: its accessible name, else what Qt derives
    (a button's text, a form row's label through its buddy)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return (interface.text(QAccessible.Text.Name) if interface is not None else "").strip()


def keyboard_controls(root: QWidget) -> list[QWidget]:
    """The controls under ``root`` that Tab can reach now: shown, enabled, taking Tab focus
    (a widget whose focus goes to a proxy counts as the proxy)."""
    tab_focus = Qt.FocusPolicy.TabFocus
    return [
        widget
        for widget in root.findChildren(QWidget)
        if widget.isVisible()
        and widget.isEnabled()
        and (widget.focusPolicy() & tab_focus) == tab_focus
        and widget.focusProxy() is None
    ]
