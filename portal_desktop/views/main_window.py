"""The main window: one tab per job (DESIGN.md), a File and a View menu, a status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget
from sqlalchemy import Engine

from portal_desktop.db.engine import describe
from portal_desktop.db.list_queries import (
    ADMIN_USERS,
    ENROLLMENTS,
    MARKETING,
    PAYMENT_SCHEDULES,
    PIPELINE,
    SALES_CALLS,
    TEAM,
)
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.formatting import Formatter

WINDOW_TITLE = "Info Product Portal"
DEFAULT_SIZE = (1280, 800)
MINIMUM_SIZE = (900, 560)
CHARTS = "charts"
# The tabs in DESIGN.md's order; CHARTS is the dashboard's place until its issue lands.
TABS = (PIPELINE, SALES_CALLS, ENROLLMENTS, PAYMENT_SCHEDULES, TEAM, MARKETING, CHARTS, ADMIN_USERS)


class ChartsPlaceholder(QWidget):
    """Where the dashboard will be: a short, centred note."""

    def __init__(self, parent: QWidget | None = None) -> None:
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


class MainWindow(QMainWindow):
    """Lists of every entity over one database; the status bar says which one."""

    def __init__(
        self,
        engine: Engine,
        formatter: Formatter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        formatter = formatter or Formatter()
        self.setWindowTitle(WINDOW_TITLE)
        # An explicit minimum: the layout must not change it once the window is shown.
        self.setMinimumSize(*MINIMUM_SIZE)
        self.resize(*DEFAULT_SIZE)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.entity_tabs: dict[str, EntityTab] = {}
        for entry in TABS:
            if entry == CHARTS:
                self.tabs.addTab(ChartsPlaceholder(self.tabs), "Charts")
                continue
            tab = EntityTab(engine, entry, formatter, self.tabs)
            tab.status_changed.connect(self._update_status)
            self.tabs.addTab(tab, entry.title)
            self.entity_tabs[entry.name] = tab
        self.tabs.currentChanged.connect(self._update_status)
        self.setCentralWidget(self.tabs)

        self._build_menus()
        self._build_status_bar()
        self._update_status()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Q))
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.triggered.connect(self.refresh)
        view_menu.addAction(self.refresh_action)

    def _build_status_bar(self) -> None:
        self.database_label = QLabel(f"Database: {describe(self.engine.url)}", self)
        self.database_label.setObjectName("databaseLabel")
        self.rows_label = QLabel(self)
        self.rows_label.setObjectName("rowsLabel")
        self.refreshed_label = QLabel(self)
        self.refreshed_label.setObjectName("refreshedLabel")
        status = self.statusBar()
        status.addWidget(self.database_label, 1)
        status.addPermanentWidget(self.rows_label)
        status.addPermanentWidget(self.refreshed_label)

    def current_entity_tab(self) -> EntityTab | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, EntityTab) else None

    def refresh(self) -> None:
        """Count and read every list again (F5)."""
        for tab in self.entity_tabs.values():
            tab.refresh()

    def _update_status(self) -> None:
        tab = self.current_entity_tab()
        if tab is None:
            self.rows_label.setText("")
            self.refreshed_label.setText("")
            return
        self.rows_label.setText(tab.status_text())
        refreshed = tab.model.refreshed_at.strftime("%H:%M:%S")
        self.refreshed_label.setText(f"Refreshed {refreshed}")
