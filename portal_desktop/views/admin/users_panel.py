"""Users: the list (never the password hash) and the admin's actions on the selected user:
new user, set role, reset password, deactivate/reactivate, unlock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db.admin_queries import USERS, UserRow, load_user
from portal_desktop.models.enums import UserRole
from portal_desktop.services.accounts import users
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.views.admin.user_dialogs import NewUserDialog, ResetPasswordDialog
from portal_desktop.views.confirm import ask
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.ops import ReadOp, WriteOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.theme import ERROR, set_tone

# How many rows are looked through to select a user again after a refresh.
KEEP_SCAN = 2000
UserAction = Callable[[Session, Actor, uuid.UUID], Any]


class UsersPanel(QWidget):
    """See the module docstring; actions act on the one selected user."""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersPanel")
        self.ctx = ctx
        self.list = EntityTab(ctx, USERS, parent=self, show_totals=False)
        self.selected: UserRow | None = None
        self.dialog: NewUserDialog | ResetPasswordDialog | None = None

        self.new_button = QPushButton("New user…", self)
        self.new_button.setObjectName("newUser")
        self.new_button.clicked.connect(self.open_new_user)
        self.role_button = QToolButton(self)
        self.role_button.setObjectName("setRole")
        self.role_button.setText("Set role")
        self.role_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.role_button)
        for role in UserRole:
            menu.addAction(enum_label(role.value), lambda r=role: self.set_role(r))
        self.role_button.setMenu(menu)
        self.reset_button = QPushButton("Reset password…", self)
        self.reset_button.setObjectName("resetPassword")
        self.reset_button.clicked.connect(self.open_reset_password)
        self.active_button = QPushButton("Deactivate", self)
        self.active_button.setObjectName("toggleActive")
        self.active_button.clicked.connect(self.toggle_active)
        self.unlock_button = QPushButton("Unlock", self)
        self.unlock_button.setObjectName("unlock")
        self.unlock_button.clicked.connect(self.unlock)
        self.message = QLabel(self)
        self.message.setObjectName("usersMessage")
        self.message.setWordWrap(True)
        self._row_buttons = (
            self.role_button,
            self.reset_button,
            self.active_button,
            self.unlock_button,
        )
        allowed = ctx.actor.can(Permission.MANAGE_USERS)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 0)
        for button in (self.new_button, *self._row_buttons):
            button.setVisible(allowed)
            bar.addWidget(button)
        bar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        self.list.selection_changed.connect(self._on_selection)
        self.list.model.refreshed.connect(self._reselect)
        self._keep: uuid.UUID | None = None
        self._on_selection(0)

    # --- the selected user ---------------------------------------------------------------

    def _on_selection(self, _count: int) -> None:
        ids = self.list.selected_ids()
        self.selected = None
        self._enable_row_buttons()
        if len(ids) == 1:
            user_id = ids[0]
            ReadOp(self.ctx, lambda session: load_user(session, user_id), parent=self).success(
                self._selected
            ).failure(self._failed).run()

    def _reselect(self, count: int) -> None:
        """After a refresh, select again the user acted on (the list is a few rows)."""
        keep, self._keep = self._keep, None
        if keep is None:
            return
        model = self.list.model
        row = next((n for n in range(min(count, KEEP_SCAN)) if model.row_key(n) == keep), None)
        if row is not None:
            self.list.view.selectRow(row)

    def _selected(self, row: UserRow) -> None:
        if self.list.selected_ids() != [row.id]:
            return
        self.selected = row
        self.active_button.setText("Deactivate" if row.active else "Reactivate")
        self._enable_row_buttons()

    def _enable_row_buttons(self) -> None:
        row = self.selected
        for button in self._row_buttons:
            button.setEnabled(row is not None)
        self.unlock_button.setEnabled(row is not None and row.locked)

    # --- actions -----------------------------------------------------------------------------

    def open_new_user(self) -> None:
        self.dialog = NewUserDialog(self.ctx, parent=self)
        self.dialog.saved.connect(lambda _id: self.say("User created."))
        self.dialog.open()

    def open_reset_password(self) -> None:
        if self.selected is None:
            return
        row = self.selected
        self.dialog = ResetPasswordDialog(self.ctx, row.id, row.username, parent=self)
        self.dialog.saved.connect(lambda _id: self.say(f"New password set for {row.username}."))
        self._keep = row.id
        self.dialog.open()

    def set_role(self, role: UserRole) -> None:
        """Asks first, naming the user and both roles (views.confirm)."""
        if (row := self.selected) is None:
            return
        question = (
            f"Make {row.username} {enum_label(role.value)}? (now {enum_label(row.role)})\n\n"
            "What they may see and change follows the new role."
        )
        change: UserAction = lambda s, a, uid: users.set_role(s, a, uid, role)  # noqa: E731
        ask(self, "Change role", question, "Change role",
            lambda: self._act(change, f"is now {enum_label(role)}"))  # fmt: skip

    def toggle_active(self) -> None:
        if self.selected is None:
            return
        if self.selected.active:
            self._act(users.deactivate_user, "is deactivated")
        else:
            self._act(users.reactivate_user, "can sign in again")

    def unlock(self) -> None:
        self._act(users.unlock_user, "is unlocked")

    def _act(self, action: UserAction, done: str) -> None:
        if self.selected is None:
            return
        actor, row = self.ctx.actor, self.selected

        def work(session: Session) -> uuid.UUID:
            action(session, actor, row.id)
            return row.id

        def finished(user_id: uuid.UUID) -> None:
            self.say(f"{row.username} {done}.")
            self._keep = user_id  # the write op then announces it: the list refreshes

        WriteOp(self.ctx, work, parent=self).success(finished).failure(self._failed).run()

    def say(self, text: str, *, error: bool = False) -> None:
        set_tone(self.message, ERROR if error else None)
        self.message.setText(text)

    def _failed(self, error: BaseException) -> None:
        self.say(error_text(error), error=True)
