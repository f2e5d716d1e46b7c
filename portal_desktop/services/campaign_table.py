"""The Marketing tab's campaigns table: :func:`services.marketing.campaign_report` as plain
rows (:class:`db.marketing_queries.CampaignRow`, safe to hand to the UI thread)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal_desktop.db.marketing_queries import CampaignRow
from portal_desktop.services.context import Actor
from portal_desktop.services.marketing import campaign_report


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
