"""Marketing: ad campaigns, their daily performance, email broadcasts, and the campaign report.

MARKETING and ADMIN edit; everyone who sees reports reads. Decisions where the issue is silent:

* a campaign is unique per platform and name, names compared without regard to case or
  surrounding spaces (leads are matched to campaigns by name the same way);
* ad performance is one row per campaign and day: entering a day again replaces its numbers.
  Clicks above impressions are refused (a platform cannot report that: the columns were
  swapped or mistyped); more leads than clicks is saved with a warning (lead forms and
  view-through conversions can do that);
* a broadcast's opens, clicks and unsubscribes cannot exceed its recipients; clicks above
  opens is allowed (clients that block images record clicks but no opens).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.errors import ValidationError
from portal_desktop.models import AdCampaign, AdPerformance, EmailBroadcast
from portal_desktop.models.enums import AdPlatform, CampaignStatus
from portal_desktop.services.billing.ledger import check_not_future
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.date_ranges import make_range
from portal_desktop.services.common.fields import (
    aware_utc,
    check_date,
    clean_fields,
    clean_text,
    parse_enum,
)
from portal_desktop.services.common.money import parse_money
from portal_desktop.services.common.records import (
    add_record,
    apply_changes,
    as_id,
    check_version,
    flush_as,
    get_record,
    upsert_record,
)
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.common.words import enum_label
from portal_desktop.services.marketing.campaign_links import relink_leads
from portal_desktop.services.reporting.kpi_marketing import CampaignResult, campaign_results
from portal_desktop.services.reporting.rollups import fresh_snapshot
from portal_desktop.services.sales.team import check_count

MAX_DAILY_SPEND = Decimal("10000000.00")
MAX_AD_COUNT = 2_000_000_000  # fits a 32-bit INTEGER column
MAX_RECIPIENTS = 2_000_000_000

Record = TypeVar("Record", AdCampaign, EmailBroadcast)


# --- campaigns ------------------------------------------------------------------------------


def _optional_date(field: str) -> Callable[[object], dt.date | None]:
    return lambda value: None if value is None else check_date(value, field)


def _budget(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_money(value, "daily_budget", allow_zero=True, maximum=MAX_DAILY_SPEND)


_CAMPAIGN_FIELDS: dict[str, Callable[[object], Any]] = {
    "platform": lambda value: parse_enum(value, AdPlatform, "platform"),
    "name": lambda value: clean_text("name", value, max_length=300, required=True),
    "status": lambda value: parse_enum(value, CampaignStatus, "status"),
    "external_id": lambda value: clean_text("external_id", value, max_length=120),
    "start_date": _optional_date("start_date"),
    "end_date": _optional_date("end_date"),
    "daily_budget": _budget,
}


def _check_campaign(session: Session, campaign: AdCampaign) -> None:
    if (
        campaign.start_date is not None
        and campaign.end_date is not None
        and campaign.end_date < campaign.start_date
    ):
        raise ValidationError(
            "end_date",
            f"{campaign.end_date.isoformat()} is before the start date "
            f"{campaign.start_date.isoformat()}",
        )
    query = select(AdCampaign.id).where(
        AdCampaign.platform == campaign.platform,
        func.lower(AdCampaign.name) == campaign.name.lower(),
    )
    if campaign.id is not None:
        query = query.where(AdCampaign.id != campaign.id)
    if session.scalar(query.limit(1)) is not None:
        raise ValidationError(
            "name",
            f"a {enum_label(campaign.platform)} campaign named '{campaign.name}' already exists; "
            "choose another name or edit that campaign",
        )


def _flush(session: Session, what: str) -> None:
    flush_as(session, f"{what} was saved elsewhere at the same time; reload and try again")


def _campaign_label(campaign: AdCampaign) -> str:
    return f"The campaign '{campaign.name}'"


def _broadcast_label(broadcast: EmailBroadcast) -> str:
    return f"The broadcast '{broadcast.subject}'"


def _flusher(session: Session, label: Callable[[Any], str]) -> Callable[[Any], None]:
    """Flush a record, a lost race worded with the record's label as it is then."""
    return lambda record: _flush(session, label(record))


