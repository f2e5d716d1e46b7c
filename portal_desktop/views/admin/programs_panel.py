"""Programs: the list (active and inactive) with New and Edit (price, active…)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from portal_desktop.db.admin_queries import PROGRAMS, ProgramRow, load_program
from portal_desktop.services.common.context import Permission
from portal_desktop.views.admin.program_dialog import ProgramDialog
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.theme import ERROR, set_tone


class ProgramsPanel(QWidget):
    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("programsPanel")
        self.ctx = ctx
        self.list = EntityTab(ctx, PROGRAMS, parent=self, show_totals=False)
        self.dialog: ProgramDialog | None = None
        self.new_button = QPushButton("New program…", self)
        self.new_button.setObjectName("newProgram")
        self.new_button.clicked.connect(lambda: self.open_dialog(None))
        self.edit_button = QPushButton("Edit…", self)
        self.edit_button.setObjectName("editProgram")
        self.edit_button.clicked.connect(self.edit_selected)
        self.message = QLabel(self)
        self.message.setObjectName("programsMessage")
        set_tone(self.message, ERROR)
        allowed = ctx.actor.can(Permission.MANAGE_PROGRAMS)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 0)
        for button in (self.new_button, self.edit_button):
            button.setVisible(allowed)
            bar.addWidget(button)
        bar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        self.list.selection_changed.connect(lambda n: self.edit_button.setEnabled(n == 1))
        self.list.view.doubleClicked.connect(lambda _index: self.edit_selected())
        self.edit_button.setEnabled(False)

    def edit_selected(self) -> None:
        ids = self.list.selected_ids()
        if len(ids) != 1 or not self.ctx.actor.can(Permission.MANAGE_PROGRAMS):
            return
        program_id = ids[0]
        ReadOp(self.ctx, lambda session: load_program(session, program_id), parent=self).success(
            self.open_dialog
        ).failure(lambda e: self.message.setText(error_text(e))).run()

    def open_dialog(self, program: ProgramRow | None) -> None:
        self.message.clear()
        self.dialog = ProgramDialog(self.ctx, program, parent=self)
        self.dialog.open()
