"""The record-outcome dialog: the offer rules, saving, rescheduling, CLOSED_WON → wizard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QDateTime, QPoint, Qt
from PySide6.QtWidgets import QLabel, QWizard
from sqlalchemy import func, select

from portal_desktop.models import AuditEntry, Enrollment, Installment, Lead, SalesCall
from portal_desktop.models.enums import CallOutcome, LeadStatus
from portal_desktop.views.calls.close_deal_wizard import DONE_PAGE
from portal_desktop.views.calls.outcome_dialog import OutcomeDialog
from portal_desktop.views.member_picker import select_data
from tests.views.call_fixtures import make_context, make_world, statements_on_this_thread

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def _dialog(qtbot, ctx, call_id) -> OutcomeDialog:
    dialog = OutcomeDialog(ctx, call_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    return dialog


def _call(sessions, call_id) -> SalesCall:
    with sessions() as session:
        return session.get(SalesCall, call_id)


def test_the_offer_box_follows_the_outcome_rules(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    dialog = _dialog(qtbot, make_context(engine, sessions), world.past_call_id)
    assert not dialog.save_button.isEnabled()  # nothing chosen yet
    expected = {  # (ticked, can be changed)
        CallOutcome.CLOSED_WON: (True, False),
        CallOutcome.CLOSED_LOST: (True, False),
        CallOutcome.FOLLOW_UP: (True, True),
        CallOutcome.NOT_QUALIFIED: (False, True),
        CallOutcome.NO_SHOW: (False, False),
        CallOutcome.CANCELLED: (False, False),
        CallOutcome.RESCHEDULED: (False, False),
    }
    for outcome, (ticked, free) in expected.items():
        select_data(dialog.outcome_box, outcome)
        assert (dialog.offer.isChecked(), dialog.offer.isEnabled()) == (ticked, free), outcome
        assert dialog.new_time.isVisibleTo(dialog) == (outcome == CallOutcome.RESCHEDULED)
    select_data(dialog.outcome_box, CallOutcome.CLOSED_WON)
    assert dialog.save_button.text() == "Save and close the deal…"


def test_a_follow_up_is_saved_with_its_notes(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    dialog = _dialog(qtbot, ctx, world.past_call_id)
    select_data(dialog.outcome_box, CallOutcome.FOLLOW_UP)
    box = dialog.offer  # untick: no offer this time (click the box, not the empty space)
    qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(6, box.height() // 2))
    qtbot.keyClicks(dialog.notes, "Wants to talk to her partner")
    with qtbot.waitSignal(ctx.bus.data_changed, timeout=10_000) as announced:
        qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    assert "sales_calls" in announced.args[0] and world.past_call_id in announced.args[1]
    assert dialog.result() == OutcomeDialog.DialogCode.Accepted
    call = _call(sessions, world.past_call_id)
    assert (call.outcome, call.offer_made) == (CallOutcome.FOLLOW_UP, False)
    assert call.notes.endswith("Wants to talk to her partner")


def test_a_refused_outcome_is_shown_at_the_field_and_escape_writes_nothing(
    qtbot, engine, sessions
) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    with sessions() as session:
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
    dialog = _dialog(qtbot, ctx, world.future_call_id)  # tomorrow: it cannot be a no-show yet
    select_data(dialog.outcome_box, CallOutcome.NO_SHOW)
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    label = dialog.findChild(QLabel, "error_outcome")
    qtbot.waitUntil(lambda: label.isVisible(), timeout=10_000)
    assert "once it has started" in label.text()
    qtbot.keyClick(dialog, Qt.Key_Escape)
    assert dialog.result() == OutcomeDialog.DialogCode.Rejected
    assert _call(sessions, world.future_call_id).outcome is None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_rescheduling_books_the_new_time(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)  # shows times in UTC
    dialog = _dialog(qtbot, ctx, world.future_call_id)
    select_data(dialog.outcome_box, CallOutcome.RESCHEDULED)
    new_time = dt.datetime(2030, 5, 6, 14, 30)
    dialog.new_time.setDateTime(QDateTime(new_time))
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    with sessions() as session:
        calls = session.scalars(select(SalesCall).where(SalesCall.host_id == world.other_host_id))
        by_outcome = {call.outcome: call for call in calls}
    assert by_outcome[CallOutcome.RESCHEDULED].id == world.future_call_id
    assert by_outcome[None].scheduled_at == new_time.replace(tzinfo=dt.UTC)


def test_closed_won_opens_the_wizard_which_closes_the_deal(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    dialog = _dialog(qtbot, ctx, world.past_call_id)
    select_data(dialog.outcome_box, CallOutcome.CLOSED_WON)
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.wizard is not None and dialog.wizard.isVisible(), timeout=10_000)
    wizard = dialog.wizard
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.ready, timeout=10_000)
    assert _call(sessions, world.past_call_id).outcome == CallOutcome.CLOSED_WON
    wizard.next()  # the buyer is the call's lead; the program's price is the value (PIF)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == DONE_PAGE, timeout=10_000)
    with sessions() as session:
        enrollment = session.scalars(select(Enrollment)).one()
        amounts = session.scalars(
            select(Installment.amount).where(Installment.enrollment_id == enrollment.id)
        ).all()
        lead = session.get(Lead, world.lead_id)
    assert enrollment.sales_call_id == world.past_call_id
    assert amounts == [Decimal("3000.00")] == [enrollment.contract_value]
    assert lead.status != LeadStatus.LOST


def test_building_the_dialog_runs_no_sql_on_the_ui_thread(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    with statements_on_this_thread(engine) as on_ui_thread:
        dialog = OutcomeDialog(ctx, world.past_call_id)
        qtbot.addWidget(dialog)
    assert on_ui_thread == []
    assert dialog.hint.text() == "Loading…" and not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    assert "Paula Prospect" in dialog.heading.text() and "host Hana Host" in dialog.heading.text()
    dialog.show()
    select_data(dialog.outcome_box, CallOutcome.RESCHEDULED)
    dialog.grab().save("/tmp/calls_outcome.png")


def test_a_call_deleted_before_it_is_read_is_said_in_the_dialog(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    with sessions() as session:
        session.delete(session.get(SalesCall, world.future_call_id))
        session.commit()
    dialog = OutcomeDialog(ctx, world.future_call_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loading_failed, timeout=10_000) as failed:
        pass
    assert isinstance(failed.args[0], LookupError)
    assert "No sales call" in dialog.errors.shown()[""]
    select_data(dialog.outcome_box, CallOutcome.FOLLOW_UP)
    assert not dialog.save_button.isEnabled()
