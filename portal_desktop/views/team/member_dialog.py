"""Create or edit a team member (ADMIN): name, role, contact, commission rate, active.

The commission rate is typed as a percentage ("12.5" is 12.5 %); empty means the role's
default rate from the settings. Every rule is the service's (``services.sales.team``); the dialog
shows its errors at their field.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import QCheckBox, QWidget
from sqlalchemy.orm import Session

from portal_desktop.db.team_queries import MemberDetails
from portal_desktop.errors import ValidationError
from portal_desktop.models.enums import TeamRole
from portal_desktop.services.sales.team import create_team_member, update_team_member
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.form_fields import enum_combo
from portal_desktop.views.member_picker import select_data
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


class MemberDialog(FormDialog):
    """See the module docstring. ``saved`` carries the member's id."""

    def __init__(
        self, ctx: TabContext, member: MemberDetails | None = None, parent: QWidget | None = None
    ) -> None:
        title = "New team member" if member is None else f"Edit {member.name}"
        super().__init__(ctx, title, parent, name="memberDialog", width=420)
        self.member = member
        self.name = self.text_field("Name", "name", required=True)
        self.role = enum_combo(self, "role", TeamRole)
        self.add_field("Role", self.role, "role")
        self.email = self.text_field("Email", "email")
        self.phone = self.text_field("Phone", "phone")
        self.rate = self.text_field("Commission %", "commission_rate", "Role default")
        self.rate.setObjectName("commissionRate")
        self.rate.setToolTip("Percent of the cash collected, e.g. 10 or 12.5; empty: role default")
        self.active = QCheckBox("Active (shown in pickers and on the leaderboard)", self)
        self.active.setObjectName("active")
        self.active.setChecked(True)
        self.add_field("", self.active, "active")
        if member is not None:
            self.name.setText(member.name)
            select_data(self.role, member.role)
            self.email.setText(member.email or "")
            self.phone.setText(member.phone or "")
            self.rate.setText(percent_text(member.commission_rate))
            self.active.setChecked(member.active)
        self.update_state()

    def problem(self) -> str | None:
        return None if self.name.text().strip() else "Type the member's name."

    def values(self) -> dict[str, Any]:
        """The fields as the service takes them (raises ValidationError on the rate)."""
        return {
            "name": self.name.text(),
            "role": self.role.currentData(),
            "email": self.email.text().strip() or None,
            "phone": self.phone.text().strip() or None,
            "commission_rate": read_percent(self.rate.text()),
            "active": self.active.isChecked(),
        }

    def work(self) -> Callable[[Session], uuid.UUID]:
        actor, member, values = self.ctx.actor, self.member, self.values()

        def write(session: Session) -> uuid.UUID:
            if member is None:
                return create_team_member(session, actor, **values).id
            return update_team_member(session, actor, member.member_id, member.version, **values).id

        return write
