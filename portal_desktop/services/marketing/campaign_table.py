"""The Marketing tab's campaigns table: :func:`services.marketing.campaigns.campaign_report` as
plain
rows (:class:`db.marketing_queries.CampaignRow`, safe to hand to the UI thread), and how the
table sorts by a column (:func:`sort_rows`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from portal_desktop.db.marketing_queries import CAMPAIGN_COLUMNS, CampaignRow
from portal_desktop.services.common.context import Actor
from portal_desktop.services.marketing.campaigns import campaign_report


def campaign_rows(
    session: Session, actor: Actor, start: dt.date, end: dt.date
) -> list[CampaignRow]:
    """Every campaign active or with numbers in ``start``..``end`` (both included)."""
    return [
        CampaignRow(
            campaign_id=result.campaign_id,
            platform=result.platform,
            name=result.name,
            status=result.status,
            spend=result.ads.spend,
            platform_revenue=result.ads.revenue,
            platform_roas=result.platform_roas,
            cash=result.cash.net,
            cash_roas=result.cash_roas,
            leads=result.leads,
            cpl=result.cpl,
            calls_booked=result.calls_booked,
            cost_per_booked_call=result.cost_per_booked_call,
        )
        for result in campaign_report(session, actor, start, end)
    ]


def _key(value: Any) -> tuple[bool, Any]:
    """Empty first, then numbers by value and words by their letters (any case)."""
    if value is None:
        return (False, 0)
    if isinstance(value, str):  # names and enum words (StrEnum)
        return (True, value.casefold())
    return (True, value)


def sort_rows(rows: Iterable[CampaignRow], column: int, descending: bool) -> list[CampaignRow]:
    """The rows ordered by column ``column`` of CAMPAIGN_COLUMNS: money, counts and ROAS as
    numbers; text and enum words by their letters. An empty value (no ROAS when nothing was
    spent) comes first ascending and last descending, as in every list; ties keep the order
    of the campaign's name, then its id."""
    if not 0 <= column < len(CAMPAIGN_COLUMNS):
        raise ValueError(f"the campaigns table has no column {column}")
    by_name = sorted(rows, key=lambda row: (row.name.casefold(), str(row.campaign_id)))
    return sorted(by_name, key=lambda row: _key(row.values()[column]), reverse=descending)
