"""The Admin tab (ADMIN only): users, programs, settings and the audit trail, one page each.

The shell shows this tab to administrators only; inside, every action is also hidden when
the actor lacks its permission, and the services refuse it anyway.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from portal_desktop.services.common.context import Permission
from portal_desktop.views.admin.audit_panel import AuditPanel
from portal_desktop.views.admin.programs_panel import ProgramsPanel
from portal_desktop.views.admin.settings_panel import SettingsPanel
from portal_desktop.views.admin.users_panel import UsersPanel
from portal_desktop.views.tab_context import TabContext


class AdminTab(QWidget):
    """``AdminTab(ctx, parent)``: see the module docstring."""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adminTab")
        self.ctx = ctx
        self.pages = QTabWidget(self)
        self.pages.setObjectName("adminPages")
        self.pages.setDocumentMode(True)
        self.users = UsersPanel(ctx, self)
        self.programs = ProgramsPanel(ctx, self)
        self.settings = SettingsPanel(ctx, self)
        self.pages.addTab(self.users, "Users")
        self.pages.addTab(self.programs, "Programs")
        self.pages.addTab(self.settings, "Settings")
        self.audit: AuditPanel | None = None
        if ctx.actor.can(Permission.VIEW_AUDIT):
            self.audit = AuditPanel(ctx, self)
            self.pages.addTab(self.audit, "Audit trail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
