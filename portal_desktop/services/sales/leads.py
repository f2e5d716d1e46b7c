"""Leads: create and edit them, move them through their statuses, resolve their campaign.

Status rules (DESIGN.md, with the decisions where it is silent):

* forward only through NEW → CONTACTED → QUALIFIED; skipping ahead (NEW → QUALIFIED) is
  allowed, since a lead qualified on the first conversation was obviously contacted;
* LOST from any status, with a reason; a lead that became a student cannot be LOST;
* a LOST lead is reopened as NEW or CONTACTED (not straight to QUALIFIED), which clears the
  reason; no other move goes back.

SALES and ADMIN edit leads; MARKETING reads them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal_desktop.errors import ConflictError, NotFoundError, ValidationError
from portal_desktop.models import AdCampaign, Lead, SalesCall, Student, TeamMember
from portal_desktop.models.enums import AuditAction, CampaignStatus, LeadStatus, UserRole
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.fields import aware_utc, clean_email, clean_text
from portal_desktop.services.common.phone import normalize_phone
from portal_desktop.services.common.records import add_record, apply_changes
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.common.words import enum_label

EMAIL_INDEX = "uq_leads_email_lower"
LOST_REASON_MAX_LENGTH = 500
_FORWARD = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
_REOPEN_TO = (LeadStatus.NEW, LeadStatus.CONTACTED)


def lead_label(lead: Lead) -> str:
    """How a lead is named in messages: its name, else its email, else its phone."""
    name = f"{lead.first_name} {lead.last_name}".strip()
    return name or lead.email or lead.phone or f"lead {lead.id}"


# --- field checks --------------------------------------------------------------------------


def _text(field: str, max_length: int) -> Callable[[Session, object], Any]:
    return lambda _session, value: clean_text(field, value, max_length=max_length)


def _name(field: str) -> Callable[[Session, object], Any]:
    return lambda _session, value: clean_text(field, value, max_length=120) or ""


def _owner(session: Session, value: object) -> uuid.UUID | None:
    if value is None:
        return None
    if not isinstance(value, uuid.UUID):
        raise ValidationError("owner_id", "expected a team member's id")
    member = session.get(TeamMember, value)
    if member is None:
        raise ValidationError("owner_id", "no such team member; choose one from the list")
    if not member.active:
        raise ValidationError(
            "owner_id", f"{member.name} is no longer active; choose an active team member"
        )
    return value


_FIELDS: dict[str, Callable[[Session, object], Any]] = {
    "first_name": _name("first_name"),
    "last_name": _name("last_name"),
    "email": lambda _session, value: clean_email("email", value),
    "phone": lambda _session, value: normalize_phone(_optional_text("phone", value)),
    "source": _text("source", 120),
    "campaign": _text("campaign", 200),
    "medium": _text("medium", 120),
    "notes": _text("notes", 4000),
    "owner_id": _owner,
}


def _optional_text(field: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    return value


def _clean(session: Session, values: dict[str, object]) -> dict[str, Any]:
    for key in values:
        if key not in _FIELDS:
            hint = "use change_lead_status" if key in ("status", "lost_reason") else "check it"
            raise ValidationError(key, f"is not a field of a lead that can be edited; {hint}")
    return {key: _FIELDS[key](session, value) for key, value in values.items()}


def clean_lead(session: Session, values: dict[str, object]) -> dict[str, Any]:
    """Every editable field of a lead (those absent in ``values`` as None) cleaned as
    :func:`create_lead` cleans them; a lead needs a name, an email or a phone. The email's
    uniqueness is :func:`check_email_free`'s."""
    cleaned = _clean(session, {key: values.get(key) for key in _FIELDS})
    _require_identity(cleaned)
    return cleaned


def _require_identity(values: dict[str, Any]) -> None:
    if not any(values.get(key) for key in ("first_name", "last_name", "email", "phone")):
        raise ValidationError(
            "first_name", "a lead needs a name, an email or a phone number; fill in at least one"
        )


