"""Undo of the last change to a lead: it puts back exactly what changed, as one audited
update, and refuses (changing nothing) when the lead changed since or the world moved."""

from __future__ import annotations

import pytest

from portal_desktop.errors import ConflictError, PermissionDeniedError, ValidationError
from portal_desktop.models import Lead
from portal_desktop.models.enums import AuditAction, LeadStatus
from portal_desktop.services.sales.lead_undo import (
    change_status_undoably,
    undo_lead_change,
    update_lead_undoably,
)
from portal_desktop.services.sales.leads import create_lead, update_lead
from tests.services.pipeline_data import ADMIN, MARKETING, SALES, add_student, audit_rows, counts


def _lead(sessions, **fields) -> Lead:
    with sessions() as session:
        return create_lead(session, SALES, first_name="Jane", last_name="Doe", **fields)


def _stored(sessions, lead: Lead) -> Lead:
    with sessions() as session:
        return session.get(Lead, lead.id)


def test_a_status_move_is_taken_back_even_against_the_forward_rule(sessions) -> None:
    lead = _lead(sessions, email="jane@example.com")
    with sessions() as session:
        change = change_status_undoably(session, SALES, lead.id, "CONTACTED")
    with sessions() as session:
        change = change_status_undoably(
            session, SALES, lead.id, LeadStatus.QUALIFIED, expected_version=change.version
        )
    assert change.statuses == (LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
    assert change.before == {"status": LeadStatus.CONTACTED}
    assert change.label == "Jane Doe"
    with sessions() as session:
        undone = undo_lead_change(session, SALES, change)
    assert undone.status == LeadStatus.CONTACTED  # a normal move back would be refused
    rows = audit_rows(sessions, "leads")
    assert [row.action for row in rows][-1] == AuditAction.UPDATE
    assert len(rows) == 4  # created, two moves, the undo


def test_losing_a_lead_is_undone_with_its_reason(sessions) -> None:
    lead = _lead(sessions)
    with sessions() as session:
        change = change_status_undoably(session, SALES, lead.id, "LOST", "Too expensive")
    with sessions() as session:
        undo_lead_change(session, SALES, change)
    stored = _stored(sessions, lead)
    assert (stored.status, stored.lost_reason) == (LeadStatus.NEW, None)


def test_an_edit_is_undone_field_by_field(sessions) -> None:
    lead = _lead(sessions, email="jane@example.com", phone="+1 305 409 4602")
    with sessions() as session:
        change = update_lead_undoably(
            session, SALES, lead.id, lead.version, email="jd@example.com", notes="Call Tuesday"
        )
    assert set(change.before) == {"email", "notes"}
    with sessions() as session:
        undo_lead_change(session, SALES, change)
    stored = _stored(sessions, lead)
    assert (stored.email, stored.notes, stored.phone) == (
        "jane@example.com",
        None,
        lead.phone,
    )


def test_no_undo_over_a_later_change_and_nothing_is_written(sessions) -> None:
    lead = _lead(sessions)
    with sessions() as session:
        change = change_status_undoably(session, SALES, lead.id, "CONTACTED")
    with sessions() as session:
        update_lead(session, ADMIN, lead.id, change.version, notes="Someone else's note")
    before = counts(sessions)
    with sessions() as session, pytest.raises(ConflictError, match="changed again"):
        undo_lead_change(session, SALES, change)
    assert counts(sessions) == before
    assert _stored(sessions, lead).status == LeadStatus.CONTACTED


def test_a_lead_that_became_a_student_is_not_lost_again(sessions) -> None:
    lead = _lead(sessions, email="jane@example.com")
    with sessions() as session:
        lost = change_status_undoably(session, SALES, lead.id, "LOST", "No budget")
    with sessions() as session:
        reopened = change_status_undoably(
            session, SALES, lead.id, "NEW", expected_version=lost.version
        )
    add_student(sessions, "jane@example.com", lead.id)
    with sessions() as session, pytest.raises(ValidationError, match="became a student"):
        undo_lead_change(session, SALES, reopened)
    assert _stored(sessions, lead).status == LeadStatus.NEW


def test_an_email_given_to_another_lead_meanwhile_is_not_taken_back(sessions) -> None:
    lead = _lead(sessions, email="jane@example.com")
    with sessions() as session:
        change = update_lead_undoably(session, SALES, lead.id, lead.version, email="j@d.com")
    _lead(sessions, email="jane@example.com")
    with sessions() as session, pytest.raises(ValidationError, match=r"jane@example\.com"):
        undo_lead_change(session, SALES, change)
    assert _stored(sessions, lead).email == "j@d.com"


def test_only_who_may_edit_leads_may_undo(sessions) -> None:
    lead = _lead(sessions)
    with sessions() as session:
        change = change_status_undoably(session, SALES, lead.id, "CONTACTED")
    with sessions() as session, pytest.raises(PermissionDeniedError):
        undo_lead_change(session, MARKETING, change)
