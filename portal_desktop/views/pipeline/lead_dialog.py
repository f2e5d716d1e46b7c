"""The new/edit lead dialog: problems are shown under the field they concern.

The checks are the service's own (``portal_desktop.services.sales.leads``): the dialog checks the
email's shape as it is typed (the same ``clean_email`` the service uses) and keeps Save off
until the lead has a name, an email or a phone; everything else the service refuses comes
back as a ``ValidationError`` naming its field, shown under that field. A duplicate email
offers a link to the lead that holds it. An edit passes the version it loaded, so a change
made meanwhile elsewhere is reported in words instead of overwritten.

The owners (and the lead, for an edit) are read off the UI thread (:meth:`load`); Save runs
one service call, ``create_lead`` or ``update_lead``, as a write op.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db import pipeline_queries
from portal_desktop.errors import NotFoundError, ValidationError
from portal_desktop.services.common.fields import clean_email
from portal_desktop.services.sales import leads as lead_service
from portal_desktop.services.sales.lead_undo import LeadChange, update_lead_undoably
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.pipeline.lead_undo import lead_undo
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.undo import Undo

OPEN_EXISTING = "Open the existing lead"
NEEDS_IDENTITY = "Fill in a name, an email or a phone number."
GONE = "This lead no longer exists; it may have been deleted. Reload the list."
BAD_EMAIL = "Correct the email address (see under it)."
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


def lead_form(session: Session, lead_id: uuid.UUID | None) -> dict[str, Any]:
    """What the dialog shows, as plain values: the owners, and the lead's fields to edit."""
    data: dict[str, Any] = {"owners": pipeline_queries.owner_choices(session), "values": {}}
    if lead_id is not None:
        lead = pipeline_queries.lead_fields(session, lead_id)
        if lead is None:
            raise NotFoundError(GONE)
        data["values"] = lead
    return data


