"""Record what happened on a sales call: outcome, whether an offer was made, notes.

The offer box follows the rules of :func:`portal_desktop.services.calls.record_outcome`:
ticked and locked for CLOSED_WON / CLOSED_LOST, unticked and locked for NO_SHOW, CANCELLED
and RESCHEDULED, ticked by default for FOLLOW_UP and unticked for NOT_QUALIFIED.
RESCHEDULED asks for the new time and goes through ``reschedule_call``; CANCELLED through
``cancel_call`` (the notes are its reason). After a CLOSED_WON is saved, the close-deal
wizard opens for the call (``self.wizard``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.models import SalesCall
from portal_desktop.models.enums import CallOutcome
from portal_desktop.services.calls import (
    OFFER_ALWAYS,
    OFFER_NEVER,
    cancel_call,
    record_outcome,
    reschedule_call,
)
from portal_desktop.services.leads import lead_label
from portal_desktop.views.calls.close_deal_wizard import CloseDealWizard
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.member_picker import select_data
from portal_desktop.views.ops import run_write
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.wall_clock import to_aware, to_wall_clock

OUTCOME_ORDER = (
    CallOutcome.CLOSED_WON,
    CallOutcome.CLOSED_LOST,
    CallOutcome.FOLLOW_UP,
    CallOutcome.NOT_QUALIFIED,
    CallOutcome.NO_SHOW,
    CallOutcome.RESCHEDULED,
    CallOutcome.CANCELLED,
)
CHANGED_TABLES = frozenset({"sales_calls", "leads"})


def call_summary(session: Session, call_id: uuid.UUID) -> dict[str, Any]:
    """Plain facts about a call for the dialogs (who, when, host, outcome)."""
    call = session.get(SalesCall, call_id)
    if call is None:
        raise LookupError(f"No sales call with id {call_id}; reload the list of calls.")
    if call.lead is not None:
        who = lead_label(call.lead)
    elif call.student is not None:
        who = f"{call.student.first_name} {call.student.last_name}".strip() or call.student.email
    else:
        who = "someone"
    return {
        "id": call.id,
        "who": who,
        "scheduled_at": call.scheduled_at,
        "duration": call.duration_minutes,
        "host": call.host.name,
        "setter": call.setter.name if call.setter else None,
        "outcome": call.outcome,
        "offer_made": call.offer_made,
        "lead_id": call.lead_id,
        "student_id": call.student_id,
    }


class OutcomeDialog(QDialog):
    """``OutcomeDialog(ctx, call_id, parent)``; ``saved`` carries the outcome saved."""

    saved = Signal(object)

    def __init__(self, ctx: TabContext, call_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outcomeDialog")
        self.setWindowTitle("Record the call's outcome")
        self.ctx = ctx
        self.call_id = call_id
        self.wizard: CloseDealWizard | None = None
        with ctx.sessions() as session:
            self.call = call_summary(session, call_id)

        fmt = ctx.formatter
        when = fmt.datetime(self.call["scheduled_at"])
        heading = QLabel(
            f"<b>{self.call['who']}</b><br>{when} · {self.call['duration']} min · "
            f"host {self.call['host']}"
            + (f" · set by {self.call['setter']}" if self.call["setter"] else ""),
            self,
        )
        heading.setObjectName("callHeading")

        self.outcome = QComboBox(self)
        self.outcome.setObjectName("outcome")
        self.outcome.setPlaceholderText("Choose what happened…")
        for outcome in OUTCOME_ORDER:
            self.outcome.addItem(enum_label(outcome.value), outcome)
        self.outcome.setCurrentIndex(-1)
        if self.call["outcome"] is not None:
            select_data(self.outcome, self.call["outcome"])

        self.offer = QCheckBox("An offer was made", self)
        self.offer.setObjectName("offerMade")
        self.new_time = QDateTimeEdit(self)
        self.new_time.setObjectName("newTime")
        self.new_time.setCalendarPopup(True)
        self.new_time.setDisplayFormat("yyyy-MM-dd HH:mm")
        later = to_wall_clock(self.call["scheduled_at"] + dt.timedelta(days=1), fmt.tz)
        self.new_time.setDateTime(QDateTime(later))
        self.new_time_label = QLabel("New time", self)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText("What was said, objections, next steps…")
        self.notes.setFixedHeight(90)

        self.errors = FieldErrors(QLabel(self))
        form = QFormLayout()
        form.addRow("Outcome", self.outcome)
        form.addRow("", self.errors.label_for(self, "outcome"))
        form.addRow("", self.offer)
        form.addRow("", self.errors.label_for(self, "offer_made"))
        form.addRow(self.new_time_label, self.new_time)
        form.addRow("", self.errors.label_for(self, "new_time", "host_id"))
        form.addRow("Notes", self.notes)
        form.addRow("", self.errors.label_for(self, "notes", "reason"))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)
        self.outcome.currentIndexChanged.connect(self._on_outcome_changed)
        self._on_outcome_changed()
        self.resize(460, self.sizeHint().height())

    def chosen(self) -> CallOutcome | None:
        data = self.outcome.currentData()
        return None if data is None else CallOutcome(data)

    def _on_outcome_changed(self) -> None:
        outcome = self.chosen()
        forced = outcome in OFFER_ALWAYS or outcome in OFFER_NEVER
        if outcome in OFFER_ALWAYS:
            self.offer.setChecked(True)
        elif outcome in OFFER_NEVER or outcome is None:
            self.offer.setChecked(False)
        else:  # the service's defaults; the user may change them
            self.offer.setChecked(outcome != CallOutcome.NOT_QUALIFIED)
        self.offer.setEnabled(outcome is not None and not forced)
        rescheduling = outcome == CallOutcome.RESCHEDULED
        self.new_time.setVisible(rescheduling)
        self.new_time_label.setVisible(rescheduling)
        self.save_button.setEnabled(outcome is not None)
        won = outcome == CallOutcome.CLOSED_WON
        self.save_button.setText("Save and close the deal…" if won else "Save")

    def save(self) -> None:
        outcome = self.chosen()
        if outcome is None:
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        actor, call_id = self.ctx.actor, self.call_id
        notes = self.notes.toPlainText().strip() or None
        offer = self.offer.isChecked()
        new_time = to_aware(self.new_time.dateTime().toPython(), self.ctx.formatter.tz)

        def work(session: Session) -> set[uuid.UUID]:
            if outcome == CallOutcome.RESCHEDULED:
                result = reschedule_call(session, actor, call_id, new_time)
                return {call_id, result.call.id}
            if outcome == CallOutcome.CANCELLED:
                cancel_call(session, actor, call_id, notes)
            else:
                record_outcome(session, actor, call_id, outcome, offer, notes)
            return {call_id}

        run_write(self.ctx, self, work, lambda ids: self._saved(outcome, ids), self._failed)

    def _saved(self, outcome: CallOutcome, ids: set[uuid.UUID]) -> None:
        ids = set(ids)
        for key in ("lead_id", "student_id"):
            if self.call[key] is not None:
                ids.add(self.call[key])
        self.ctx.bus.announce(CHANGED_TABLES, ids)
        if outcome == CallOutcome.CLOSED_WON:
            self.wizard = CloseDealWizard(
                self.ctx, sales_call_id=self.call_id, parent=self.parentWidget()
            )
        self.saved.emit(outcome)  # listeners may connect to the wizard's signals now
        self.accept()
        if self.wizard is not None:
            self.wizard.open()

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)
