"""Record what happened on a sales call: outcome, whether an offer was made, notes.

The call is read off the UI thread (the form says "Loading…" until then). The offer box
follows the rules of :func:`portal_desktop.services.sales.calls.record_outcome`: ticked and
locked for CLOSED_WON / CLOSED_LOST, unticked and locked for NO_SHOW, CANCELLED and
RESCHEDULED, ticked by default for FOLLOW_UP and unticked for NOT_QUALIFIED. RESCHEDULED
asks for the new time and goes through ``reschedule_call``; CANCELLED through
``cancel_call`` (the notes are its reason). After a CLOSED_WON is saved, the close-deal
wizard opens for the call (``self.wizard``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateTimeEdit, QLabel, QPlainTextEdit, QWidget
from sqlalchemy.orm import Session

from portal_desktop.models.enums import CallOutcome
from portal_desktop.services.sales.call_facts import CallSummary, call_summary
from portal_desktop.services.sales.calls import (
    OFFER_ALWAYS,
    OFFER_NEVER,
    cancel_call,
    record_outcome,
    reschedule_call,
)
from portal_desktop.views.calls.close_deal_wizard import CloseDealWizard
from portal_desktop.views.form_dialog import LOADING, FormDialog
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.member_picker import select_data
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
WON_SAVE_TEXT = "Save and close the deal…"


class OutcomeDialog(FormDialog):
    """``OutcomeDialog(ctx, call_id, parent)``; ``saved`` carries the outcome saved."""

    def __init__(self, ctx: TabContext, call_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Record the call's outcome", parent, name="outcomeDialog", width=460)
        self.call_id = call_id
        self.call: CallSummary | None = None
        self.wizard: CloseDealWizard | None = None
        self.heading = QLabel(LOADING, self)
        self.heading.setObjectName("callHeading")
        self.form.addRow(self.heading)
        self.outcome_box = QComboBox(self)
        self.outcome_box.setObjectName("outcome")
        self.outcome_box.setPlaceholderText("Choose what happened…")
        for outcome in OUTCOME_ORDER:
            self.outcome_box.addItem(enum_label(outcome.value), outcome)
        self.outcome_box.setCurrentIndex(-1)
        self.add_field("Outcome", self.outcome_box, "outcome", required=True)
        self.offer = QCheckBox("An offer was made", self)
        self.offer.setObjectName("offerMade")
        self.add_field("", self.offer, "offer_made")
        self.new_time = QDateTimeEdit(self)
        self.new_time.setObjectName("newTime")
        self.new_time.setCalendarPopup(True)
        self.new_time.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.add_field("New time", self.new_time, "new_time", "host_id")
        self.new_time_row = self.form.rowCount() - 1
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText("What was said, objections, next steps…")
        self.notes.setFixedHeight(90)
        self.add_field("Notes", self.notes, "notes", "reason")
        self.outcome_box.currentIndexChanged.connect(self._on_outcome_changed)
        self.saved.connect(self._open_wizard_if_won)
        self._on_outcome_changed()
        self.start_loading()

    def load(self, session: Session) -> CallSummary:
        return call_summary(session, self.call_id)

    def loaded(self, call: CallSummary) -> None:
        self.call = call
        fmt = self.ctx.formatter
        self.heading.setText(
            f"<b>{call.who}</b><br>{fmt.datetime(call.scheduled_at)} · {call.duration} min · "
            f"host {call.host}" + (f" · set by {call.setter}" if call.setter else "")
        )
        later = to_wall_clock(call.scheduled_at + dt.timedelta(days=1), fmt.tz)
        self.new_time.setDateTime(QDateTime(later))
        if call.outcome is not None:
            select_data(self.outcome_box, call.outcome)

    def chosen(self) -> CallOutcome | None:
        data = self.outcome_box.currentData()
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
        self.form.setRowVisible(self.new_time_row, rescheduling)
        self.save_button.setText(WON_SAVE_TEXT if outcome == CallOutcome.CLOSED_WON else "Save")
        self.update_state()

    def problem(self) -> str | None:
        return "Choose what happened on the call." if self.chosen() is None else None

    def work(self) -> Callable[[Session], CallOutcome]:
        outcome, actor, call_id = self.chosen(), self.ctx.actor, self.call_id
        notes = self.notes.toPlainText().strip() or None
        offer = self.offer.isChecked()
        new_time = to_aware(self.new_time.dateTime().toPython(), self.ctx.formatter.tz)
        assert outcome is not None  # problem() said so otherwise

        def write(session: Session) -> CallOutcome:
            if outcome == CallOutcome.RESCHEDULED:
                reschedule_call(session, actor, call_id, new_time)
            elif outcome == CallOutcome.CANCELLED:
                cancel_call(session, actor, call_id, notes)
            else:
                record_outcome(session, actor, call_id, outcome, offer, notes)
            return outcome

        return write

    def _open_wizard_if_won(self, outcome: CallOutcome) -> None:
        """Runs before the other listeners of ``saved``: they may connect to the wizard."""
        if outcome == CallOutcome.CLOSED_WON:
            self.wizard = CloseDealWizard(
                self.ctx, sales_call_id=self.call_id, parent=self.parentWidget()
            )

    def accept(self) -> None:
        super().accept()
        if self.wizard is not None:
            self.wizard.open()
