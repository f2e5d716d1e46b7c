"""The team members list (paged and searched in SQL by EntityTab) with New / Edit for ADMIN."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from portal_desktop.db.list_queries import TEAM
from portal_desktop.db.team_queries import MemberDetails, member_details
from portal_desktop.services.common.context import Permission
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.team.member_dialog import MemberDialog
from portal_desktop.views.theme import ERROR, set_tone


class MembersPage(QWidget):
    """See the module docstring."""

    status_changed = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamMembers")
        self.ctx = ctx
        self.editable = ctx.actor.can(Permission.MANAGE_TEAM)
        self.dialog: MemberDialog | None = None

        self.list = EntityTab(ctx, TEAM, self)
        self.list.status_changed.connect(self.status_changed)
        self.view = self.list.view
        self.new_button = QPushButton("New member…", self)
        self.new_button.setObjectName("newMember")
        self.new_button.clicked.connect(self.new_record)
        self.edit_button = QPushButton("Edit…", self)
        self.edit_button.setObjectName("editMember")
        self.edit_button.clicked.connect(self.open_selected)
        self.error = QLabel(self)
        set_tone(self.error, ERROR)
        self.error.hide()
        for button in (self.new_button, self.edit_button):
            button.setVisible(self.editable)
        if self.editable:
            self.view.doubleClicked.connect(lambda _index: self.open_selected())
        self.list.selection_changed.connect(self._update_buttons)

        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 0)
        bar.addWidget(self.error, 1)
        bar.addStretch(0)
        bar.addWidget(self.new_button)
        bar.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        self._update_buttons()

    def _update_buttons(self, *_: object) -> None:
        self.edit_button.setEnabled(len(self.list.selected_ids()) == 1)

    def new_record(self) -> None:
        if self.editable:
            self._open(None)

    def open_selected(self) -> None:
        ids = self.list.selected_ids()
        if not self.editable or len(ids) != 1:
            return
        member_id: uuid.UUID = ids[0]
        ReadOp(self.ctx, lambda session: member_details(session, member_id), parent=self).success(
            self._loaded
        ).failure(self._show_error).run()

    def _loaded(self, member: MemberDetails | None) -> None:
        if member is None:
            self._show_error(LookupError("That member was deleted meanwhile; refresh the list."))
            self.list.refresh()
            return
        self._open(member)

    def _open(self, member: MemberDetails | None) -> None:
        self.error.hide()
        self.dialog = MemberDialog(self.ctx, member, self)
        self.dialog.open()

    def _show_error(self, error: BaseException) -> None:
        self.error.setText(error_text(error) if not isinstance(error, LookupError) else str(error))
        self.error.show()