def _update(
    session: Session,
    actor: Actor,
    record: Record,
    expected_version: int | None,
    values: dict[str, Any],
    label: Callable[[Record], str],
    check: Callable[[Record], None],
) -> Record:
    """Apply cleaned ``values`` to a loaded record the caller saw at ``expected_version``."""
    check_version(record, expected_version, label(record))
    return apply_changes(session, actor, record, values, _flusher(session, label), check)


@use_case
def create_campaign(
    session: Session,
    actor: Actor,
    *,
    platform: AdPlatform | str,
    name: str,
    status: CampaignStatus | str = CampaignStatus.ACTIVE,
    external_id: str | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    daily_budget: Decimal | str | None = None,
) -> AdCampaign:
    """A new ad campaign (MARKETING, ADMIN); the existing leads whose campaign text is its
    name are linked to it (services.marketing.campaign_links)."""
    actor.require(Permission.EDIT_MARKETING)
    values = clean_fields(
        _CAMPAIGN_FIELDS,
        {
            "platform": platform,
            "name": name,
            "status": status,
            "external_id": external_id,
            "start_date": start_date,
            "end_date": end_date,
            "daily_budget": daily_budget,
        },
        "a campaign",
    )
    campaign = AdCampaign(**values)
    _check_campaign(session, campaign)
    add_record(session, actor, campaign, _flusher(session, _campaign_label))
    relink_leads(session, actor, [campaign.name])
    return campaign


@use_case
def update_campaign(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    expected_version: int | None = None,
    **changes: object,
) -> AdCampaign:
    """Change a campaign (MARKETING, ADMIN); ``expected_version``: the version the caller saw.
    A new name (or status) re-links the leads whose campaign text is its old or new name."""
    actor.require(Permission.EDIT_MARKETING)
    values = clean_fields(_CAMPAIGN_FIELDS, changes, "a campaign")
    campaign = get_record(session, AdCampaign, campaign_id, "campaign_id")
    before = (campaign.name, campaign.status)
    _update(
        session,
        actor,
        campaign,
        expected_version,
        values,
        _campaign_label,
        lambda changed: _check_campaign(session, changed),
    )
    if (campaign.name, campaign.status) != before:
        relink_leads(session, actor, [before[0], campaign.name])
    return campaign


def list_campaigns(session: Session, *, include_archived: bool = False) -> list[AdCampaign]:
    query = select(AdCampaign).order_by(AdCampaign.platform, AdCampaign.name)
    if not include_archived:
        query = query.where(AdCampaign.status != CampaignStatus.ARCHIVED)
    return list(session.scalars(query))


# --- daily ad performance -------------------------------------------------------------------


@dataclass(frozen=True)
class AdPerformanceResult:
    """The saved day of a campaign, whether it was new, and warnings about its numbers."""

    performance: AdPerformance
    warnings: tuple[str, ...]
    created: bool


@use_case
def upsert_ad_performance(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    day: dt.date,
    spend: Decimal | int | str,
    impressions: int,
    clicks: int,
    leads: int,
    revenue: Decimal | int | str,
) -> AdPerformanceResult:
    """Save one campaign's numbers for one day: the day's row, new or replaced."""
    actor.require(Permission.EDIT_MARKETING)
    day = check_date(day, "day")
    amount_spent = parse_money(spend, "spend", allow_zero=True, maximum=MAX_DAILY_SPEND)
    claimed = parse_money(revenue, "revenue", allow_zero=True, maximum=MAX_DAILY_SPEND * 100)
    impressions = check_count(impressions, "impressions", maximum=MAX_AD_COUNT)
    clicks = check_count(clicks, "clicks", maximum=MAX_AD_COUNT)
    leads = check_count(leads, "leads", maximum=MAX_AD_COUNT)
    if clicks > impressions:
        raise ValidationError(
            "clicks",
            f"{clicks:,} is more than the {impressions:,} impressions; an ad cannot be clicked "
            "more often than it was shown — check the two numbers",
        )
    check_not_future(session, day)
    campaign = get_record(session, AdCampaign, as_id(campaign_id, "campaign_id"), "campaign_id")
    row, created = upsert_record(
        session,
        actor,
        AdPerformance,
        {"ad_campaign_id": campaign.id, "date": day},
        {
            "spend": amount_spent,
            "revenue": claimed,
            "impressions": impressions,
            "clicks": clicks,
            "leads": leads,
        },
        lambda _row: _flush(session, f"The {day.isoformat()} numbers of '{campaign.name}'"),
    )
    warnings = []
    if leads > clicks:
        warnings.append(
            f"leads ({leads:,}) is more than clicks ({clicks:,}): fine for lead forms and "
            "view-through conversions, otherwise check the numbers"
        )
    if campaign.start_date is not None and day < campaign.start_date:
        warnings.append(f"{day.isoformat()} is before the campaign's start date")
    if campaign.end_date is not None and day > campaign.end_date:
        warnings.append(f"{day.isoformat()} is after the campaign's end date")
    return AdPerformanceResult(row, tuple(warnings), created)


