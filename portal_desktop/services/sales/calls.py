"""Sales calls: book them, record what happened, reschedule, cancel.

Rules (DESIGN.md and KPIS.md, with the decisions where they are silent):

* a call is for exactly one lead or one student, hosted by an active team member, with an
  optional setter who is someone else; booking warns (does not refuse) when the host already
  has a call that overlaps; booking a call for a NEW lead moves it to CONTACTED; a LOST lead
  is reopened before it gets a call;
* an outcome that says the call took place or was missed (CLOSED_WON, CLOSED_LOST,
  FOLLOW_UP, NOT_QUALIFIED, NO_SHOW) is accepted once the call's start time has come;
* an offer was always made on CLOSED_WON and CLOSED_LOST, never on NO_SHOW, CANCELLED or
  RESCHEDULED; ``offer_made`` defaults to True on FOLLOW_UP and to False on NOT_QUALIFIED;
* NOT_QUALIFIED moves the lead to LOST, reason "Not qualified" (unless a student or LOST);
* an outcome can be corrected, except on a call that was CANCELLED or RESCHEDULED (final) or
  on which an enrollment was closed; only a call without an outcome can be rescheduled or
  cancelled. Rescheduling marks the call RESCHEDULED (its notes give the new time) and books
  a new one with the same people (its notes name the old call); the result holds both.
  Closing the deal itself (student, enrollment) is services/sales/enrollments.py's job.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.errors import ConflictError, NotFoundError, ValidationError
from portal_desktop.models import Enrollment, Lead, SalesCall, Student, TeamMember
from portal_desktop.models.enums import AuditAction, CallOutcome, LeadStatus
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.fields import aware_utc, clean_text, format_local
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.common.words import enum_label
from portal_desktop.services.sales.leads import change_lead_status, is_converted, lead_label

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 480
NOTES_MAX_LENGTH = 4000
NOT_QUALIFIED_REASON = "Not qualified"

# Outcomes saying the call's time came: it was held, or the prospect did not show up.
TIME_CAME = frozenset(
    {
        CallOutcome.CLOSED_WON,
        CallOutcome.CLOSED_LOST,
        CallOutcome.FOLLOW_UP,
        CallOutcome.NOT_QUALIFIED,
        CallOutcome.NO_SHOW,
    }
)
OFFER_ALWAYS = frozenset({CallOutcome.CLOSED_WON, CallOutcome.CLOSED_LOST})
OFFER_NEVER = frozenset({CallOutcome.NO_SHOW, CallOutcome.CANCELLED, CallOutcome.RESCHEDULED})
FINAL = frozenset({CallOutcome.CANCELLED, CallOutcome.RESCHEDULED})


@dataclass(frozen=True)
class ScheduleResult:
    """The booked call, warnings worth showing (overlaps), and the call it replaces."""

    call: SalesCall
    warnings: list[str] = field(default_factory=list)
    previous: SalesCall | None = None


# --- helpers -------------------------------------------------------------------------------


def _active_member(session: Session, field_name: str, member_id: object) -> TeamMember:
    if not isinstance(member_id, uuid.UUID):
        raise ValidationError(field_name, "expected a team member's id; choose one from the list")
    member = session.get(TeamMember, member_id)
    if member is None:
        raise ValidationError(field_name, "no such team member; choose one from the list")
    if not member.active:
        raise ValidationError(
            field_name, f"{member.name} is no longer active; choose an active team member"
        )
    return member


def _attendee(
    session: Session, lead_id: uuid.UUID | None, student_id: uuid.UUID | None
) -> Lead | Student:
    if lead_id is None and student_id is None:
        raise ValidationError("lead_id", "a call is for a lead or a student; choose one")
    if lead_id is not None and student_id is not None:
        raise ValidationError("student_id", "a call is for a lead or a student, not both")
    if student_id is not None:
        student = session.get(Student, student_id)
        if student is None:
            raise ValidationError("student_id", "no such student; choose one from the list")
        return student
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise ValidationError("lead_id", "no such lead; it may have been deleted")
    if lead.status == LeadStatus.LOST:
        raise ValidationError(
            "lead_id", f"{lead_label(lead)} is Lost; reopen the lead before booking a call"
        )
    return lead


def _duration(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("duration_minutes", "expected a whole number of minutes")
    if not MIN_DURATION_MINUTES <= value <= MAX_DURATION_MINUTES:
        raise ValidationError(
            "duration_minutes",
            f"is {value}; a call lasts {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES} minutes",
        )
    return value


def _call_label(call: SalesCall) -> str:
    if call.lead is not None:
        return lead_label(call.lead)
    if call.student is not None:
        name = f"{call.student.first_name} {call.student.last_name}".strip()
        return name or call.student.email
    return "someone"


def _overlap_warnings(session: Session, call: SalesCall, host: TeamMember) -> list[str]:
    """One line per other live call of the host that overlaps ``call``."""
    start = call.scheduled_at
    end = start + dt.timedelta(minutes=call.duration_minutes)
    candidates = session.scalars(
        select(SalesCall)
        .where(
            SalesCall.host_id == host.id,
            SalesCall.id != call.id,
            SalesCall.scheduled_at > start - dt.timedelta(minutes=MAX_DURATION_MINUTES),
            SalesCall.scheduled_at < end,
            or_(SalesCall.outcome.is_(None), SalesCall.outcome.not_in(FINAL)),
        )
        .order_by(SalesCall.scheduled_at)
    ).all()
    tz = load_settings(session).tz
    warnings = []
    for other in candidates:
        other_end = other.scheduled_at + dt.timedelta(minutes=other.duration_minutes)
        if other_end > start:
            local_end = f"{other_end.astimezone(tz):%H:%M}"
            warnings.append(
                f"{host.name} already has a call at {format_local(other.scheduled_at, tz)}"
                f"\N{EN DASH}{local_end} with {_call_label(other)}"
            )
    return warnings


def _load(session: Session, call_id: uuid.UUID) -> SalesCall:
    call = session.get(SalesCall, call_id, with_for_update=True, populate_existing=True)
    if call is None:
        raise NotFoundError(f"No sales call with id {call_id}; reload the list of calls.")
    return call


def _require_no_outcome(call: SalesCall, doing: str) -> None:
    if call.outcome is not None:
        raise ConflictError(
            f"Cannot {doing} this call: it already has the outcome {enum_label(call.outcome)}. "
            "Book a new call instead."
        )


def _add_note(call: SalesCall, note: str | None) -> None:
    if note is None:
        return
    notes = f"{call.notes}\n\n{note}" if call.notes else note
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError(
            "notes", f"the call's notes would exceed {NOTES_MAX_LENGTH} characters; shorten them"
        )
    call.notes = notes


def _outcome(value: object) -> CallOutcome:
    try:
        return CallOutcome(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(o.value for o in CallOutcome)
        raise ValidationError("outcome", f"'{value}' is not an outcome; use {choices}") from None


def _offer(outcome: CallOutcome, offer_made: bool | None) -> bool:
    if offer_made is not None and not isinstance(offer_made, bool):
        raise ValidationError("offer_made", "expected yes or no (True/False)")
    if outcome in OFFER_ALWAYS:
        if offer_made is False:
            raise ValidationError(
                "offer_made",
                f"a {enum_label(outcome)} call always had an offer; without one the outcome is "
                "Follow up or Not qualified",
            )
        return True
    if outcome in OFFER_NEVER:
        if offer_made:
            raise ValidationError(
                "offer_made", f"no offer can be made on a {enum_label(outcome)} call; untick it"
            )
        return False
    if offer_made is None:
        return outcome != CallOutcome.NOT_QUALIFIED
    return offer_made


# --- use cases -----------------------------------------------------------------------------


@use_case
def schedule_call(
    session: Session,
    actor: Actor,
    *,
    lead_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
    host_id: uuid.UUID,
    setter_id: uuid.UUID | None = None,
    scheduled_at: dt.datetime,
    duration_minutes: int = 45,
    notes: str | None = None,
) -> ScheduleResult:
    """Book a call; the result warns when the host already has a call at that time."""
    actor.require(Permission.EDIT_CALLS)
    return _book(
        session,
        actor,
        lead_id=lead_id,
        student_id=student_id,
        host_id=host_id,
        setter_id=setter_id,
        scheduled_at=scheduled_at,
        duration_minutes=duration_minutes,
        notes=notes,
    )


def _book(
    session: Session,
    actor: Actor,
    *,
    lead_id: uuid.UUID | None,
    student_id: uuid.UUID | None,
    host_id: uuid.UUID,
    setter_id: uuid.UUID | None,
    scheduled_at: dt.datetime,
    duration_minutes: int,
    notes: str | None,
    setter_must_be_active: bool = True,
) -> ScheduleResult:
    attendee = _attendee(session, lead_id, student_id)
    host = _active_member(session, "host_id", host_id)
    if setter_id is not None:
        if setter_must_be_active:
            _active_member(session, "setter_id", setter_id)
        if setter_id == host.id:
            raise ValidationError(
                "setter_id", "is the host; leave the setter empty when the host booked the call"
            )
    call = SalesCall(
        lead_id=lead_id,
        student_id=student_id,
        host_id=host.id,
        setter_id=setter_id,
        scheduled_at=aware_utc("scheduled_at", scheduled_at),
        duration_minutes=_duration(duration_minutes),
        notes=clean_text("notes", notes, max_length=NOTES_MAX_LENGTH),
        offer_made=False,
    )
    session.add(call)
    session.flush()
    warnings = _overlap_warnings(session, call, host)
    if isinstance(attendee, Lead) and attendee.status == LeadStatus.NEW:
        change_lead_status(session, actor, attendee.id, LeadStatus.CONTACTED)
    audit.record(session, actor, AuditAction.CREATE, call)
    return ScheduleResult(call, warnings)


@use_case
def record_outcome(
    session: Session,
    actor: Actor,
    call_id: uuid.UUID,
    outcome: CallOutcome | str,
    offer_made: bool | None = None,
    notes: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> SalesCall:
    """Record (or correct) what happened on a call; ``notes`` are added to the call's."""
    actor.require(Permission.EDIT_CALLS)
    result = _outcome(outcome)
    if result == CallOutcome.RESCHEDULED:
        raise ValidationError(
            "outcome", "use reschedule_call: it records RESCHEDULED and books the new time"
        )
    offer = _offer(result, offer_made)
    note = clean_text("notes", notes, max_length=NOTES_MAX_LENGTH)
    now = clock.now() if now is None else aware_utc("now", now)
    call = _load(session, call_id)
    if result == CallOutcome.CANCELLED:
        _require_no_outcome(call, "cancel")
    elif call.outcome in FINAL:
        raise ConflictError(
            f"This call was {enum_label(call.outcome)}; its outcome is final. Book a new call."
        )
    if call.outcome == CallOutcome.CLOSED_WON and result != CallOutcome.CLOSED_WON:
        _refuse_if_enrolled(session, call)
    if result in TIME_CAME and call.scheduled_at > now:
        tz = load_settings(session).tz
        raise ValidationError(
            "outcome",
            f"the call is booked for {format_local(call.scheduled_at, tz)}; record "
            f"{enum_label(result)} once it has started, or reschedule or cancel it",
        )
    before = audit.snapshot(call)
    call.outcome = result
    call.offer_made = offer
    _add_note(call, note)
    if result == CallOutcome.NOT_QUALIFIED and call.lead_id is not None:
        _lose_lead(session, actor, call.lead_id)
    session.flush()
    audit.record(session, actor, AuditAction.UPDATE, call, old=before)
    return call


