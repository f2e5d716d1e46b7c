"""The new/edit lead dialog: problems are shown under the field they concern.

The checks are the service's own (``portal_desktop.services.leads``): the dialog checks the
email's shape as it is typed (the same ``clean_email`` the service uses) and keeps Save off
until the lead has a name, an email or a phone; everything else the service refuses comes
back as a ``ValidationError`` naming its field, shown under that field. A duplicate email
offers a link to the lead that holds it. An edit passes the version it loaded, so a change
made meanwhile elsewhere is reported in words instead of overwritten.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.db import pipeline_queries
from portal_desktop.errors import ConflictError, NotFoundError, PortalError, ValidationError
from portal_desktop.services import leads as lead_service
from portal_desktop.services.fields import clean_email
from portal_desktop.views.tab_context import TabContext

ERROR_STYLE = "color: #b3261e;"
BANNER_STYLE = "background: #fdecea; color: #8c1d18; padding: 6px 8px; border-radius: 4px;"
OPEN_EXISTING = "Open the existing lead"
IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone")
TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "source", "campaign", "medium")
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "source": "Source",
    "campaign": "Campaign",
    "medium": "Medium",
    "owner_id": "Owner",
    "notes": "Notes",
}


class LeadDialog(QDialog):
    """Create a lead (``lead_id=None``) or edit one; ``saved_id`` holds the lead once saved."""

    # The user clicked "Open the existing lead" under a duplicate email: that lead's id.
    open_existing = Signal(object)

    def __init__(
        self, ctx: TabContext, lead_id: uuid.UUID | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("leadDialog")
        self.ctx = ctx
        self.lead_id = lead_id
        self.saved_id: uuid.UUID | None = None
        self._version: int | None = None
        self._existing_id: uuid.UUID | None = None
        self.setWindowTitle("Edit lead" if lead_id else "New lead")
        self.setMinimumWidth(460)

        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()

        self.inputs: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for name in TEXT_FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(name)
            edit.textChanged.connect(self._on_edited)
            self.inputs[name] = edit
            form.addRow(LABELS[name], self._with_error(name, edit))
        self.inputs["email"].setPlaceholderText("name@example.com")
        self.owner = QComboBox(self)
        self.owner.setObjectName("owner_id")
        form.addRow(LABELS["owner_id"], self._with_error("owner_id", self.owner))
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(80)
        form.addRow(LABELS["notes"], self._with_error("notes", self.notes))

        self.duplicate_link = QLabel(f'<a href="existing">{OPEN_EXISTING}</a>', self)
        self.duplicate_link.setObjectName("duplicateLink")
        self.duplicate_link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.duplicate_link.linkActivated.connect(self._open_existing)
        self.duplicate_link.hide()
        self.errors["email"].parentWidget().layout().addWidget(self.duplicate_link)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._load()
        self._on_edited()

    @property
    def save_button(self) -> Any:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _with_error(self, name: str, field: QWidget) -> QWidget:
        """The field with its (hidden) error line under it."""
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        error = QLabel(box)
        error.setObjectName(f"{name}_error")
        error.setWordWrap(True)
        error.setStyleSheet(ERROR_STYLE)
        error.hide()
        column.addWidget(error)
        self.errors[name] = error
        return box

    # --- loading -----------------------------------------------------------------------

    def _load(self) -> None:
        owner_name: str | None = None
        with self.ctx.sessions() as session:
            owners = pipeline_queries.owner_choices(session)
            lead = (
                lead_service.get_lead(session, self.ctx.actor, self.lead_id)
                if self.lead_id
                else None
            )
            values = (
                {name: getattr(lead, name) for name in (*TEXT_FIELDS, "owner_id", "notes")}
                if lead
                else {}
            )
            if lead is not None:
                self._version = lead.version
                owner_name = lead.owner.name if lead.owner else None
        self.owner.addItem("No owner", None)
        # Ids as text: QComboBox.findData cannot compare Python objects.
        for member_id, name in owners:
            self.owner.addItem(name, str(member_id))
        owner_id = values.get("owner_id")
        if owner_id is not None and self.owner.findData(str(owner_id)) < 0:
            self.owner.addItem(f"{owner_name} (inactive)", str(owner_id))
        self.owner.setCurrentIndex(max(self.owner.findData(str(owner_id)), 0))
        for name in TEXT_FIELDS:
            self.inputs[name].setText(values.get(name) or "")
        self.notes.setPlainText(values.get("notes") or "")

    # --- checking as the user types ----------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the form holds, as the service's keyword arguments (empty text → None)."""
        result: dict[str, Any] = {
            name: self.inputs[name].text().strip() or None for name in TEXT_FIELDS
        }
        owner = self.owner.currentData()
        result["owner_id"] = uuid.UUID(owner) if owner else None
        result["notes"] = self.notes.toPlainText().strip() or None
        return result

    def _on_edited(self) -> None:
        for name in TEXT_FIELDS:
            self._show_error(name, "")
        self._existing_id = None
        self.duplicate_link.hide()
        values = self.values()
        ok = any(values[name] for name in IDENTITY_FIELDS)
        try:
            clean_email("email", values["email"])
        except ValidationError as exc:
            self._show_error("email", exc.problem)
            ok = False
        self.save_button.setEnabled(ok)
        self.save_button.setToolTip("" if ok else "Fill in a name, an email or a phone number")

    def _show_error(self, name: str, problem: str) -> None:
        label = self.errors.get(name)
        if label is None:
            return
        label.setText(problem[:1].upper() + problem[1:] if problem else "")
        label.setVisible(bool(problem))

    def field_error(self, name: str) -> str:
        """The problem shown under a field ("" when none), for tests and screen readers."""
        label = self.errors[name]
        return label.text() if label.isVisibleTo(self) else ""

    # --- saving ------------------------------------------------------------------------

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        self.banner.hide()
        values = self.values()
        try:
            with self.ctx.sessions() as session:
                if self.lead_id is None:
                    lead = lead_service.create_lead(session, self.ctx.actor, **values)
                else:
                    assert self._version is not None
                    lead = lead_service.update_lead(
                        session, self.ctx.actor, self.lead_id, self._version, **values
                    )
                self.saved_id = lead.id
        except ValidationError as exc:
            self._refused(exc, values)
            return
        except (ConflictError, NotFoundError, PortalError) as exc:
            self._show_banner(str(exc))
            return
        self.ctx.bus.announce({"leads"}, {self.saved_id})
        self.accept()

    def _refused(self, exc: ValidationError, values: dict[str, Any]) -> None:
        field = exc.field if exc.field in self.errors else None
        if field is None:
            self._show_banner(str(exc))
            return
        self._show_error(field, exc.problem)
        if field == "email" and values["email"]:
            with self.ctx.sessions() as session:
                existing = pipeline_queries.lead_id_by_email(session, values["email"])
            if existing is not None and existing != self.lead_id:
                self._existing_id = existing
                self.duplicate_link.show()
        widget = self.inputs.get(field) or {"owner_id": self.owner, "notes": self.notes}[field]
        widget.setFocus()

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def _open_existing(self, *_: object) -> None:
        if self._existing_id is not None:
            self.open_existing.emit(self._existing_id)
            self.reject()
