"""Sales calls: booking with overlap warnings, outcomes and offers, rescheduling, cancelling."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal_desktop.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from portal_desktop.models import Enrollment, Lead, Program, SalesCall, TeamMember
from portal_desktop.models.enums import AuditAction, CallOutcome, LeadStatus, PlanType, TeamRole
from portal_desktop.services.common.words import enum_label
from portal_desktop.services.sales.calls import (
    cancel_call,
    record_outcome,
    reschedule_call,
    schedule_call,
)
from portal_desktop.services.sales.leads import create_lead
from tests.services.pipeline_data import (
    MARKETING,
    SALES,
    add_member,
    add_student,
    audit_rows,
    counts,
)

# 14:00 UTC on 4 March 2025 is 09:00 in New York (EST), the installation's default zone.
AT = dt.datetime(2025, 3, 4, 14, 0, tzinfo=dt.UTC)
AFTER = AT + dt.timedelta(hours=2)


class People:
    def __init__(self, sessions) -> None:
        self.dana = add_member(sessions, "Dana")
        self.sam = add_member(sessions, "Sam", TeamRole.SETTER)
        self.ivy = add_member(sessions, "Ivy", active=False)
        with sessions() as session:
            self.lead = create_lead(session, SALES, first_name="Xavier", last_name="Ray").id
            self.other_lead = create_lead(session, SALES, first_name="Olga", last_name="Ng").id


@pytest.fixture
def people(sessions) -> People:
    return People(sessions)


def _book(sessions, people: People, at: dt.datetime = AT, **kwargs):
    kwargs = {"lead_id": people.lead, "host_id": people.dana} | kwargs
    with sessions() as session:
        return schedule_call(session, SALES, scheduled_at=at, **kwargs)


def _call(sessions, call_id: uuid.UUID) -> SalesCall:
    with sessions() as session:
        return session.get(SalesCall, call_id)


def _lead(sessions, lead_id: uuid.UUID) -> Lead:
    with sessions() as session:
        return session.get(Lead, lead_id)


def _outcome(sessions, call_id, outcome, offer_made=None, notes=None, now=AFTER) -> SalesCall:
    with sessions() as session:
        return record_outcome(session, SALES, call_id, outcome, offer_made, notes, now=now)


# --- booking -------------------------------------------------------------------------------


def test_booking_a_call_contacts_a_new_lead(sessions, people) -> None:
    local = dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    result = _book(sessions, people, at=local, setter_id=people.sam, notes=" wants PIF ")
    call = _call(sessions, result.call.id)
    assert (call.lead_id, call.student_id, call.host_id, call.setter_id) == (
        people.lead,
        None,
        people.dana,
        people.sam,
    )
    assert (call.scheduled_at, call.duration_minutes, call.outcome, call.offer_made) == (
        AT,
        45,
        None,
        False,
    )
    assert call.notes == "wants PIF" and result.warnings == [] and result.previous is None
    assert _lead(sessions, people.lead).status == LeadStatus.CONTACTED
    (call_row,) = audit_rows(sessions, "sales_calls")
    assert call_row.action == AuditAction.CREATE and call_row.entity_id == call.id
    assert audit_rows(sessions, "leads")[-1].new_values == {"status": "CONTACTED"}


def test_booking_leaves_a_qualified_lead_qualified_and_serves_students(sessions, people) -> None:
    with sessions() as session:
        session.get(Lead, people.lead).status = LeadStatus.QUALIFIED
        session.commit()
    _book(sessions, people)
    assert _lead(sessions, people.lead).status == LeadStatus.QUALIFIED
    student = add_student(sessions, "stu@example.com")
    result = _book(sessions, people, at=AT + dt.timedelta(days=1), lead_id=None, student_id=student)
    assert (result.call.student_id, result.call.lead_id) == (student, None)


def test_overlapping_calls_of_the_host_give_warnings(sessions, people) -> None:
    _book(sessions, people)  # 09:00-09:45 local with Xavier Ray
    _book(sessions, people, at=AT - dt.timedelta(hours=4), duration_minutes=300)  # 05:00-10:00
    cancelled = _book(sessions, people, at=AT + dt.timedelta(minutes=30), lead_id=people.other_lead)
    with sessions() as session:
        cancel_call(session, SALES, cancelled.call.id)
    _book(sessions, people, at=AT, host_id=people.sam)  # another host: no warning
    result = _book(sessions, people, at=AT + dt.timedelta(minutes=30), lead_id=people.other_lead)
    assert result.warnings == [
        "Dana already has a call at 2025-03-04 05:00\N{EN DASH}10:00 with Xavier Ray",
        "Dana already has a call at 2025-03-04 09:00\N{EN DASH}09:45 with Xavier Ray",
    ]
    # Back to back is not an overlap; one minute more is.
    assert _book(sessions, people, at=AT + dt.timedelta(hours=3)).warnings == []
    touching = _book(
        sessions, people, at=AT + dt.timedelta(hours=2, minutes=15), duration_minutes=45
    )
    assert touching.warnings == []
    overlapping = _book(
        sessions, people, at=AT + dt.timedelta(hours=2, minutes=15), duration_minutes=46
    )
    assert len(overlapping.warnings) == 2  # the 11:00 call and the one just booked at 10:15
    assert _book(sessions, people, at=AT + dt.timedelta(hours=3, minutes=45)).warnings == []


BAD_BOOKINGS = [
    ({"lead_id": None}, "lead_id", "a lead or a student; choose one"),
    ({"student_id": "student"}, "student_id", "not both"),
    ({"lead_id": uuid.uuid4()}, "lead_id", "no such lead"),
    ({"lead_id": None, "student_id": uuid.uuid4()}, "student_id", "no such student"),
    ({"lead_id": "lost"}, "lead_id", "is Lost; reopen the lead"),
    ({"host_id": uuid.uuid4()}, "host_id", "no such team member"),
    ({"host_id": "ivy"}, "host_id", "Ivy is no longer active"),
    ({"setter_id": "ivy"}, "setter_id", "Ivy is no longer active"),
    ({"setter_id": "dana"}, "setter_id", "is the host"),
    ({"scheduled_at": dt.datetime(2025, 3, 4, 9, 0)}, "scheduled_at", "no time zone"),
    ({"duration_minutes": 0}, "duration_minutes", "5 to 480 minutes"),
    ({"duration_minutes": 481}, "duration_minutes", "5 to 480 minutes"),
    ({"duration_minutes": "45"}, "duration_minutes", "whole number"),
    ({"notes": "n" * 4001}, "notes", "at most 4000"),
]


def test_bad_bookings_are_refused_and_nothing_is_written(sessions, people) -> None:
    with sessions() as session:
        lost = create_lead(session, SALES, first_name="Lou")
        lost.status, lost.lost_reason = LeadStatus.LOST, "No budget"
        session.commit()
    named = {
        "dana": people.dana,
        "ivy": people.ivy,
        "lost": lost.id,
        "student": add_student(sessions, "stu@example.com"),
    }
    before = counts(sessions)
    for changes, field, words in BAD_BOOKINGS:
        values = {"lead_id": people.lead, "host_id": people.dana, "scheduled_at": AT} | {
            key: named.get(value, value) if isinstance(value, str) else value
            for key, value in changes.items()
        }
        with sessions() as session, pytest.raises(ValidationError) as caught:
            schedule_call(session, SALES, **values)
        assert (caught.value.field, words in caught.value.problem) == (field, True), caught.value
        assert counts(sessions) == before, field
        assert _lead(sessions, people.lead).status == LeadStatus.NEW


# --- outcomes ------------------------------------------------------------------------------


def _fresh_call(sessions, people: People, number: int) -> SalesCall:
    """A call with a lead of its own, on a day of its own."""
    with sessions() as session:
        lead = create_lead(session, SALES, first_name=f"Lead {number}")
    return _book(sessions, people, at=AT + dt.timedelta(days=number), lead_id=lead.id).call


OFFERS = [
    (CallOutcome.CLOSED_WON, None, True),
    (CallOutcome.CLOSED_LOST, True, True),
    (CallOutcome.FOLLOW_UP, None, True),
    (CallOutcome.FOLLOW_UP, False, False),
    (CallOutcome.NOT_QUALIFIED, None, False),
    (CallOutcome.NO_SHOW, None, False),
    (CallOutcome.CANCELLED, False, False),
]


def test_outcomes_record_whether_an_offer_was_made(sessions, people) -> None:
    for number, (outcome, given, stored) in enumerate(OFFERS):
        call = _fresh_call(sessions, people, number)
        _outcome(sessions, call.id, outcome.value.lower(), given, now=AFTER + dt.timedelta(days=9))
        saved = _call(sessions, call.id)
        assert (saved.outcome, saved.offer_made) == (outcome, stored), (outcome, given)
        row = audit_rows(sessions, "sales_calls")[-1]
        assert (row.entity_id, row.old_values["outcome"], row.new_values["outcome"]) == (
            call.id,
            None,
            outcome.value,
        )


IMPOSSIBLE = [
    ("CLOSED_WON", False, "offer_made", "always had an offer"),
    ("CLOSED_LOST", False, "offer_made", "always had an offer"),
    ("NO_SHOW", True, "offer_made", "no offer can be made on a No show call"),
    ("CANCELLED", True, "offer_made", "no offer can be made on a Cancelled call"),
    ("RESCHEDULED", None, "outcome", "use reschedule_call"),
    ("WON", None, "outcome", "'WON' is not an outcome"),
    ("FOLLOW_UP", "yes", "offer_made", "True/False"),
]


def test_impossible_outcomes_are_refused(sessions, people) -> None:
    call = _book(sessions, people).call
    before = counts(sessions)
    for outcome, offer, field, words in IMPOSSIBLE:
        with sessions() as session, pytest.raises(ValidationError) as caught:
            record_outcome(session, SALES, call.id, outcome, offer, now=AFTER)
        assert (caught.value.field, words in caught.value.problem) == (field, True), caught.value
        saved = _call(sessions, call.id)
        assert (saved.outcome, saved.offer_made, saved.version) == (None, False, 1), outcome
        assert counts(sessions) == before


def test_a_call_that_has_not_started_gets_no_held_outcome(sessions, people) -> None:
    for number, outcome in enumerate(["CLOSED_WON", "NO_SHOW", "FOLLOW_UP", "NOT_QUALIFIED"]):
        call = _fresh_call(sessions, people, number)
        start = call.scheduled_at
        with sessions() as session, pytest.raises(ValidationError) as caught:
            record_outcome(session, SALES, call.id, outcome, now=start - dt.timedelta(minutes=1))
        assert caught.value.field == "outcome"
        local = f"2025-03-{4 + number:02d} 09:00"
        assert f"booked for {local}; record {enum_label(outcome)}" in caught.value.problem
        assert _call(sessions, call.id).outcome is None
        assert _outcome(sessions, call.id, outcome, now=start).outcome == outcome  # from its start


def test_not_qualified_loses_the_lead(sessions, people) -> None:
    call = _book(sessions, people).call
    _outcome(sessions, call.id, CallOutcome.NOT_QUALIFIED, notes="runs a hobby, no budget")
    lead = _lead(sessions, people.lead)
    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, "Not qualified")
    assert _call(sessions, call.id).notes == "runs a hobby, no budget"


def test_not_qualified_leaves_a_converted_lead_alone(sessions, people) -> None:
    call = _book(sessions, people).call
    add_student(sessions, "xavier@example.com", people.lead)
    _outcome(sessions, call.id, CallOutcome.NOT_QUALIFIED)
    assert _lead(sessions, people.lead).status == LeadStatus.CONTACTED


def test_an_outcome_can_be_corrected_and_notes_add_up(sessions, people) -> None:
    call = _book(sessions, people, notes="booked from the webinar").call
    _outcome(sessions, call.id, CallOutcome.NO_SHOW, notes="did not join")
    _outcome(sessions, call.id, CallOutcome.FOLLOW_UP, notes="joined 10 minutes late after all")
    saved = _call(sessions, call.id)
    assert (saved.outcome, saved.offer_made) == (CallOutcome.FOLLOW_UP, True)
    assert saved.notes == (
        "booked from the webinar\n\ndid not join\n\njoined 10 minutes late after all"
    )
    assert audit_rows(sessions, "sales_calls")[-1].old_values["outcome"] == "NO_SHOW"


def test_a_won_call_with_an_enrollment_stays_won(sessions, people) -> None:
    call = _book(sessions, people).call
    _outcome(sessions, call.id, CallOutcome.CLOSED_WON)
    student = add_student(sessions, "xavier@example.com", people.lead)
    with sessions() as session:
        program = Program(name="Mastermind", price=Decimal("5000.00"))
        session.add(program)
        session.flush()
        session.add(
            Enrollment(
                student_id=student,
                program_id=program.id,
                plan_type=PlanType.PIF,
                contract_value=Decimal("5000.00"),
                start_date=dt.date(2025, 3, 4),
                sales_call_id=call.id,
            )
        )
        session.commit()
    with sessions() as session, pytest.raises(ConflictError, match="cancel the enrollment"):
        record_outcome(session, SALES, call.id, CallOutcome.CLOSED_LOST, now=AFTER)
    assert _outcome(sessions, call.id, "CLOSED_WON", notes="paid in full").offer_made is True
    assert _call(sessions, call.id).outcome == CallOutcome.CLOSED_WON


def test_a_missing_call_is_reported(sessions, people) -> None:
    with sessions() as session, pytest.raises(NotFoundError, match="reload the list of calls"):
        record_outcome(session, SALES, uuid.uuid4(), "NO_SHOW", now=AFTER)


# --- rescheduling and cancelling -----------------------------------------------------------


def test_rescheduling_books_the_same_people_at_the_new_time(sessions, people) -> None:
    old = _book(sessions, people, setter_id=people.sam, duration_minutes=30).call
    clash = _book(sessions, people, at=AT + dt.timedelta(days=1), lead_id=people.other_lead)
    with sessions() as session:
        result = reschedule_call(session, SALES, old.id, AT + dt.timedelta(days=1, minutes=15))
    new, previous = _call(sessions, result.call.id), _call(sessions, old.id)
    assert result.previous.id == old.id and new.id != old.id
    assert (new.lead_id, new.host_id, new.setter_id, new.duration_minutes, new.outcome) == (
        people.lead,
        people.dana,
        people.sam,
        30,
        None,
    )
    assert new.scheduled_at == AT + dt.timedelta(days=1, minutes=15)
    assert (previous.outcome, previous.offer_made) == (CallOutcome.RESCHEDULED, False)
    assert previous.notes == "Rescheduled to 2025-03-05 09:15."
    assert new.notes == f"Rescheduled from 2025-03-04 09:00 (call {old.id})."
    assert result.warnings == [
        "Dana already has a call at 2025-03-05 09:00\N{EN DASH}09:45 with Olga Ng"
    ]
    assert clash.call.id != new.id


def test_rescheduling_can_change_the_host(sessions, people) -> None:
    old = _book(sessions, people).call
    carol = add_member(sessions, "Carol")
    with sessions() as session:
        result = reschedule_call(session, SALES, old.id, AT, host_id=carol)
    assert result.call.host_id == carol and result.call.scheduled_at == AT


def test_rescheduling_keeps_a_setter_who_has_left_since(sessions, people) -> None:
    old = _book(sessions, people, setter_id=people.sam).call
    with sessions() as session:
        session.get(TeamMember, people.sam).active = False
        session.commit()
    with sessions() as session:
        result = reschedule_call(session, SALES, old.id, AFTER)
    assert _call(sessions, result.call.id).setter_id == people.sam


def test_bad_reschedules_change_nothing(sessions, people) -> None:
    call = _book(sessions, people).call
    before = counts(sessions)
    bad = [
        (AT, ValidationError, "the call's current time"),
        (dt.datetime(2025, 3, 5, 9, 0), ValidationError, "no time zone"),
    ]
    for when, error, words in bad:
        with sessions() as session, pytest.raises(error, match=words):
            reschedule_call(session, SALES, call.id, when)
    with sessions() as session, pytest.raises(ValidationError, match="Ivy is no longer active"):
        reschedule_call(session, SALES, call.id, AFTER, host_id=people.ivy)
    assert counts(sessions) == before
    assert _call(sessions, call.id).outcome is None


def test_cancelling_a_call(sessions, people) -> None:
    call = _book(sessions, people).call
    with sessions() as session:
        cancel_call(session, SALES, call.id, reason="prospect asked to stop")
    saved = _call(sessions, call.id)
    assert (saved.outcome, saved.offer_made, saved.notes) == (
        CallOutcome.CANCELLED,
        False,
        "Cancelled: prospect asked to stop",
    )


def test_settled_calls_are_neither_rescheduled_nor_cancelled(sessions, people) -> None:
    for number, settled in enumerate(["NO_SHOW", "CLOSED_WON", "CANCELLED", "RESCHEDULED"]):
        call = _fresh_call(sessions, people, number)
        later = AFTER + dt.timedelta(days=10 + number)
        with sessions() as session:
            if settled == "RESCHEDULED":
                reschedule_call(session, SALES, call.id, later)
            elif settled == "CANCELLED":
                cancel_call(session, SALES, call.id)
            else:
                record_outcome(session, SALES, call.id, settled, now=later)
        before = counts(sessions)
        attempts = [
            lambda s, call=call, later=later: reschedule_call(s, SALES, call.id, later),
            lambda s, call=call: cancel_call(s, SALES, call.id),
            lambda s, call=call, later=later: record_outcome(
                s, SALES, call.id, "CANCELLED", now=later
            ),
        ]
        if settled in ("CANCELLED", "RESCHEDULED"):
            attempts.append(
                lambda s, call=call, later=later: record_outcome(
                    s, SALES, call.id, "NO_SHOW", now=later
                )
            )
        for attempt in attempts:
            with sessions() as session, pytest.raises(ConflictError) as caught:
                attempt(session)
            assert f"outcome {enum_label(settled)}" in str(caught.value) or "final" in str(
                caught.value
            )
        assert counts(sessions) == before
        assert _call(sessions, call.id).outcome == settled


def test_marketing_cannot_touch_calls(sessions, people) -> None:
    call = _book(sessions, people).call
    attempts = [
        lambda s: schedule_call(
            s, MARKETING, lead_id=people.lead, host_id=people.dana, scheduled_at=AFTER
        ),
        lambda s: record_outcome(s, MARKETING, call.id, "NO_SHOW", now=AFTER),
        lambda s: reschedule_call(s, MARKETING, call.id, AFTER),
        lambda s: cancel_call(s, MARKETING, call.id),
    ]
    before = counts(sessions)
    for attempt in attempts:
        with sessions() as session, pytest.raises(PermissionDeniedError, match="sales calls"):
            attempt(session)
    assert counts(sessions) == before
    with sessions() as session:
        assert session.scalars(select(SalesCall.outcome)).all() == [None]
