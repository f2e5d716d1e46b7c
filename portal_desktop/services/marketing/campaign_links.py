"""Which ad campaign a lead came from, whichever side arrives first.

A lead's ``ad_campaign_id`` is its campaign text matched to a campaign by
:func:`~portal_desktop.services.sales.leads.resolve_campaign` (the one definition: the name
trimmed and in any case; an ACTIVE campaign first, then the newest). It is resolved when a
lead arrives (typed in, imported) and again here when a campaign arrives or changes:
creating one (the Marketing tab, an ad-report import) or renaming it (or changing its
status, which changes which campaign wins) re-links the existing leads whose text matches
its old or new name.

A link a person set (:func:`set_lead_campaign`) is never overwritten by that matching:
``leads.campaign_linked_by_hand`` says so, until the person gives the lead back to the
automatic matching. Each re-link is one audit row (the campaign text, the campaign, the
leads); the database triggers note the days whose rollups change, and the rollups are
rebuilt before the use case ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.errors import NotFoundError
from portal_desktop.models import AdCampaign, AuditEntry, Lead
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.records import apply_changes, check_version, get_record
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.common.words import plural
from portal_desktop.services.reporting.rollups import refresh_rollups
from portal_desktop.services.sales.leads import campaign_key, lead_label, resolve_campaign

LEADS = cast(Table, Lead.__table__)


def _texts(names: Iterable[str | None]) -> list[str]:
    return sorted({name.strip() for name in names if name and name.strip()}, key=str.lower)


def linkable_leads(session: Session, names: Iterable[str | None]) -> int:
    """How many leads not linked by hand have a campaign text matching one of ``names``."""
    texts = _texts(names)
    if not texts:
        return 0
    matching = or_(*(campaign_key(Lead.campaign) == campaign_key(text) for text in texts))
    query = select(func.count()).where(matching, Lead.campaign_linked_by_hand.is_(False))
    return session.scalar(query) or 0


def relink_leads(session: Session, actor: Actor, names: Iterable[str | None]) -> int:
    """Link the leads whose campaign text matches one of ``names`` to the campaign that text
    resolves to now (links set by hand stay); returns how many leads changed. Runs in the
    caller's transaction."""
    changed = 0
    for text in _texts(names):
        target = resolve_campaign(session, text)
        other = (
            LEADS.c.ad_campaign_id.is_(None) | (LEADS.c.ad_campaign_id != target)
            if target is not None
            else LEADS.c.ad_campaign_id.is_not(None)
        )
        statement = (
            update(LEADS)
            .where(
                campaign_key(LEADS.c.campaign) == campaign_key(text),
                LEADS.c.campaign_linked_by_hand.is_(False),
                other,
            )
            .values(ad_campaign_id=target, version=LEADS.c.version + 1, updated_at=clock.now())
            .returning(LEADS.c.id)
        )
        ids = [str(key) for key in session.execute(statement).scalars()]
        if ids:
            changed += len(ids)
            _audit(session, actor, text, target, ids)
    if changed:
        for found in list(session.identity_map.values()):
            if isinstance(found, Lead):  # they were written behind the ORM's back
                session.expire(found)
        refresh_rollups(session)
    return changed


def _audit(
    session: Session, actor: Actor, text: str, target: uuid.UUID | None, ids: list[str]
) -> None:
    campaign = session.get(AdCampaign, target) if target is not None else None
    where = f"the ad campaign '{campaign.name}'" if campaign is not None else "no ad campaign"
    session.add(
        AuditEntry(
            user_id=actor.user_id,
            username=actor.username,
            action=AuditAction.UPDATE,
            entity="leads",
            entity_id=None,
            old_values=None,
            new_values={
                "campaign": text,
                "ad_campaign_id": None if target is None else str(target),
                "leads": ids,
            },
            summary=f"Linked {plural(len(ids), 'lead')} whose campaign is '{text}' to {where}"[
                :500
            ],
        )
    )


@use_case
def set_lead_campaign(
    session: Session,
    actor: Actor,
    lead_id: uuid.UUID,
    campaign_id: uuid.UUID | None,
    *,
    expected_version: int | None = None,
    by_hand: bool = True,
) -> Lead:
    """A person links the lead to ``campaign_id`` (or to none): kept whatever campaigns
    arrive later. ``by_hand=False`` gives the lead back to the matching of its text."""
    actor.require(Permission.EDIT_LEADS)
    lead = session.get(Lead, lead_id, with_for_update=True, populate_existing=True)
    if lead is None:
        raise NotFoundError(f"No lead with id {lead_id}; it may have been deleted. Reload.")
    check_version(lead, expected_version, lead_label(lead))
    if by_hand and campaign_id is not None:
        get_record(session, AdCampaign, campaign_id, "campaign_id")
    target = campaign_id if by_hand else resolve_campaign(session, lead.campaign)
    values = {"ad_campaign_id": target, "campaign_linked_by_hand": by_hand}
    return apply_changes(session, actor, lead, values, lambda _lead: session.flush())
