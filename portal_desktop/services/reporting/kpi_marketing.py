"""Marketing KPIs in SQL: ad spend and what the platforms claim, against the cash the ads'
leads really paid (KPIS.md), in total and per campaign."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models import AdCampaign, AdPerformance
from portal_desktop.models.enums import AdPlatform, CampaignStatus
from portal_desktop.models.rollups import call_day_facts, cash_day_facts, lead_day_facts
from portal_desktop.models.types import Money
from portal_desktop.services.reporting.fact_ranges import facts_in
from portal_desktop.services.reporting.kpi_money import Cash, fact_cash_columns
from portal_desktop.services.reporting.kpi_sql import (
    ZERO,
    in_dates,
    money_sum,
    money_text,
    optional_money_text,
    ratio,
    ratio_number,
)


@dataclass(frozen=True)
class AdTotals:
    """What the ad platforms report for the range, summed over every campaign."""

    spend: Decimal = ZERO
    revenue: Decimal = ZERO
    impressions: int = 0
    clicks: int = 0
    platform_leads: int = 0

    @property
    def platform_roas(self) -> Decimal | None:
        return ratio(self.revenue, self.spend)


@dataclass(frozen=True)
class CampaignResult:
    """One campaign over a range: the platform's claims beside our own records."""

    campaign_id: uuid.UUID
    platform: AdPlatform
    name: str
    status: CampaignStatus
    ads: AdTotals
    leads: int
    calls_booked: int
    cash: Cash

    @property
    def platform_roas(self) -> Decimal | None:
        return self.ads.platform_roas

    @property
    def cash_roas(self) -> Decimal | None:
        return ratio(self.cash.net, self.ads.spend)

    @property
    def cpl(self) -> Decimal | None:
        return ratio(self.ads.spend, self.leads)

    @property
    def cost_per_booked_call(self) -> Decimal | None:
        return ratio(self.ads.spend, self.calls_booked)

    @property
    def click_through_rate(self) -> Decimal | None:
        return ratio(self.ads.clicks, self.ads.impressions)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": str(self.campaign_id),
            "platform": self.platform.value,
            "name": self.name,
            "status": self.status.value,
            "ad_spend": money_text(self.ads.spend),
            "impressions": self.ads.impressions,
            "clicks": self.ads.clicks,
            "click_through_rate": ratio_number(self.click_through_rate),
            "platform_leads": self.ads.platform_leads,
            "platform_revenue": money_text(self.ads.revenue),
            "platform_roas": ratio_number(self.platform_roas),
            "leads": self.leads,
            "calls_booked": self.calls_booked,
            "attributed_cash": money_text(self.cash.net),
            "cash_roas": ratio_number(self.cash_roas),
            "cpl": optional_money_text(self.cpl),
            "cost_per_booked_call": optional_money_text(self.cost_per_booked_call),
        }


def _ad_columns() -> list[ColumnElement[Any]]:
    return [
        money_sum(AdPerformance.spend).label("spend"),
        money_sum(AdPerformance.revenue).label("revenue"),
        _int_sum(AdPerformance.impressions).label("impressions"),
        _int_sum(AdPerformance.clicks).label("clicks"),
        _int_sum(AdPerformance.leads).label("platform_leads"),
    ]


def _int_sum(column: ColumnElement[int]) -> ColumnElement[int]:
    return func.coalesce(func.sum(column), 0, type_=Integer())


def ad_totals(session: Session, start: dt.date, end: dt.date) -> AdTotals:
    """``ad_spend`` and ``platform_revenue`` (and the platforms' counts) of the range."""
    row = session.execute(
        select(*_ad_columns()).where(in_dates(AdPerformance.date, start, end))
    ).one()
    return AdTotals(**row._asdict())


def campaign_results(session: Session, start: dt.date, end: dt.date) -> list[CampaignResult]:
    """Every campaign that is active or has numbers in the range, in one query.

    Leads and booked calls are those of the campaign's leads created / scheduled in the range;
    cash is the net cash (as ``cash_collected``) paid by students whose lead it brought.
    """
    perf = (
        select(AdPerformance.ad_campaign_id.label("campaign_id"), *_ad_columns())
        .where(in_dates(AdPerformance.date, start, end))
        .group_by(AdPerformance.ad_campaign_id)
        .subquery("perf")
    )
    lead_facts, call_facts, cash_facts = (
        facts_in(table, start, end).c for table in (lead_day_facts, call_day_facts, cash_day_facts)
    )
    leads = (
        select(
            lead_facts.ad_campaign_id.label("campaign_id"),
            _int_sum(lead_facts.leads).label("leads"),
        )
        .where(lead_facts.ad_campaign_id.is_not(None))
        .group_by(lead_facts.ad_campaign_id)
        .subquery("lead_counts")
    )
    calls = (
        select(
            call_facts.ad_campaign_id.label("campaign_id"),
            _int_sum(call_facts.booked).label("calls_booked"),
        )
        .where(call_facts.ad_campaign_id.is_not(None))
        .group_by(call_facts.ad_campaign_id)
        .subquery("call_counts")
    )
    cash = (
        select(cash_facts.ad_campaign_id.label("campaign_id"), *fact_cash_columns(cash_facts))
        .where(cash_facts.ad_campaign_id.is_not(None))
        .group_by(cash_facts.ad_campaign_id)
        .subquery("cash")
    )

    def money(column: ColumnElement[Any]) -> ColumnElement[Decimal]:
        return func.coalesce(column, 0, type_=Money()).label(column.key)

    def count(column: ColumnElement[Any]) -> ColumnElement[int]:
        return func.coalesce(column, 0, type_=Integer()).label(column.key)

    query = (
        select(
            AdCampaign.id,
            AdCampaign.platform,
            AdCampaign.name,
            AdCampaign.status,
            money(perf.c.spend),
            money(perf.c.revenue),
            count(perf.c.impressions),
            count(perf.c.clicks),
            count(perf.c.platform_leads),
            count(leads.c.leads),
            count(calls.c.calls_booked),
            money(cash.c.received),
            money(cash.c.refunds),
        )
        .outerjoin(perf, perf.c.campaign_id == AdCampaign.id)
        .outerjoin(leads, leads.c.campaign_id == AdCampaign.id)
        .outerjoin(calls, calls.c.campaign_id == AdCampaign.id)
        .outerjoin(cash, cash.c.campaign_id == AdCampaign.id)
        .where(
            or_(
                AdCampaign.status == CampaignStatus.ACTIVE,
                perf.c.campaign_id.is_not(None),
                leads.c.campaign_id.is_not(None),
                calls.c.campaign_id.is_not(None),
                cash.c.campaign_id.is_not(None),
            )
        )
        .order_by(AdCampaign.platform, AdCampaign.name)
    )
    return [
        CampaignResult(
            campaign_id=row.id,
            platform=row.platform,
            name=row.name,
            status=row.status,
            ads=AdTotals(row.spend, row.revenue, row.impressions, row.clicks, row.platform_leads),
            leads=row.leads,
            calls_booked=row.calls_booked,
            cash=Cash(row.received, row.refunds),
        )
        for row in session.execute(query)
    ]
