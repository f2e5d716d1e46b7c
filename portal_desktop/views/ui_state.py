"""What the window looked like, remembered per user in QSettings.

Window size, every splitter's sizes and every table's header (column widths, order and
visibility: ``QHeaderView.saveState`` holds all three) are saved under
``ui/<username>/<tab>/<name>/``, where the name is stable: a list view's list name, or the
widget's object name (see :func:`layout_name`). A table or splitter without one is not
remembered; tests/views/test_saved_layouts.py checks that every tab names all of its own.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSplitter, QTableView, QWidget


def settings() -> QSettings:
    """The app's settings (INI format everywhere, so tests can point them at a folder)."""
    return QSettings(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        QCoreApplication.organizationName() or "InfoProductPortal",
        QCoreApplication.applicationName() or "portal-desktop",
    )


def _key(username: str, *parts: str) -> str:
    return "/".join(("ui", username.replace("/", "_"), *parts))


# What the first version saved: "table<n>_<name>" / "splitter<n>_<name>", numbered in child
# order, which changes as pages are raised; such keys are dropped, never read.
_NUMBERED_KEY = re.compile(r"^(table|splitter)\d+_")


def layout_name(part: QWidget) -> str:
    """The stable name a table's or splitter's layout is kept under: a list's name for a
    list view, else the widget's object name ("" when it has none: not remembered)."""
    spec_name = getattr(getattr(part, "spec", None), "name", None)
    if isinstance(part, QTableView) and isinstance(spec_name, str) and spec_name:
        return f"list_{spec_name}"
    return part.objectName()


def _columns(view: QTableView) -> str:
    """The column titles a header's state was saved with: a state is restored only onto
    the same columns (a list that gained a column starts from its defaults)."""
    model, header = view.model(), view.horizontalHeader()
    if model is None:
        return ""
    titles = (model.headerData(n, header.orientation()) for n in range(model.columnCount()))
    return "|".join(str(title) for title in titles)


def _parts(widget: QWidget) -> dict[str, QTableView | QSplitter]:
    """The named tables and splitters inside a widget, by :func:`layout_name`."""
    found: dict[str, QTableView | QSplitter] = {}
    for cls in (QTableView, QSplitter):
        for child in widget.findChildren(cls):
            name = layout_name(child)
            if name:
                found.setdefault(name, child)
    return found


def save_widget(username: str, name: str, widget: QWidget) -> None:
    """Save every named table's header and splitter's sizes of a tab, each under its name."""
    store = settings()
    store.beginGroup(_key(username, name))
    for old in store.childKeys():
        if _NUMBERED_KEY.match(old):
            store.remove(old)
    for part_name, part in _parts(widget).items():
        if isinstance(part, QTableView):
            store.setValue(f"{part_name}/state", part.horizontalHeader().saveState())
            store.setValue(f"{part_name}/columns", _columns(part))
            store.setValue(f"{part_name}/by_hand", bool(getattr(part, "user_sized", True)))
        else:
            store.setValue(f"{part_name}/state", part.saveState())
    store.endGroup()
    store.sync()


def restore_widget(username: str, name: str, widget: QWidget) -> bool:
    """Put back what :func:`save_widget` saved, each part from its own name; whether any
    table's columns were restored. A table that fits its columns to the view (a ListView)
    keeps the restored widths if the user had sized a column by hand
    (``keep_column_widths()``), else fits them to this window (``refit_columns()``): widths
    fitted to a wider window last time would push columns off this one."""
    store = settings()
    store.beginGroup(_key(username, name))
    columns = False
    for part_name, part in _parts(widget).items():
        state = store.value(f"{part_name}/state")
        if not isinstance(state, QByteArray) or state.isEmpty():
            continue
        if not isinstance(part, QTableView):
            part.restoreState(state)
            continue
        same_columns = store.value(f"{part_name}/columns") == _columns(part)
        if same_columns and part.horizontalHeader().restoreState(state):
            columns = True
            by_hand = str(store.value(f"{part_name}/by_hand", "true")).lower() == "true"
            then = getattr(part, "keep_column_widths" if by_hand else "refit_columns", None)
            if callable(then):
                then()
    store.endGroup()
    return columns


def save_geometry(username: str, window: QWidget) -> None:
    """The window's size and whether it was maximized (its place is the desktop's choice)."""
    store = settings()
    size = window.normalGeometry().size() if window.isMaximized() else window.size()
    store.setValue(_key(username, "window", "size"), size)
    store.setValue(_key(username, "window", "maximized"), window.isMaximized())
    store.sync()


def restore_geometry(username: str, window: QWidget) -> bool:
    store = settings()
    size = store.value(_key(username, "window", "size"))
    if not isinstance(size, QSize) or size.isEmpty():
        return False
    window.resize(size)
    if str(store.value(_key(username, "window", "maximized"), "false")).lower() == "true":
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    return True


def last_username() -> str:
    return str(settings().value("signin/last_username", "") or "")


def remember_username(username: str) -> None:
    store = settings()
    store.setValue("signin/last_username", username)
    store.sync()


def fill_columns_menu(menu: QMenu, widget: QWidget | None) -> None:
    """One checkable action per column of the widget's first table (View → Columns)."""
    menu.clear()
    views = widget.findChildren(QTableView) if widget is not None else []
    if not views:
        empty = menu.addAction("No columns in this tab")
        empty.setEnabled(False)
        return
    view = views[0]
    header, model = view.horizontalHeader(), view.model()
    for column in range(model.columnCount()):
        action = QAction(str(model.headerData(column, header.orientation())), menu)
        action.setCheckable(True)
        action.setChecked(not header.isSectionHidden(column))
        action.toggled.connect(lambda shown, c=column: header.setSectionHidden(c, not shown))
        menu.addAction(action)
