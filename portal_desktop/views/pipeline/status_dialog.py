"""Change a lead's status; LOST asks why. The move itself is the service's to allow."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.errors import PortalError
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services import leads as lead_service
from portal_desktop.services.leads import LOST_REASON_MAX_LENGTH
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.pipeline.lead_dialog import ERROR_STYLE
from portal_desktop.views.tab_context import TabContext


def move_lead(
    ctx: TabContext,
    lead_id: uuid.UUID,
    status: LeadStatus,
    lost_reason: str | None = None,
    expected_version: int | None = None,
) -> str | None:
    """Ask the service to move the lead and announce it: None when done, else why not."""
    try:
        with ctx.sessions() as session:
            lead_service.change_lead_status(
                session,
                ctx.actor,
                lead_id,
                status,
                lost_reason,
                expected_version=expected_version,
            )
    except PortalError as exc:
        problem = getattr(exc, "problem", None)
        return str(problem or exc)
    ctx.bus.announce({"leads"}, {lead_id})
    return None


class StatusDialog(QDialog):
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
        super().__init__(parent)
        self.setObjectName("statusDialog")
        self.setWindowTitle("Change status")
        self.setMinimumWidth(380)
        self.ctx = ctx
        self.lead_id = lead_id
        self.expected_version = expected_version

        self.status = QComboBox(self)
        self.status.setObjectName("status")
        for status in LeadStatus:
            self.status.addItem(enum_label(status.value), status)
        self.status.setCurrentIndex(self.status.findData(LeadStatus(target or current)))
        self.status.setEnabled(target is None)
        self.status.currentIndexChanged.connect(self._on_status)

        self.reason = QLineEdit(self)
        self.reason.setObjectName("lostReason")
        self.reason.setMaxLength(LOST_REASON_MAX_LENGTH)
        self.reason.setPlaceholderText("Why is the lead lost? e.g. Too expensive")
        self.reason.textChanged.connect(self._on_status)

        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Status", self.status)
        form.addRow("Lost reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._on_status()

    def chosen(self) -> LeadStatus:
        return LeadStatus(self.status.currentData())

    def _on_status(self) -> None:
        lost = self.chosen() == LeadStatus.LOST
        self.reason.setEnabled(lost)
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok_button.setEnabled(not lost or bool(self.reason.text().strip()))

    def save(self) -> None:
        lost = self.chosen() == LeadStatus.LOST
        reason = self.reason.text().strip() if lost else None
        problem = move_lead(self.ctx, self.lead_id, self.chosen(), reason, self.expected_version)
        if problem is not None:
            self.error.setText(problem[:1].upper() + problem[1:])
            self.error.show()
            return
        self.accept()
