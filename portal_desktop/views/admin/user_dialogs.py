"""New user and reset password: the password typed twice, errors at the field.

The rules (username shape, password length, one login per team member) are the service's
(:mod:`portal_desktop.services.accounts.users`); the dialogs only check that the two passwords
match and that the required fields are filled before Save is enabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget
from sqlalchemy.orm import Session

from portal_desktop.db.team_queries import Member, load_members
from portal_desktop.models.enums import UserRole
from portal_desktop.services.accounts import users
from portal_desktop.services.accounts.users import MIN_PASSWORD_LENGTH
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.member_picker import fill_members
from portal_desktop.views.tab_context import TabContext


def _password_field(parent: QWidget, name: str) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
    return field


class PasswordPair:
    """A password and its repetition; ``problem()`` says why they cannot be used yet."""

    def __init__(self, parent: QWidget) -> None:
        self.first = _password_field(parent, "password")
        self.again = _password_field(parent, "passwordAgain")
        self.again.setPlaceholderText("type the same password again")

    def problem(self) -> str | None:
        if not self.first.text():
            return "Type a password."
        if self.again.text() != self.first.text():
            return "The two passwords differ; type the same password twice."
        return None

    def text(self) -> str:
        return self.first.text()


class NewUserDialog(FormDialog):
    """Create a user: username, full name, email, role, password twice, optional team member
    (the members are read off the UI thread when the dialog opens). ``saved``: the user's id."""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx, "New user", parent, save_text="Create user", name="newUserDialog", width=460
        )
        self.username = self.text_field(
            "Username", "username", "e.g. jane.doe (letters, digits, . - _)", required=True
        )
        self.full_name = self.text_field("Full name", "full_name")
        self.email = self.text_field("Email", "email")
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        for role in UserRole:
            self.role.addItem(enum_label(role.value), role.value)
        self.role.setCurrentIndex(self.role.findData(UserRole.SALES.value))
        self.passwords = PasswordPair(self)
        self.member = QComboBox(self)
        self.member.setObjectName("teamMember")
        self.add_field("Role", self.role, "role", required=True)
        self.add_field("Password", self.passwords.first, "password", required=True)
        self.add_field("Password again", self.passwords.again, "password_again", required=True)
        self.add_field("Team member", self.member, "team_member_id")
        self.watch(self.passwords.first.textChanged, self.passwords.again.textChanged)
        self.start_loading()

    def load(self, session: Session) -> list[Member]:
        return load_members(session)

    def loaded(self, members: list[Member]) -> None:
        fill_members(self.member, members, none_text="(none)")

    def problem(self) -> str | None:
        if not self.username.text().strip():
            return "Type a username."
        return self.passwords.problem()

    def work(self) -> Callable[[Session], uuid.UUID]:
        actor = self.ctx.actor
        username, password = self.username.text(), self.passwords.text()
        role = self.role.currentData()
        full_name = self.full_name.text()
        email = self.email.text().strip() or None
        member = self.member.currentData()

        def create(session: Session) -> uuid.UUID:
            user = users.create_user(
                session,
                actor,
                username,
                password,
                role,
                full_name=full_name,
                email=email,
                team_member_id=member,
            )
            return user.id

        return create


class ResetPasswordDialog(FormDialog):
    """Set a new password for a user (this also lifts a lock). ``saved``: the user's id."""

    def __init__(
        self, ctx: TabContext, user_id: uuid.UUID, username: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            ctx,
            f"Reset the password of {username}",
            parent,
            save_text="Set password",
            name="resetPasswordDialog",
            width=420,
        )
        self.user_id = user_id
        self.passwords = PasswordPair(self)
        self.add_field("New password", self.passwords.first, "new_password", required=True)
        self.add_field("Again", self.passwords.again, "password_again", required=True)
        self.watch(self.passwords.first.textChanged, self.passwords.again.textChanged)
        self.update_state()

    def problem(self) -> str | None:
        return self.passwords.problem()

    def work(self) -> Callable[[Session], uuid.UUID]:
        actor, user_id, password = self.ctx.actor, self.user_id, self.passwords.text()

        def reset(session: Session) -> uuid.UUID:
            return users.reset_password(session, actor, user_id, password).id

        return reset
