"""The Marketing tab's lists and look-ups (no Qt here).

* ``AD_PERFORMANCE``: one campaign's days (the tab filters by campaign and range);
* ``EMAIL_BROADCASTS``: newsletters and their engagement numbers;
* :class:`CampaignRow` / :data:`CAMPAIGN_COLUMNS`: the campaigns table's rows and columns
  (``services.marketing.campaign_table.campaign_rows`` fills them);
* :func:`campaign_values`, :func:`broadcast_values`, :func:`performance_day`: what an edit
  dialog starts from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop.db.query_spec import ColumnKind, ListColumn, ListSpec, SortOrder
from portal_desktop.db.tables import table_of
from portal_desktop.models import AdCampaign, AdPerformance, EmailBroadcast
from portal_desktop.models.enums import AdPlatform, CampaignStatus

K = ColumnKind

performance = table_of(AdPerformance)
broadcasts = table_of(EmailBroadcast)


AD_PERFORMANCE = ListSpec(
    name="ad_performance",
    title="Daily performance",
    noun="day",
    base=performance,
    key=performance.c.id,
    columns=(
        ListColumn("Date", performance.c.date, K.DATE, width=11),
        ListColumn("Spend", performance.c.spend, K.MONEY, width=12),
        ListColumn("Impressions", performance.c.impressions, K.NUMBER, width=11),
        ListColumn("Clicks", performance.c.clicks, K.NUMBER, width=9),
        ListColumn("Leads", performance.c.leads, K.NUMBER, width=8),
        ListColumn("Revenue", performance.c.revenue, K.MONEY, width=12),
    ),
    default_sort=SortOrder(0, descending=True),
)

EMAIL_BROADCASTS = ListSpec(
    name="email_broadcasts",
    title="Email broadcasts",
    noun="broadcast",
    base=broadcasts,
    key=broadcasts.c.id,
    columns=(
        ListColumn("Subject", broadcasts.c.subject, width=40),
        ListColumn("Sent at", broadcasts.c.sent_at, K.DATETIME, width=16, null_text="Not sent"),
        ListColumn("Recipients", broadcasts.c.recipients, K.NUMBER, width=10),
        ListColumn("Opens", broadcasts.c.opens, K.NUMBER, width=9),
        ListColumn("Clicks", broadcasts.c.clicks, K.NUMBER, width=9),
        ListColumn("Unsubscribes", broadcasts.c.unsubscribes, K.NUMBER, width=11),
    ),
    default_sort=SortOrder(1, descending=True),
    search_in=(broadcasts.c.subject,),
)


class CampaignColumn(NamedTuple):
    """A column of the campaigns table: its title, kind and width (in average characters)."""

    title: str
    kind: ColumnKind
    width: int = 11


# The columns of the campaigns table (screen and export), in the order CampaignRow lists them.
CAMPAIGN_COLUMNS: tuple[CampaignColumn, ...] = (
    CampaignColumn("Platform", K.ENUM, 10),
    CampaignColumn("Campaign", K.TEXT, 30),
    CampaignColumn("Status", K.ENUM, 10),
    CampaignColumn("Spend", K.MONEY, 12),
    CampaignColumn("Platform revenue", K.MONEY, 14),
    CampaignColumn("Platform ROAS", K.NUMBER),
    CampaignColumn("Cash", K.MONEY, 12),
    CampaignColumn("Cash ROAS", K.NUMBER),
    CampaignColumn("Leads", K.NUMBER, 8),
    CampaignColumn("CPL", K.MONEY),
    CampaignColumn("Booked calls", K.NUMBER),
    CampaignColumn("Cost / booked call", K.MONEY, 14),
)


@dataclass(frozen=True)
class CampaignRow:
    """One campaign over the chosen range, as plain values (safe across threads)."""

    campaign_id: uuid.UUID
    platform: AdPlatform
    name: str
    status: CampaignStatus
    spend: Decimal
    platform_revenue: Decimal
    platform_roas: Decimal | None
    cash: Decimal
    cash_roas: Decimal | None
    leads: int
    cpl: Decimal | None
    calls_booked: int
    cost_per_booked_call: Decimal | None

    def values(self) -> tuple[Any, ...]:
        """The cells in the order of :data:`CAMPAIGN_COLUMNS`."""
        return (
            self.platform,
            self.name,
            self.status,
            self.spend,
            self.platform_revenue,
            self.platform_roas,
            self.cash,
            self.cash_roas,
            self.leads,
            self.cpl,
            self.calls_booked,
            self.cost_per_booked_call,
        )


def _values(record: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {"id": record.id, "version": record.version, **{f: getattr(record, f) for f in fields}}


CAMPAIGN_FIELDS = (
    "platform",
    "name",
    "status",
    "external_id",
    "start_date",
    "end_date",
    "daily_budget",
)
BROADCAST_FIELDS = ("subject", "sent_at", "recipients", "opens", "clicks", "unsubscribes", "notes")


def campaign_values(session: Session, campaign_id: uuid.UUID) -> dict[str, Any]:
    campaign = session.get(AdCampaign, campaign_id)
    if campaign is None:
        raise LookupError(f"No campaign with id {campaign_id}; reload the list.")
    return _values(campaign, CAMPAIGN_FIELDS)


def broadcast_values(session: Session, broadcast_id: uuid.UUID) -> dict[str, Any]:
    broadcast = session.get(EmailBroadcast, broadcast_id)
    if broadcast is None:
        raise LookupError(f"No broadcast with id {broadcast_id}; reload the list.")
    return _values(broadcast, BROADCAST_FIELDS)


def performance_day(session: Session, row_id: uuid.UUID) -> dict[str, Any]:
    """A saved day of a campaign: its campaign, date and numbers."""
    row = session.execute(
        select(
            performance.c.ad_campaign_id,
            performance.c.date,
            performance.c.spend,
            performance.c.impressions,
            performance.c.clicks,
            performance.c.leads,
            performance.c.revenue,
        ).where(performance.c.id == row_id)
    ).one_or_none()
    if row is None:
        raise LookupError("That day is no longer there; reload the list.")
    return row._asdict()