def check_email_free(session: Session, email: str | None, lead_id: uuid.UUID | None) -> None:
    if email is None:
        return
    query = select(Lead).where(func.lower(Lead.email) == func.lower(email))
    if lead_id is not None:
        query = query.where(Lead.id != lead_id)
    other = session.scalars(query.limit(1)).first()
    if other is not None:
        raise ValidationError(
            "email",
            f"{email} already belongs to the lead {lead_label(other)} "
            f"(status {enum_label(other.status)}); open that lead instead",
        )


def campaign_key(text: Any) -> Any:
    """How a campaign text and a campaign name are compared: trimmed, in any case (SQL)."""
    return func.lower(func.trim(text))


def resolve_campaign(session: Session, campaign: str | None) -> uuid.UUID | None:
    """The ad campaign whose name matches ``campaign`` (trimmed, any case), if any.

    Names are unique per platform only; when several platforms use the name, an ACTIVE
    campaign wins, then the most recently created.
    """
    if campaign is None or not campaign.strip():
        return None
    return session.scalar(
        select(AdCampaign.id)
        .where(campaign_key(AdCampaign.name) == campaign_key(campaign.strip()))
        .order_by(
            (AdCampaign.status == CampaignStatus.ACTIVE).desc(),
            AdCampaign.created_at.desc(),
            AdCampaign.id.desc(),
        )
        .limit(1)
    )


def _flush(session: Session, lead: Lead) -> None:
    """Flush, turning a lost race into the same messages as the checks before it.

    The messages are worded before flushing: a failed flush expires the lead, and reading it
    then would raise PendingRollbackError. SQLite has no row locks, so two machines editing
    the same version both pass :func:`_load` and the second loses here, at the flush; on
    PostgreSQL it waits in :func:`_load` and loses there, with the same message.
    """
    email, changed_elsewhere = lead.email, _changed_elsewhere(lead)
    try:
        session.flush()
    except IntegrityError as exc:
        if EMAIL_INDEX in str(exc.orig):
            raise ValidationError(
                "email", f"{email} was just given to another lead; open that lead instead"
            ) from None
        raise
    except StaleDataError:
        raise changed_elsewhere from None


def _changed_elsewhere(lead: Lead) -> ConflictError:
    return ConflictError(
        f"Someone else changed the lead {lead_label(lead)} while you were editing it; "
        "reload it and make your change again."
    )


