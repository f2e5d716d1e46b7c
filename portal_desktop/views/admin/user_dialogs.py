"""New user and reset password: the password typed twice, errors at the field.

The rules (username shape, password length, one login per team member) are the service's
(:mod:`portal_desktop.services.accounts`); the dialogs only check that the two passwords
match and that the required fields are filled before Save is enabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget
from sqlalchemy.orm import Session

from portal_desktop.db.team_queries import Member
from portal_desktop.models.enums import UserRole
from portal_desktop.services import accounts
from portal_desktop.services.accounts import MIN_PASSWORD_LENGTH
from portal_desktop.views.admin.form_dialog import AdminFormDialog
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.member_picker import fill_members
from portal_desktop.views.tab_context import TabContext

USER_TABLES = frozenset({"users", "audit_log"})


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


class NewUserDialog(AdminFormDialog):
    """Create a user: username, full name, email, role, password twice, optional team member."""

    changed_tables = USER_TABLES

    def __init__(
        self, ctx: TabContext, members: list[Member], parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, "New user", "Create user", parent)
        self.setObjectName("newUserDialog")
        self.username = QLineEdit(self)
        self.username.setObjectName("username")
        self.username.setPlaceholderText("e.g. jane.doe (letters, digits, . - _)")
        self.full_name = QLineEdit(self)
        self.full_name.setObjectName("fullName")
        self.email = QLineEdit(self)
        self.email.setObjectName("email")
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        for role in UserRole:
            self.role.addItem(enum_label(role.value), role.value)
        self.role.setCurrentIndex(self.role.findData(UserRole.SALES.value))
        self.passwords = PasswordPair(self)
        self.member = QComboBox(self)
        self.member.setObjectName("teamMember")
        fill_members(self.member, members, none_text="(none)")

        self.add_field("Username", self.username, "username", required=True)
        self.add_field("Full name", self.full_name, "full_name")
        self.add_field("Email", self.email, "email")
        self.add_field("Role", self.role, "role", required=True)
        self.add_field("Password", self.passwords.first, "password", required=True)
        self.add_field("Password again", self.passwords.again, "password_again", required=True)
        self.add_field("Team member", self.member, "team_member_id")
        self.watch(
            [
                self.username.textChanged,
                self.passwords.first.textChanged,
                self.passwords.again.textChanged,
            ]
        )
        self.update_state()
        self.resize(460, self.sizeHint().height())

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
            user = accounts.create_user(
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


class ResetPasswordDialog(AdminFormDialog):
    """Set a new password for a user (this also lifts a lock)."""

    changed_tables = USER_TABLES

    def __init__(
        self, ctx: TabContext, user_id: uuid.UUID, username: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, f"Reset the password of {username}", "Set password", parent)
        self.setObjectName("resetPasswordDialog")
        self.user_id = user_id
        self.passwords = PasswordPair(self)
        self.add_field("New password", self.passwords.first, "new_password", required=True)
        self.add_field("Again", self.passwords.again, "password_again", required=True)
        self.watch([self.passwords.first.textChanged, self.passwords.again.textChanged])
        self.update_state()
        self.resize(420, self.sizeHint().height())

    def problem(self) -> str | None:
        return self.passwords.problem()

    def work(self) -> Callable[[Session], uuid.UUID]:
        actor, user_id, password = self.ctx.actor, self.user_id, self.passwords.text()

        def reset(session: Session) -> uuid.UUID:
            return accounts.reset_password(session, actor, user_id, password).id

        return reset
