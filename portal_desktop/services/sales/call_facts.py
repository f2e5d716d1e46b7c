"""What the Sales-calls screens show about a call and about who buys (plain data, no Qt):
a call's facts, who a call is booked with, and the buyer of a deal as
:func:`~portal_desktop.services.sales.enrollments.close_deal` will find it (its own lookups)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from portal_desktop.db.calls_queries import active_programs, student_name
from portal_desktop.db.team_queries import Member, load_members
from portal_desktop.models import Lead, SalesCall, Student
from portal_desktop.models.enums import CallOutcome
from portal_desktop.services.sales.enrollments import student_by_email, student_of_lead
from portal_desktop.services.sales.leads import lead_label


@dataclass(frozen=True)
class CallSummary:
    """Plain facts about a call for the dialogs (who, when, host, outcome)."""

    id: uuid.UUID
    who: str
    scheduled_at: dt.datetime
    duration: int
    host: str
    setter: str | None
    outcome: CallOutcome | None
    offer_made: bool | None
    lead_id: uuid.UUID | None
    student_id: uuid.UUID | None


def call_summary(session: Session, call_id: uuid.UUID) -> CallSummary:
    """The call's facts; LookupError (in words) when it no longer exists."""
    call = session.get(SalesCall, call_id)
    if call is None:
        raise LookupError(f"No sales call with id {call_id}; reload the list of calls.")
    if call.lead is not None:
        who = lead_label(call.lead)
    elif call.student is not None:
        who = student_name(call.student)
    else:
        who = "someone"
    return CallSummary(
        id=call.id,
        who=who,
        scheduled_at=call.scheduled_at,
        duration=call.duration_minutes,
        host=call.host.name,
        setter=call.setter.name if call.setter else None,
        outcome=call.outcome,
        offer_made=call.offer_made,
        lead_id=call.lead_id,
        student_id=call.student_id,
    )


def attendee_name(session: Session, lead_id: uuid.UUID | None, student_id: uuid.UUID | None) -> str:
    """Who a call is booked with, in words."""
    if lead_id is not None:
        lead = session.get(Lead, lead_id)
        return lead_label(lead) if lead else "a lead that no longer exists"
    student = session.get(Student, student_id) if student_id else None
    if student is None:
        return "nobody (choose a lead or a student)"
    return student_name(student)


@dataclass(frozen=True)
class Buyer:
    """Who is buying, as far as the wizard can tell before the service decides."""

    name: str
    email: str | None
    source: str  # "call", "lead" or "student"
    existing_student: str | None = None  # the student the enrollment will go to
    lead_id: uuid.UUID | None = None
    student_id: uuid.UUID | None = None
    closer_id: uuid.UUID | None = None
    setter_id: uuid.UUID | None = None


@dataclass(frozen=True)
class DealChoices:
    """What the wizard offers: the buyer (None: a new student, typed in), the active
    programs (id, name, price) and the team."""

    buyer: Buyer | None
    programs: list[tuple[uuid.UUID, str, Decimal]]
    members: list[Member]


def _lead_buyer(session: Session, lead: Lead, source: str, **people: Any) -> Buyer:
    found = student_of_lead(session, lead)  # the service's own rule
    return Buyer(
        f"{lead.first_name} {lead.last_name}".strip() or lead.email or "this lead",
        lead.email,
        source,
        existing_student=student_name(found) if found else None,
        lead_id=lead.id,
        **people,
    )


def _student_buyer(student: Student, source: str, **people: Any) -> Buyer:
    name = student_name(student)
    return Buyer(
        name, student.email, source, existing_student=name, student_id=student.id, **people
    )


def load_buyer(
    session: Session,
    *,
    sales_call_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
) -> Buyer | None:
    """The buyer of a call, lead or student (None: a new student to type in); LookupError
    (in words) when the record no longer exists."""
    if sales_call_id is not None:
        call = session.get(SalesCall, sales_call_id)
        if call is None:
            raise LookupError("This call no longer exists; reload the list of calls.")
        people = {"closer_id": call.host_id, "setter_id": call.setter_id}
        if call.lead is not None:
            return _lead_buyer(session, call.lead, "call", **people)
        if call.student is not None:
            return _student_buyer(call.student, "call", **people)
    if lead_id is not None:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise LookupError("This lead no longer exists; reload the pipeline.")
        return _lead_buyer(session, lead, "lead")
    if student_id is not None:
        student = session.get(Student, student_id)
        if student is None:
            raise LookupError("This student no longer exists; reload the list.")
        return _student_buyer(student, "student")
    return None


def deal_choices(session: Session, **source: uuid.UUID | None) -> DealChoices:
    """Everything the wizard needs before it can be filled in (``source``: load_buyer's)."""
    return DealChoices(
        load_buyer(session, **source), active_programs(session), load_members(session)
    )


def student_name_for_email(session: Session, email: str) -> str | None:
    """The name of the student a deal for this email goes to (the service's own lookup)."""
    student = student_by_email(session, email)
    return student_name(student) if student else None