class LeadDialog(FormDialog):
    """Create a lead (``lead_id=None``) or edit one; ``saved_id`` holds the lead once saved."""

    # The user clicked "Open the existing lead" under a duplicate email: that lead's id.
    open_existing = Signal(object)

    def __init__(
        self, ctx: TabContext, lead_id: uuid.UUID | None = None, parent: QWidget | None = None
    ) -> None:
        title = "Edit lead" if lead_id else "New lead"
        super().__init__(ctx, title, parent, name="leadDialog", width=460)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.lead_id = lead_id
        self.saved_id: uuid.UUID | None = None
        self._version: int | None = None
        self._existing_id: uuid.UUID | None = None
        self.banner = self.errors.general  # what is refused as a whole (a conflict…)

        self.inputs: dict[str, QLineEdit] = {}
        for name in TEXT_FIELDS:
            self.inputs[name] = self.text_field(LABELS[name], name)
            self.inputs[name].textChanged.connect(self._on_edited)
            if name == "email":
                self._add_duplicate_link()
        self.inputs["email"].setPlaceholderText("name@example.com")
        self.owner = QComboBox(self)
        self.owner.setObjectName("owner_id")
        self.owner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.add_field(LABELS["owner_id"], self.owner, "owner_id")
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(80)
        self.add_field(LABELS["notes"], self.notes, "notes")
        self.saved.connect(self._remember)
        self.start_loading()

    def _add_duplicate_link(self) -> None:
        """The link to the lead holding a duplicate email, under the email's error."""
        self.duplicate_link = QLabel(f'<a href="existing">{OPEN_EXISTING}</a>', self)
        self.duplicate_link.setObjectName("duplicateLink")
        self.duplicate_link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.duplicate_link.linkActivated.connect(self._open_existing)
        self.duplicate_link.hide()
        row = self.form.itemAt(self.form.rowCount() - 1, QFormLayout.ItemRole.FieldRole)
        box = row.layout() if row is not None else None
        assert box is not None  # add_field puts a field with its error label in a box
        box.addWidget(self.duplicate_link)

    # --- loading -----------------------------------------------------------------------

    def load(self, session: Session) -> dict[str, Any]:
        return lead_form(session, self.lead_id)

    def loaded(self, data: dict[str, Any]) -> None:
        values = data["values"]
        self._version = values.get("version")
        self.owner.addItem("No owner", None)
        # Ids as text: QComboBox.findData cannot compare Python objects.
        for member_id, name in data["owners"]:
            self.owner.addItem(name, str(member_id))
        owner_id = values.get("owner_id")
        if owner_id is not None and self.owner.findData(str(owner_id)) < 0:
            self.owner.addItem(f"{values.get('owner_name')} (inactive)", str(owner_id))
        self.owner.setCurrentIndex(max(self.owner.findData(str(owner_id)), 0))
        if self.lead_id is None:
            return  # a new lead: what was typed while loading stays
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

    def _email_problem(self) -> str:
        try:
            clean_email("email", self.inputs["email"].text().strip() or None)
        except ValidationError as exc:
            return exc.problem
        return ""

    def _on_edited(self) -> None:
        """An edit clears what the service said about the fields; the email is checked."""
        for name in TEXT_FIELDS:
            self._show_error(name, "")
        self._existing_id = None
        self.duplicate_link.hide()
        self._show_error("email", self._email_problem())

    def problem(self) -> str | None:
        values = self.values()
        if not any(values[name] for name in IDENTITY_FIELDS):
            return NEEDS_IDENTITY
        return BAD_EMAIL if self._email_problem() else None

    def _show_error(self, name: str, problem: str) -> None:
        label = self.errors.label(name)
        if label is not None:
            label.setText(problem[:1].upper() + problem[1:] if problem else "")
            label.setVisible(bool(problem))

    def field_error(self, name: str) -> str:
        """The problem shown under a field ("" when none), for tests and screen readers."""
        label = self.errors.label(name)
        return label.text() if label is not None and label.isVisibleTo(self) else ""

    # --- saving ------------------------------------------------------------------------

    def work(self) -> Callable[[Session], uuid.UUID | LeadChange]:
        actor, lead_id, version, values = self.ctx.actor, self.lead_id, self._version, self.values()
        if lead_id is None:
            return lambda session: lead_service.create_lead(session, actor, **values).id
        assert version is not None  # loaded before Save is enabled
        return lambda session: update_lead_undoably(session, actor, lead_id, version, **values)

    def _remember(self, outcome: uuid.UUID | LeadChange) -> None:
        self.saved_id = outcome.lead_id if isinstance(outcome, LeadChange) else outcome

    def done_text(self, outcome: uuid.UUID | LeadChange) -> str:
        if isinstance(outcome, LeadChange):  # saved as it was: nothing to undo
            return f"Nothing to save: the lead {outcome.label} was already so."
        values = self.values()
        name = " ".join(filter(None, (values["first_name"], values["last_name"])))
        return f"Added the lead {name or values['email'] or values['phone']}."

    def undo(self, outcome: uuid.UUID | LeadChange) -> Undo | None:
        return lead_undo(self.ctx, outcome) if isinstance(outcome, LeadChange) else None

    def _failed(self, error: BaseException) -> None:
        super()._failed(error)
        if not isinstance(error, ValidationError):
            return
        widget = self.inputs.get(error.field) or {"owner_id": self.owner, "notes": self.notes}.get(
            error.field
        )
        if widget is not None:
            widget.setFocus()
        email = self.values()["email"]
        if error.field == "email" and email:
            ReadOp(
                self.ctx,
                lambda session: pipeline_queries.lead_id_by_email(session, email),
                parent=self,
            ).success(self._offer_existing).run()

    def _offer_existing(self, existing: uuid.UUID | None) -> None:
        if existing is not None and existing != self.lead_id:
            self._existing_id = existing
            self.duplicate_link.show()

    def _open_existing(self, *_: object) -> None:
        if self._existing_id is not None:
            self.open_existing.emit(self._existing_id)
            self.reject()