# --- email broadcasts -----------------------------------------------------------------------


def _sent_at(value: object) -> dt.datetime | None:
    if value is None:
        return None
    moment = aware_utc("sent_at", value)
    if moment > clock.now() + dt.timedelta(minutes=10):
        raise ValidationError("sent_at", f"{moment.isoformat()} is in the future")
    return moment


def _broadcast_count(field: str) -> Callable[[object], int]:
    return lambda value: check_count(value, field, maximum=MAX_RECIPIENTS)


_BROADCAST_FIELDS: dict[str, Callable[[object], Any]] = {
    "subject": lambda value: clean_text("subject", value, max_length=300, required=True),
    "sent_at": _sent_at,
    "recipients": _broadcast_count("recipients"),
    "opens": _broadcast_count("opens"),
    "clicks": _broadcast_count("clicks"),
    "unsubscribes": _broadcast_count("unsubscribes"),
    "notes": lambda value: clean_text("notes", value, max_length=4000),
}


def _check_broadcast(broadcast: EmailBroadcast) -> None:
    for field in ("opens", "clicks", "unsubscribes"):
        value = getattr(broadcast, field)
        if value > broadcast.recipients:
            raise ValidationError(
                field,
                f"{value:,} is more than the {broadcast.recipients:,} recipients; "
                "check the numbers",
            )


@use_case
def create_broadcast(
    session: Session,
    actor: Actor,
    *,
    subject: str,
    sent_at: dt.datetime | None = None,
    recipients: int = 0,
    opens: int = 0,
    clicks: int = 0,
    unsubscribes: int = 0,
    notes: str | None = None,
) -> EmailBroadcast:
    """Record a newsletter and its engagement numbers (MARKETING, ADMIN)."""
    actor.require(Permission.EDIT_MARKETING)
    values = clean_fields(
        _BROADCAST_FIELDS,
        {
            "subject": subject,
            "sent_at": sent_at,
            "recipients": recipients,
            "opens": opens,
            "clicks": clicks,
            "unsubscribes": unsubscribes,
            "notes": notes,
        },
        "a broadcast",
    )
    broadcast = EmailBroadcast(**values)
    _check_broadcast(broadcast)
    return add_record(session, actor, broadcast, _flusher(session, _broadcast_label))


@use_case
def update_broadcast(
    session: Session,
    actor: Actor,
    broadcast_id: uuid.UUID,
    expected_version: int | None = None,
    **changes: object,
) -> EmailBroadcast:
    """Change a broadcast's subject, date or numbers (MARKETING, ADMIN)."""
    actor.require(Permission.EDIT_MARKETING)
    values = clean_fields(_BROADCAST_FIELDS, changes, "a broadcast")
    broadcast = get_record(session, EmailBroadcast, broadcast_id, "broadcast_id")
    return _update(
        session, actor, broadcast, expected_version, values, _broadcast_label, _check_broadcast
    )


# --- report ---------------------------------------------------------------------------------


@use_case
def campaign_report(
    session: Session, actor: Actor, start: dt.date, end: dt.date
) -> list[CampaignResult]:
    """Per campaign over the range: spend and what the platform claims (platform ROAS) beside
    the leads, booked calls and net cash its leads really brought (cash ROAS)."""
    actor.require(Permission.VIEW_REPORTS)
    make_range(start, end)
    fresh_snapshot(session)
    return campaign_results(session, start, end)
