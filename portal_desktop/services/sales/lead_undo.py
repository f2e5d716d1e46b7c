"""Taking back the last change to a lead — its status or its details — safely.

:func:`change_status_undoably` and :func:`update_lead_undoably` are
``leads.change_lead_status`` and ``leads.update_lead`` (same rules, same transaction) that
also return a :class:`LeadChange`: the changed fields' values before and after, and the
lead's version once changed. :func:`undo_lead_change` puts the values back, as one audited
UPDATE, only when the lead is still at that version — nobody changed it since — so an undo
never overwrites someone else's work; otherwise it refuses and changes nothing.

An undo may move a status "back" (Qualified → Contacted), which the status rules refuse to a
normal move: it restores the exact state the lead was in a moment ago, which was valid then.
Two checks still apply, since the world may have moved around the lead: a lead that became
a student cannot be LOST again, and an email given to another lead meanwhile is not taken
back from it.

Also undoable, without a module of its own: moving an installment's due date (moved back by
``plan_changes.reschedule_installment`` at the version the move left, which refuses when it
was paid or changed since: ``views/payments/reschedule_undo.py``).

What is not undoable, and why: payments, failed charges and refunds (money moved, possibly at
a processor; a refund is undone by recording a payment, a payment by a refund); cancelling
or defaulting an enrollment and changing its plan (what is owed, the rollups and
commissions follow; the plan's installments are replaced, not edited); role changes (a
security decision: asked for, not taken back silently); imports (many records; each has
its own validation report); creating a record (deleting one is the admin's, on purpose).
Those ask first, naming the amount, instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from portal_desktop.errors import ConflictError, ValidationError
from portal_desktop.models import Lead
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.records import apply_changes
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.sales import leads
from portal_desktop.services.sales.leads import lead_label

# What a change to a lead may touch, and so what an undo puts back.
TRACKED = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "source",
    "campaign",
    "medium",
    "notes",
    "owner_id",
    "ad_campaign_id",
    "status",
    "lost_reason",
)


@dataclass(frozen=True)
class LeadChange:
    """One change to a lead: the changed fields before and after, and the lead's version
    right after it (an undo applies to that version only)."""

    lead_id: uuid.UUID
    label: str  # the lead's name after the change
    version: int
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.before)

    @property
    def statuses(self) -> tuple[LeadStatus, LeadStatus] | None:
        """(from, to) when the change moved the lead's status."""
        if "status" not in self.before:
            return None
        return LeadStatus(self.before["status"]), LeadStatus(self.after["status"])


def _snapshot(lead: Lead) -> dict[str, Any]:
    return {key: getattr(lead, key) for key in TRACKED}


def _tracked(
    session: Session, actor: Actor, lead_id: uuid.UUID, change: Callable[[int], Lead]
) -> LeadChange:
    """Run ``change(version seen)`` on the lead and say what it changed."""
    before = _snapshot(leads.get_lead(session, actor, lead_id))
    lead = change(leads.get_lead(session, actor, lead_id).version)
    after = _snapshot(lead)
    changed = [key for key in TRACKED if before[key] != after[key]]
    return LeadChange(
        lead.id,
        lead_label(lead),
        lead.version,
        {key: before[key] for key in changed},
        {key: after[key] for key in changed},
    )


@use_case
def change_status_undoably(
    session: Session,
    actor: Actor,
    lead_id: uuid.UUID,
    new_status: LeadStatus | str,
    lost_reason: str | None = None,
    *,
    expected_version: int | None = None,
) -> LeadChange:
    """``leads.change_lead_status``, returning what to undo."""

    def change(seen: int) -> Lead:
        version = seen if expected_version is None else expected_version
        return leads.change_lead_status(
            session, actor, lead_id, new_status, lost_reason, expected_version=version
        )

    return _tracked(session, actor, lead_id, change)


@use_case
def update_lead_undoably(
    session: Session, actor: Actor, lead_id: uuid.UUID, expected_version: int, **changes: object
) -> LeadChange:
    """``leads.update_lead``, returning what to undo."""
    return _tracked(
        session,
        actor,
        lead_id,
        lambda _seen: leads.update_lead(session, actor, lead_id, expected_version, **changes),
    )


@use_case
def undo_lead_change(session: Session, actor: Actor, change: LeadChange) -> Lead:
    """Put back what ``change`` changed, if the lead has not been changed since."""
    actor.require(Permission.EDIT_LEADS)
    lead = session.get(Lead, change.lead_id, with_for_update=True, populate_existing=True)
    if lead is None:
        raise ConflictError(f"{change.label} was deleted; there is nothing to undo.")
    if lead.version != change.version:
        raise ConflictError(
            f"{lead_label(lead)} was changed again after your change; nothing was undone. "
            "Open the lead and change it by hand."
        )
    restore = dict(change.before)
    if restore.get("status") == LeadStatus.LOST and leads.is_converted(session, lead.id):
        raise ValidationError(
            "status", f"{lead_label(lead)} became a student meanwhile and cannot be LOST again"
        )
    if restore.get("email") is not None:
        leads.check_email_free(session, restore["email"], lead.id)
    return apply_changes(
        session, actor, lead, restore, lambda changed: leads._flush(session, changed)
    )
