"""Change a lead's status; LOST asks why. The move itself is the service's to allow.

:func:`move_lead` is the write (one service call) both this dialog and a drop on the board
run as a :class:`~portal_desktop.views.ops.WriteOp`, which announces what it changed; the
window then offers to undo the move (Ctrl+Z, :mod:`portal_desktop.views.undo`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget
from sqlalchemy.orm import Session

from portal_desktop.errors import PortalError
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.sales.lead_undo import LeadChange, change_status_undoably
from portal_desktop.services.sales.leads import LOST_REASON_MAX_LENGTH
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.pipeline.lead_undo import lead_undo
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.undo import Undo

NEEDS_REASON = "Say why the lead is lost."


def move_lead(
    ctx: TabContext,
    lead_id: uuid.UUID,
    status: LeadStatus,
    lost_reason: str | None = None,
    expected_version: int | None = None,
) -> Callable[[Session], LeadChange]:
    """The write moving the lead (run it as a WriteOp): what changed, to undo it."""
    actor = ctx.actor

    def work(session: Session) -> LeadChange:
        return change_status_undoably(
            session, actor, lead_id, status, lost_reason, expected_version=expected_version
        )

    return work


def refusal_text(error: BaseException) -> str:
    """Why a move was refused, as one sentence (the service's own words)."""
    problem = getattr(error, "problem", None) if isinstance(error, PortalError) else None
    text = str(problem) if problem else error_text(error)
    return text[:1].upper() + text[1:]


class StatusDialog(FormDialog):
    """Pick the new status (or get one, from a board drop) and, for LOST, the reason."""

    def __init__(
        self,
        ctx: TabContext,
        lead_id: uuid.UUID,
        current: LeadStatus | str,
        *,
        target: LeadStatus | None = None,
        expected_version: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, "Change status", parent, name="statusDialog", width=380)
        self.lead_id = lead_id
        self.expected_version = expected_version

        self.status = QComboBox(self)
        self.status.setObjectName("status")
        for status in LeadStatus:
            self.status.addItem(enum_label(status.value), status)
        self.status.setCurrentIndex(self.status.findData(LeadStatus(target or current)))
        self.status.setEnabled(target is None)
        self.add_field("Status", self.status, "status")

        self.reason = QLineEdit(self)
        self.reason.setObjectName("lostReason")
        self.reason.setMaxLength(LOST_REASON_MAX_LENGTH)
        self.reason.setPlaceholderText("Why is the lead lost? e.g. Too expensive")
        self.add_field("Lost reason", self.reason, "lost_reason")
        self.watch(self.status.currentIndexChanged, self.reason.textChanged)
        self.update_state()

    def chosen(self) -> LeadStatus:
        return LeadStatus(self.status.currentData())

    def update_state(self, *_: object) -> None:
        self.reason.setEnabled(self.chosen() == LeadStatus.LOST)
        super().update_state()

    def problem(self) -> str | None:
        lost = self.chosen() == LeadStatus.LOST
        return NEEDS_REASON if lost and not self.reason.text().strip() else None

    def done_text(self, outcome: LeadChange) -> str:
        return f"{outcome.label} is already {enum_label(self.chosen().value)}."

    def undo(self, outcome: LeadChange) -> Undo | None:
        return lead_undo(self.ctx, outcome)

    def work(self) -> Callable[[Session], LeadChange]:
        lost = self.chosen() == LeadStatus.LOST
        reason = self.reason.text().strip() if lost else None
        return move_lead(self.ctx, self.lead_id, self.chosen(), reason, self.expected_version)