def _missing(lead_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(f"No lead with id {lead_id}; it may have been deleted. Reload the list.")


def _load(session: Session, lead_id: uuid.UUID, expected_version: int | None = None) -> Lead:
    lead = session.get(Lead, lead_id, with_for_update=True, populate_existing=True)
    if lead is None:
        raise NotFoundError(
            f"No lead with id {lead_id}; it may have been deleted. Reload the list."
        )
    if expected_version is not None and lead.version != expected_version:
        raise _changed_elsewhere(lead)
    return lead


def is_converted(session: Session, lead_id: uuid.UUID) -> bool:
    """Whether the lead became a student (``students.lead_id`` points at it)."""
    return session.scalar(select(Student.id).where(Student.lead_id == lead_id)) is not None


# --- use cases -----------------------------------------------------------------------------


@use_case
def get_lead(session: Session, actor: Actor, lead_id: uuid.UUID) -> Lead:
    actor.require(Permission.VIEW_LEADS)
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFoundError(
            f"No lead with id {lead_id}; it may have been deleted. Reload the list."
        )
    return lead


@use_case
def create_lead(
    session: Session,
    actor: Actor,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    source: str | None = None,
    campaign: str | None = None,
    medium: str | None = None,
    notes: str | None = None,
    owner_id: uuid.UUID | None = None,
    created_at: dt.datetime | None = None,
) -> Lead:
    """A NEW lead; its campaign is linked to the ad campaign of that name, if any. A sales
    rep (SALES with a team member) who chooses no owner owns the lead."""
    actor.require(Permission.EDIT_LEADS)
    if owner_id is None and actor.role is UserRole.SALES:
        owner_id = actor.team_member_id
    values = _clean(
        session,
        {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone": phone,
            "source": source,
            "campaign": campaign,
            "medium": medium,
            "notes": notes,
            "owner_id": owner_id,
        },
    )
    _require_identity(values)
    if created_at is not None:
        values["created_at"] = aware_utc("created_at", created_at)
    check_email_free(session, values["email"], None)
    lead = Lead(
        **values,
        status=LeadStatus.NEW,
        ad_campaign_id=resolve_campaign(session, values["campaign"]),
    )
    return add_record(session, actor, lead, lambda new: _flush(session, new))


@use_case
def update_lead(
    session: Session, actor: Actor, lead_id: uuid.UUID, expected_version: int, **changes: object
) -> Lead:
    """Change a lead's details; ``expected_version`` is the version the caller saw."""
    actor.require(Permission.EDIT_LEADS)
    lead = _load(session, lead_id, expected_version)
    if "owner_id" in changes and changes["owner_id"] == lead.owner_id:
        del changes["owner_id"]  # an owner who has left may stay until someone else is chosen
    values = _clean(session, changes)
    merged = {key: getattr(lead, key) for key in _FIELDS} | values
    _require_identity(merged)
    if "email" in values:
        check_email_free(session, values["email"], lead.id)
    if "campaign" in values and not lead.campaign_linked_by_hand:  # a person's link stays
        # resolved before any change, so the lead is written once
        values["ad_campaign_id"] = resolve_campaign(session, values["campaign"])
    return apply_changes(session, actor, lead, values, lambda changed: _flush(session, changed))


@use_case
def change_lead_status(
    session: Session,
    actor: Actor,
    lead_id: uuid.UUID,
    new_status: LeadStatus | str,
    lost_reason: str | None = None,
    *,
    expected_version: int | None = None,
) -> Lead:
    """Move a lead to another status by the rules at the top of this module."""
    actor.require(Permission.EDIT_LEADS)
    status = _status(new_status)
    reason = clean_text("lost_reason", lost_reason, max_length=LOST_REASON_MAX_LENGTH)
    if status == LeadStatus.LOST and reason is None:
        raise ValidationError("lost_reason", "say why the lead is lost, e.g. 'Too expensive'")
    if status != LeadStatus.LOST and reason is not None:
        raise ValidationError("lost_reason", "only a Lost lead has a lost reason; clear it")
    lead = _load(session, lead_id, expected_version)
    _check_move(session, lead, status)
    return apply_changes(
        session,
        actor,
        lead,
        {"status": status, "lost_reason": reason},
        lambda changed: _flush(session, changed),
    )


def _status(value: object) -> LeadStatus:
    try:
        return LeadStatus(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(s.value for s in LeadStatus)
        raise ValidationError("status", f"'{value}' is not a lead status; use {choices}") from None


def _check_move(session: Session, lead: Lead, status: LeadStatus) -> None:
    current = LeadStatus(lead.status)
    label = lead_label(lead)
    if status == LeadStatus.LOST:
        if current != LeadStatus.LOST and is_converted(session, lead.id):
            raise ValidationError(
                "status", f"{label} became a student and cannot be Lost; cancel the enrollment"
            )
        return
    if current == LeadStatus.LOST:
        if status not in _REOPEN_TO:
            raise ValidationError(
                "status", f"{label} is Lost; reopen it as New or Contacted first, then qualify it"
            )
        return
    if _FORWARD.index(status) < _FORWARD.index(current):
        raise ValidationError(
            "status",
            f"{label} is {enum_label(current)} and cannot go back to {enum_label(status)}; "
            "statuses move forward New → Contacted → Qualified (or to Lost)",
        )


@use_case
def delete_lead(session: Session, actor: Actor, lead_id: uuid.UUID) -> None:
    """Delete a lead and its sales calls (ADMIN only); a converted lead is kept."""
    actor.require(Permission.DELETE_RECORDS)
    lead = _load(session, lead_id)
    if is_converted(session, lead.id):
        raise ConflictError(
            f"{lead_label(lead)} became a student; a converted lead is kept for attribution"
        )
    calls = session.execute(delete(SalesCall).where(SalesCall.lead_id == lead.id)).rowcount
    audit.record(
        session, actor, AuditAction.DELETE, lead, summary=f"deleted with {calls} sales call(s)"
    )
    session.delete(lead)
    session.flush()