def _refuse_if_enrolled(session: Session, call: SalesCall) -> None:
    enrolled = session.scalar(select(Enrollment.id).where(Enrollment.sales_call_id == call.id))
    if enrolled is not None:
        raise ConflictError(
            "An enrollment was closed on this call, so it stays Closed won; "
            "cancel the enrollment first if the deal did not happen."
        )


def _lose_lead(session: Session, actor: Actor, lead_id: uuid.UUID) -> None:
    lead = session.get(Lead, lead_id)
    if lead is not None and lead.status != LeadStatus.LOST and not is_converted(session, lead_id):
        change_lead_status(session, actor, lead_id, LeadStatus.LOST, NOT_QUALIFIED_REASON)


@use_case
def reschedule_call(
    session: Session,
    actor: Actor,
    call_id: uuid.UUID,
    new_time: dt.datetime,
    *,
    host_id: uuid.UUID | None = None,
) -> ScheduleResult:
    """Mark a call RESCHEDULED and book it again at ``new_time`` (``host_id``: a new host)."""
    actor.require(Permission.EDIT_CALLS)
    when = aware_utc("new_time", new_time)
    call = _load(session, call_id)
    _require_no_outcome(call, "reschedule")
    if when == call.scheduled_at and host_id in (None, call.host_id):
        raise ValidationError("new_time", "is the call's current time; pick another time")
    tz = load_settings(session).tz
    before = audit.snapshot(call)
    call.outcome = CallOutcome.RESCHEDULED
    call.offer_made = False
    _add_note(call, f"Rescheduled to {format_local(when, tz)}.")
    session.flush()
    result = _book(
        session,
        actor,
        lead_id=call.lead_id,
        student_id=call.student_id,
        host_id=call.host_id if host_id is None else host_id,
        setter_id=call.setter_id,
        scheduled_at=when,
        duration_minutes=call.duration_minutes,
        notes=f"Rescheduled from {format_local(call.scheduled_at, tz)} (call {call.id}).",
        setter_must_be_active=False,  # the setter's credit for booking it stays theirs
    )
    audit.record(session, actor, AuditAction.UPDATE, call, old=before)
    return ScheduleResult(result.call, result.warnings, previous=call)


@use_case
def cancel_call(
    session: Session, actor: Actor, call_id: uuid.UUID, reason: str | None = None
) -> SalesCall:
    """Cancel a call that has no outcome yet; ``reason`` is added to its notes."""
    actor.require(Permission.EDIT_CALLS)
    note = clean_text("reason", reason, max_length=500)
    call = _load(session, call_id)
    _require_no_outcome(call, "cancel")
    before = audit.snapshot(call)
    call.outcome = CallOutcome.CANCELLED
    call.offer_made = False
    _add_note(call, f"Cancelled: {note}" if note else None)
    audit.record(session, actor, AuditAction.UPDATE, call, old=before)
    return call
