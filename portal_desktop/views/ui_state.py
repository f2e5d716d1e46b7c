"""What the window looked like, remembered per user in QSettings.

Window size, every splitter's sizes and every table's header (column widths, order and
visibility: ``QHeaderView.saveState`` holds all three) are saved under ``ui/<username>/``.
"""

from __future__ import annotations

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


def _parts(widget: QWidget) -> list[tuple[str, QTableView | QSplitter]]:
    """The tables and splitters inside a widget, each with a stable key."""
    found: list[tuple[str, QTableView | QSplitter]] = []
    for kind, cls in (("table", QTableView), ("splitter", QSplitter)):
        for number, child in enumerate(widget.findChildren(cls)):
            found.append((f"{kind}{number}_{child.objectName() or 'unnamed'}", child))
    return found


def save_widget(username: str, name: str, widget: QWidget) -> None:
    store = settings()
    for key, part in _parts(widget):
        state = (
            part.horizontalHeader().saveState()
            if isinstance(part, QTableView)
            else part.saveState()
        )
        store.setValue(_key(username, name, key), state)
    store.sync()


def restore_widget(username: str, name: str, widget: QWidget) -> bool:
    """Put back what :func:`save_widget` saved; whether any table's columns were restored."""
    store = settings()
    columns = False
    for key, part in _parts(widget):
        state = store.value(_key(username, name, key))
        if not isinstance(state, QByteArray) or state.isEmpty():
            continue
        if isinstance(part, QTableView):
            columns = part.horizontalHeader().restoreState(state) or columns
        else:
            part.restoreState(state)
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
