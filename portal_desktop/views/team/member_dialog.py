"""Create or edit a team member (ADMIN): name, role, contact, commission rate, active.

The commission rate is typed as a percentage ("12.5" is 12.5 %); empty means the role's
default rate from the settings. Every rule is the service's (``services.team``); the dialog
shows its errors at their field.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db.team_queries import MemberDetails
from portal_desktop.errors import ValidationError
from portal_desktop.models.enums import TeamRole
from portal_desktop.services.team import create_team_member, update_team_member
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.member_picker import select_data
from portal_desktop.views.ops import run_write
from portal_desktop.views.tab_context import TabContext

HUNDRED = Decimal(100)


def read_percent(text: str) -> Decimal | None:
    """The rate of a percentage typed as "12.5" or "12.5 %" (0.125); None when empty."""
    cleaned = text.strip().removesuffix("%").strip()
    if not cleaned:
        return None
    try:
        percent = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(
            "commission_rate", f"'{text}' is not a percentage; type e.g. 10 or 12.5"
        ) from None
    if not percent.is_finite() or not Decimal(0) <= percent <= HUNDRED:
        raise ValidationError("commission_rate", f"{cleaned} % is not between 0 and 100")
    return (percent / HUNDRED).normalize()


def percent_text(rate: Decimal | None) -> str:
    """A rate as the dialog shows it: 0.125 → "12.5"."""
    return "" if rate is None else f"{(rate * HUNDRED).normalize():f}"


class MemberDialog(QDialog):
    """See the module docstring. ``saved`` carries the member's id."""

    saved = Signal(object)

    def __init__(
        self, ctx: TabContext, member: MemberDetails | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("memberDialog")
        self.ctx = ctx
        self.member = member
        self.setWindowTitle("New team member" if member is None else f"Edit {member.name}")
        self.setMinimumWidth(420)

        self.name = QLineEdit(self)
        self.name.setObjectName("name")
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        for role in TeamRole:
            self.role.addItem(enum_label(role.value), role)
        self.email = QLineEdit(self)
        self.email.setObjectName("email")
        self.phone = QLineEdit(self)
        self.phone.setObjectName("phone")
        self.rate = QLineEdit(self)
        self.rate.setObjectName("commissionRate")
        self.rate.setPlaceholderText("Role default")
        self.rate.setToolTip("Percent of the cash collected, e.g. 10 or 12.5; empty: role default")
        self.active = QCheckBox("Active (shown in pickers and on the leaderboard)", self)
        self.active.setObjectName("active")
        self.active.setChecked(True)

        self.errors = FieldErrors(QLabel(self))
        form = QFormLayout()
        for title, field, widget in (
            ("Name", "name", self.name),
            ("Role", "role", self.role),
            ("Email", "email", self.email),
            ("Phone", "phone", self.phone),
            ("Commission %", "commission_rate", self.rate),
            ("", "active", self.active),
        ):
            form.addRow(title, widget)
            form.addRow("", self.errors.label_for(self, field))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)

        if member is not None:
            self.name.setText(member.name)
            select_data(self.role, member.role)
            self.email.setText(member.email or "")
            self.phone.setText(member.phone or "")
            self.rate.setText(percent_text(member.commission_rate))
            self.active.setChecked(member.active)
        self.name.textChanged.connect(self._update_save)
        self._update_save()

    def _update_save(self) -> None:
        self.save_button.setEnabled(bool(self.name.text().strip()))

    def values(self) -> dict[str, object]:
        """The fields as the service takes them (raises ValidationError on the rate)."""
        return {
            "name": self.name.text(),
            "role": self.role.currentData(),
            "email": self.email.text().strip() or None,
            "phone": self.phone.text().strip() or None,
            "commission_rate": read_percent(self.rate.text()),
            "active": self.active.isChecked(),
        }

    def save(self) -> None:
        self.errors.clear()
        try:
            values = self.values()
        except ValidationError as error:
            self.errors.show(error)
            return
        self.save_button.setEnabled(False)
        actor, member = self.ctx.actor, self.member

        def work(session: Session) -> uuid.UUID:
            if member is None:
                return create_team_member(session, actor, **values).id  # type: ignore[arg-type]
            updated = update_team_member(session, actor, member.member_id, member.version, **values)
            return updated.id

        run_write(self.ctx, self, work, self._saved, self._failed)

    def _saved(self, member_id: uuid.UUID) -> None:
        self.ctx.bus.announce({"team_members"}, {member_id})
        self.saved.emit(member_id)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._update_save()
        self.errors.show(error)
