"""The Team tab: members, the end-of-day form with its month grid, and the leaderboard.

Three pages in one tab (see members.py, end_of_day.py, leaderboard.py). Actions the actor may
not take are hidden; the services refuse them anyway.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.team.end_of_day import EndOfDayPage
from portal_desktop.views.team.leaderboard import LeaderboardPage
from portal_desktop.views.team.members import MembersPage


class TeamTab(QWidget):
    """See the module docstring."""

    status_changed = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_team")
        self.ctx = ctx
        self.members = MembersPage(ctx, self)
        self.end_of_day = EndOfDayPage(ctx, self)
        self.leaderboard = LeaderboardPage(ctx, self)
        self.pages = QTabWidget(self)
        self.pages.setObjectName("teamPages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.members, "Members")
        self.pages.addTab(self.end_of_day, "End of day")
        self.pages.addTab(self.leaderboard, "Leaderboard")
        self.pages.currentChanged.connect(lambda _index: self.status_changed.emit())
        self.members.status_changed.connect(self.status_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def new_record(self) -> None:
        """Ctrl+N: a new member (ADMIN, from the Members page); else today's form."""
        if self.members.editable and self.pages.currentWidget() is self.members:
            self.members.new_record()
        else:
            self.pages.setCurrentWidget(self.end_of_day)
            self.end_of_day.spins["calls"].setFocus()

    def open_selected(self) -> None:
        if self.pages.currentWidget() is self.members:
            self.members.open_selected()

    def focus_search(self) -> None:
        self.pages.setCurrentWidget(self.members)
        self.members.list.focus_search()

    def apply_filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        self.pages.setCurrentWidget(self.members)
        return self.members.list.apply_filters(filters)

    def refresh(self) -> None:
        self.members.list.refresh()
        self.end_of_day.refresh()
        self.leaderboard.refresh()

    def status_text(self) -> str:
        return self.members.list.status_text()
