"""The main window: the tabs the signed-in user's role may use, menus, keys, a status bar.

Every key it binds is named in views/shortcuts.py (Help → Keyboard shortcuts lists them).

Tabs are listed in views/tab_registry.py and built the first time they are opened. Every
tab is asked, if it has them, for ``new_record()`` (Ctrl+N), ``focus_search()`` (Ctrl+F),
``open_selected()`` (Enter), ``refresh()`` (F5), ``apply_filters(filters)`` (another screen
asked to show records here) and ``status_text()`` / ``status_changed`` (the row count). Each
table and splitter inside a tab keeps its layout under its own name (views/ui_state.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QStackedLayout,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from portal_desktop import clock
from portal_desktop.db.engine import describe
from portal_desktop.db.query_spec import ListQuery
from portal_desktop.views import shortcuts, theme_choice, ui_state
from portal_desktop.views.connection_monitor import ConnectionBanner, ConnectionMonitor
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.tab_registry import (
    TabEntry,
    build_tab,
    import_in_background,
    tabs_for,
)
from portal_desktop.views.tls_badge import TlsBadge
from portal_desktop.views.undo import NOTHING, undo_slot_of

WINDOW_TITLE = "Info Product Portal"
DEFAULT_SIZE = (1280, 800)
MINIMUM_SIZE = (900, 560)
WARM_UP_AFTER_MS = 250  # the window drawn first
CHARTS = "charts"
# The keys (their name in views/shortcuts.py) that call a hook of the current tab.
TAB_HOOKS = {"new": "new_record", "search": "focus_search", "open": "open_selected"}
IMPORT_LATER = "Comes with the import issue"


class ChartsPlaceholder(QWidget):
    """Where the dashboard will be: a short, centred note."""

    def __init__(self, ctx: TabContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_charts")
        title = QLabel("Charts", self)
        title.setObjectName("placeholderTitle")
        note = QLabel(
            "Cash, revenue, the sales funnel, the team leaderboard and receivables\n"
            "will be charted here. The dashboard comes with its own issue.",
            self,
        )
        note.setObjectName("placeholderNote")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addStretch(1)
        for label in (title, note):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(2)


class LazyTab(QWidget):
    """A tab's place in the tab bar; the real widget is built when it is first shown."""

    def __init__(
        self, entry: TabEntry, build: Callable[[TabEntry, QWidget], QWidget], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setObjectName(f"lazy_{entry.key}")
        self._build = build
        self._layout = QStackedLayout(self)
        self.content: QWidget | None = None

    def ensure_built(self) -> QWidget:
        if self.content is None:
            self.content = self._build(self.entry, self)
            self._layout.addWidget(self.content)
        return self.content


class MainWindow(QMainWindow):
    """One window per signed-in user; closing it or signing out ends that session."""

    sign_out_requested = Signal()
    closed = Signal()
    connection_requested = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.username = ctx.actor.username
        self.setWindowTitle(WINDOW_TITLE)
        # An explicit minimum: the layout must not change it once the window is shown.
        self.setMinimumSize(*MINIMUM_SIZE)
        self.resize(*DEFAULT_SIZE)
        ui_state.restore_geometry(self.username, self)
        theme_choice.apply_for(self.username)
        self.refreshed_at: dt.datetime | None = None

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.lazy_tabs: dict[str, LazyTab] = {}
        for entry in tabs_for(ctx.actor.role):
            lazy = LazyTab(entry, self._build_tab, self.tabs)
            self.lazy_tabs[entry.key] = lazy
            self.tabs.addTab(lazy, entry.title)
        self.monitor = ConnectionMonitor(ctx.engine, self)
        self.monitor.restored.connect(self.refresh)
        self.banner = ConnectionBanner(self.monitor, self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self._build_menus()
        self._build_keys()
        self._build_status_bar()
        self.tabs.currentChanged.connect(self._on_current_changed)
        ctx.bus.open_list.connect(self.show_list)
        ctx.bus.data_changed.connect(self._mark_refreshed)
        # The first tab is built in the next turn of the event loop: the window's frame is
        # drawn first, then the list (together they froze the window at sign-in).
        QTimer.singleShot(0, self, self._on_current_changed)
        # Once the window is up, the other tabs' modules load behind it.
        QTimer.singleShot(WARM_UP_AFTER_MS, self, self._import_tab_modules)

    # --- tabs ---------------------------------------------------------------------------

    def _import_tab_modules(self) -> None:
        import_in_background(lazy.entry for lazy in self.lazy_tabs.values())

    @property
    def tab_keys(self) -> list[str]:
        return list(self.lazy_tabs)

    def tab(self, key: str) -> QWidget:
        """The widget of a tab, built now if it has not been opened yet."""
        return self.lazy_tabs[key].ensure_built()

    def built_tabs(self) -> dict[str, QWidget]:
        return {key: lazy.content for key, lazy in self.lazy_tabs.items() if lazy.content}

    def current_tab(self) -> QWidget | None:
        lazy = self.tabs.currentWidget()
        return lazy.ensure_built() if isinstance(lazy, LazyTab) else None

    def _build_tab(self, entry: TabEntry, parent: QWidget) -> QWidget:
        widget = build_tab(entry, self.ctx, parent)
        ui_state.restore_widget(self.username, entry.key, widget)
        changed = getattr(widget, "status_changed", None)
        if changed is not None:
            changed.connect(self._update_status)
        self.refreshed_at = clock.local_now(self.ctx.formatter.tz)
        return widget

    def _on_current_changed(self, *_: int) -> None:
        self.current_tab()
        self._update_status()

    def show_list(self, list_name: str, filters: object) -> None:
        """Switch to the tab of a list and hand it the filters (DataBus.open_list)."""
        lazy = self.lazy_tabs.get(list_name)
        if lazy is None:
            self.statusBar().showMessage(f"Your role cannot open the {list_name} list.", 5000)
            return
        self.tabs.setCurrentWidget(lazy)
        self._call_current("apply_filters", dict(filters) if isinstance(filters, dict) else {})

    def _call_current(self, method: str, *args: object) -> bool:
        action = getattr(self.current_tab(), method, None)
        if callable(action):
            action(*args)
            return True
        return False

    # --- menus and keys -----------------------------------------------------------------

    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], object], keys: str = ""
    ) -> QAction:
        """A menu item; ``keys``: the name of its keys in views/shortcuts.py."""
        action = QAction(text, self)
        if keys:
            action.setShortcuts(shortcuts.sequences(keys))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.connection_action = self._action(
            file_menu, "&Connection…", self.connection_requested.emit
        )
        self.import_action = self._action(file_menu, "&Import…", self.open_import)
        self.export_action = self._action(file_menu, "&Export list…", self.export_current_list)
        self.export_action.setToolTip("The current list, as filtered and sorted, to CSV or Excel")
        file_menu.setToolTipsVisible(True)
        file_menu.addSeparator()
        self.sign_out_action = self._action(file_menu, "&Sign out / Switch user…", self.sign_out)
        file_menu.addSeparator()
        quit_action = self._action(file_menu, "&Quit", self.close, "quit")
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action = quit_action

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self._action(edit_menu, NOTHING, self.undo, "undo")
        self.addAction(self.undo_action)  # Ctrl+Z wherever the focus is (a text box keeps its own)
        undo_slot_of(self).changed.connect(self._update_undo)
        self._update_undo()

        view_menu = bar.addMenu("&View")
        self.refresh_action = self._action(view_menu, "&Refresh", self.refresh, "refresh")
        self.columns_menu = view_menu.addMenu("&Columns")
        self.columns_menu.aboutToShow.connect(
            lambda: ui_state.fill_columns_menu(self.columns_menu, self.current_tab())
        )
        self.theme_menu = view_menu.addMenu("&Theme")
        self.theme_actions = theme_choice.theme_menu(self.theme_menu, self.username, self)

        help_menu = bar.addMenu("&Help")
        self.keys_action = self._action(
            help_menu, "Keyboard &shortcuts", self.show_keys, "keys_help"
        )
        self.kpi_action = self._action(help_menu, "&KPI definitions", self.show_kpis)
        self.about_action = self._action(help_menu, "&About", self.show_about)

    def _build_keys(self) -> None:
        """The keys views/shortcuts.py names for the current tab's hooks, and Ctrl+1…9."""
        self.shortcuts: dict[str, QShortcut] = {}
        for keys, method in TAB_HOOKS.items():
            for sequence in shortcuts.sequences(keys):
                shortcut = self._shortcut(sequence, lambda m=method: self._call_current(m))
                self.shortcuts.setdefault(method, shortcut)
        for number, sequence in enumerate(shortcuts.sequences("go_to_tab")):
            self._shortcut(sequence, lambda n=number: self.go_to_tab(n))

    def _shortcut(self, sequence: QKeySequence, slot: Callable[[], object]) -> QShortcut:
        shortcut = QShortcut(sequence, self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    def go_to_tab(self, number: int) -> None:
        """The tab at ``number`` (from 0), if there is one; the focus goes into it."""
        if number < self.tabs.count():
            self.tabs.setCurrentIndex(number)
            self.tabs.tabBar().setFocus(Qt.FocusReason.ShortcutFocusReason)  # Tab goes in

    def undo(self) -> None:
        """Take back the window's last undoable change (views.undo)."""
        undo_slot_of(self).undo()

    def _update_undo(self) -> None:
        slot = undo_slot_of(self)
        self.undo_action.setText(slot.text)
        self.undo_action.setEnabled(slot.last is not None and not slot.running)

    def open_import(self) -> None:
        try:
            from portal_desktop.views.import_dialog import ImportDialog
        except ImportError:
            self.statusBar().showMessage(IMPORT_LATER, 5000)
            return
        dialog = ImportDialog(self.ctx.sessions, self.ctx.actor, self)
        dialog.data_changed.connect(self.ctx.bus.data_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def current_list_query(self) -> ListQuery | None:
        """The query behind the current tab's list (a list tab, or a screen holding one)."""
        tab = self.current_tab()
        for holder in (tab, getattr(tab, "list", None)):
            rows = getattr(getattr(holder, "model", None), "rows", None)
            if isinstance(getattr(rows, "query", None), ListQuery):
                return rows.query  # type: ignore[union-attr]
        return None

    def export_current_list(self) -> None:
        query = self.current_list_query()
        if query is None:
            self.statusBar().showMessage("This tab has no list to export.", 5000)
            return
        from portal_desktop.views.export_actions import Exporter, shown_columns

        exporter = Exporter(self.ctx.sessions, self.ctx.actor, self, self.ctx.formatter.tz)
        exporter.finished.connect(lambda message: self.statusBar().showMessage(message, 8000))
        exporter.failed.connect(lambda message: self.statusBar().showMessage(message, 8000))
        tab = self.current_tab()
        views = [getattr(holder, "view", None) for holder in (tab, getattr(tab, "list", None))]
        view = next((v for v in views if isinstance(v, QTableView)), None)
        exporter.ask_and_export_list(query, shown_columns(view) if view is not None else None)

    def show_kpis(self) -> None:
        from portal_desktop.views.help import KpiHelpDialog

        KpiHelpDialog(self).open()

    def show_keys(self) -> None:
        from portal_desktop.views.help import KeysHelpDialog

        KeysHelpDialog(self).open()

    def show_about(self) -> None:
        from portal_desktop.views.help import show_about

        show_about(self, describe(self.ctx.engine.url))

    # --- status bar ---------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        self.database_label = QLabel(f"Database: {describe(self.ctx.engine.url)}", self)
        self.database_label.setObjectName("databaseLabel")
        actor = self.ctx.actor
        self.user_label = QLabel(f"{actor.username} ({actor.role.value.lower()})", self)
        self.user_label.setObjectName("userLabel")
        self.rows_label = QLabel(self)
        self.rows_label.setObjectName("rowsLabel")
        self.refreshed_label = QLabel(self)
        self.refreshed_label.setObjectName("refreshedLabel")
        status = self.statusBar()
        status.addWidget(self.database_label, 1)
        status.addPermanentWidget(self.rows_label)
        status.addPermanentWidget(self.user_label)
        status.addPermanentWidget(self.refreshed_label)
        status.addPermanentWidget(TlsBadge(self.ctx, self))

    def _mark_refreshed(self, *_: object) -> None:
        self.refreshed_at = clock.local_now(self.ctx.formatter.tz)
        self._update_status()

    def _update_status(self) -> None:
        if not hasattr(self, "rows_label"):
            return  # a tab built before the status bar
        lazy = self.tabs.currentWidget()
        current = lazy.content if isinstance(lazy, LazyTab) else None
        status_text = getattr(current, "status_text", None)
        self.rows_label.setText(status_text() if callable(status_text) else "")
        when = self.refreshed_at.strftime("%H:%M:%S") if self.refreshed_at else "—"
        self.refreshed_label.setText(f"Refreshed {when}")

    def refresh(self) -> None:
        """Read every opened tab again (F5)."""
        for widget in self.built_tabs().values():
            action = getattr(widget, "refresh", None)
            if callable(action):
                action()
        self._mark_refreshed()

    # --- ending the session -------------------------------------------------------------

    def save_state(self) -> None:
        ui_state.save_geometry(self.username, self)
        for key, widget in self.built_tabs().items():
            ui_state.save_widget(self.username, key, widget)

    def sign_out(self) -> None:
        # The sign-in dialog opens first, so the app never has no window and quits.
        self.sign_out_requested.emit()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.monitor.stop()
        self.save_state()
        super().closeEvent(event)
        self.closed.emit()
