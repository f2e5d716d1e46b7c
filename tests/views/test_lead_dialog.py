"""The new/edit lead dialog: field-level validation, duplicates, conflicts, Esc."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from portal_desktop.models import Lead
from portal_desktop.models.enums import TeamRole, UserRole
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales import leads as lead_service
from portal_desktop.services.sales import team as team_service
from portal_desktop.views.pipeline.lead_dialog import OPEN_EXISTING, LeadDialog
from tests.views.test_pipeline_tab import add_lead, make_ctx, ui_thread_statements

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def ctx(engine, sessions):
    return make_ctx(engine, sessions, UserRole.SALES)


def _dialog(qtbot, ctx, lead_id=None) -> LeadDialog:
    dialog = LeadDialog(ctx, lead_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.ready)  # the owners (and the lead) read off the UI thread
    return dialog


def _lead_count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Lead))


def test_save_waits_for_a_name_email_or_phone_and_a_valid_email(qtbot, ctx) -> None:
    dialog = _dialog(qtbot, ctx)
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.inputs["email"], "maria@")
    assert not dialog.save_button.isEnabled()
    assert "not an email address" in dialog.field_error("email")
    qtbot.keyClicks(dialog.inputs["email"], "example.com")
    assert dialog.field_error("email") == ""
    assert dialog.save_button.isEnabled()


def test_create_saves_every_field_and_announces_it(qtbot, ctx, sessions) -> None:
    with sessions() as session:
        owner_id = team_service.create_team_member(
            session, SYSTEM, name="Olga Owner", role=TeamRole.CLOSER
        ).id
    dialog = _dialog(qtbot, ctx)
    for name, text in {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "Maria.Lopez@Example.com",
        "phone": "+1 415 555 0100",
        "source": "instagram",
        "campaign": "IG | Reels",
        "medium": "paid_social",
    }.items():
        qtbot.keyClicks(dialog.inputs[name], text)
    dialog.owner.setCurrentIndex(dialog.owner.findText("Olga Owner"))
    qtbot.keyClicks(dialog.notes, "Asked about the payment plan")
    with qtbot.waitSignal(ctx.bus.data_changed) as changed:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == LeadDialog.DialogCode.Accepted
    with sessions() as session:
        lead = session.get(Lead, dialog.saved_id)
        assert (lead.first_name, lead.last_name, lead.email) == (
            "Maria",
            "Lopez",
            "Maria.Lopez@Example.com",
        )
        assert (lead.source, lead.campaign, lead.medium) == (
            "instagram",
            "IG | Reels",
            "paid_social",
        )
        assert lead.owner_id == owner_id and lead.notes == "Asked about the payment plan"
        assert lead.phone and lead.phone.replace(" ", "").endswith("4155550100")
    # What the write changed: the lead (and what follows from it: its audit row, rollups).
    assert "leads" in changed.args[0] and dialog.saved_id in changed.args[1]


def test_duplicate_email_is_shown_at_the_field_with_a_link(qtbot, ctx, sessions) -> None:
    existing = add_lead(sessions, first_name="Ada", email="ada@example.com")
    dialog = _dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.inputs["first_name"], "Another")
    qtbot.keyClicks(dialog.inputs["email"], "ADA@example.com")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.duplicate_link.isVisible())  # the holder read off the UI
    assert dialog.isVisible()
    assert "already belongs to the lead Ada" in dialog.field_error("email")
    assert dialog.duplicate_link.isVisible() and OPEN_EXISTING in dialog.duplicate_link.text()
    assert _lead_count(sessions) == 1
    with qtbot.waitSignal(dialog.open_existing) as opened:
        dialog.duplicate_link.linkActivated.emit("existing")
    assert opened.args == [existing]
    assert not dialog.isVisible()


def test_edit_passes_the_version_and_reports_a_conflict(qtbot, ctx, sessions) -> None:
    lead_id = add_lead(sessions, first_name="Bo", email="bo@example.com")
    dialog = _dialog(qtbot, ctx, lead_id)
    assert dialog.inputs["email"].text() == "bo@example.com"
    # Meanwhile, someone else edits the same lead.
    with sessions() as session:
        lead_service.update_lead(session, SYSTEM, lead_id, 1, phone="+1 212 555 0199")
    dialog.inputs["last_name"].setText("Brown")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.ready)
    assert dialog.isVisible()
    assert "Someone else changed the lead Bo" in dialog.banner.text()
    with sessions() as session:
        lead = session.get(Lead, lead_id)
        assert (lead.last_name, lead.version) == ("", 2)

    fresh = _dialog(qtbot, ctx, lead_id)
    fresh.inputs["last_name"].setText("Brown")
    with qtbot.waitSignal(fresh.saved):
        fresh.save()
    with sessions() as session:
        lead = session.get(Lead, lead_id)
        assert (lead.last_name, lead.version) == ("Brown", 3)
        assert lead.phone is not None  # the other edit is kept


def test_escape_cancels_without_writing(qtbot, ctx, sessions) -> None:
    dialog = _dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.inputs["first_name"], "Never saved")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == LeadDialog.DialogCode.Rejected
    assert not dialog.isVisible()
    assert _lead_count(sessions) == 0


def test_a_service_refusal_lands_under_its_field(qtbot, ctx, sessions) -> None:
    dialog = _dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.inputs["first_name"], "X" * 121)  # the service allows 120
    dialog.save()
    qtbot.waitUntil(lambda: dialog.ready)
    assert "shorten it to at most 120" in dialog.field_error("first_name")
    assert _lead_count(sessions) == 0


def test_editing_a_lead_reads_and_writes_off_the_ui_thread(qtbot, ctx, sessions) -> None:
    lead_id = add_lead(sessions, first_name="Quiet", email="quiet@example.com")
    with ui_thread_statements(ctx.engine) as on_ui:
        dialog = LeadDialog(ctx, lead_id)
        qtbot.addWidget(dialog)
        assert on_ui == []  # the constructor reads nothing
        qtbot.waitUntil(lambda: dialog.ready)
        assert dialog.inputs["email"].text() == "quiet@example.com"
        dialog.inputs["last_name"].setText("Quill")
        with qtbot.waitSignal(dialog.saved):
            dialog.save()
    assert on_ui == []
    with sessions() as session:
        assert session.get(Lead, lead_id).last_name == "Quill"
