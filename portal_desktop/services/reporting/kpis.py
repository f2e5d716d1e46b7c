"""The KPI report: every key of KPIS.md over a local-date range, computed in SQL.

Seven queries in all (the settings, then one per table family with conditional aggregates),
read from one snapshot on PostgreSQL:
leads, sales calls, enrollments, payments, ad performance, installments. Python only divides
the aggregates for the ratios (None when the denominator is 0).

JSON (``KpiReport.to_json_dict``): money as strings with two decimals (amounts per unit —
``aov``, ``cpl``, ``cost_per_booked_call`` — are money too, or null); counts as integers;
ratios as floats rounded to 4 decimals (0.6667 = 66.67 %), or null.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.date_ranges import end_of_day_utc, make_range
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.reporting.kpi_marketing import ad_totals
from portal_desktop.services.reporting.kpi_money import (
    Collection,
    ProgramReceivables,
    Receivables,
    cash_totals,
    installment_totals,
    receivables_by_program,
)
from portal_desktop.services.reporting.kpi_sales import call_counts, enrollment_totals, lead_counts
from portal_desktop.services.reporting.kpi_sql import money_text, ratio, ratio_number
from portal_desktop.services.reporting.rollups import fresh_snapshot

COUNT_KEYS = frozenset(
    {
        "leads",
        "paid_leads",
        "calls_booked",
        "calls_held",
        "no_shows",
        "offers",
        "closes",
        "enrollments",
    }
)
RATIO_KEYS = frozenset(
    {
        "show_rate",
        "offer_rate",
        "close_rate",
        "offer_close_rate",
        "platform_roas",
        "cash_roas",
        "collection_rate",
    }
)

# Short names for tables and charts, in the order of KPIS.md.
KPI_LABELS: dict[str, str] = {
    "leads": "Leads",
    "paid_leads": "Paid leads",
    "calls_booked": "Calls booked",
    "calls_held": "Calls held",
    "no_shows": "No-shows",
    "show_rate": "Show rate",
    "offers": "Offers",
    "offer_rate": "Offer rate",
    "closes": "Closes",
    "close_rate": "Close rate",
    "offer_close_rate": "Offer-to-close rate",
    "enrollments": "Enrollments",
    "contracted_revenue": "Contracted revenue",
    "aov": "Average order value",
    "cash_collected": "Cash collected (net)",
    "refunds": "Refunds",
    "ad_spend": "Ad spend",
    "platform_revenue": "Platform revenue",
    "platform_roas": "Platform ROAS",
    "attributed_cash": "Attributed cash",
    "cash_roas": "Cash ROAS",
    "cpl": "Cost per lead",
    "cost_per_booked_call": "Cost per booked call",
    "receivables": "Receivables",
    "overdue_1_30": "Overdue 1-30 days",
    "overdue_31_60": "Overdue 31-60 days",
    "overdue_61_90": "Overdue 61-90 days",
    "overdue_90_plus": "Overdue 90+ days",
    "collection_rate": "Collection rate",
}
KPI_KEYS: tuple[str, ...] = tuple(KPI_LABELS)


def kpi_kind(key: str) -> str:
    """``"count"``, ``"ratio"`` or ``"money"``: how a KPI is written and shown."""
    if key in COUNT_KEYS:
        return "count"
    return "ratio" if key in RATIO_KEYS else "money"


def json_value(key: str, value: Any) -> Any:
    """A KPI value as KPIS.md's JSON writes it."""
    if value is None:
        return None
    kind = kpi_kind(key)
    if kind == "count":
        return int(value)
    if kind == "ratio":
        return ratio_number(value)
    return money_text(value)


@dataclass(frozen=True)
class KpiReport:
    """Every KPI of KPIS.md over ``[start, end]`` (local days of ``time_zone``)."""

    start: dt.date
    end: dt.date
    currency: str
    time_zone: str
    leads: int
    paid_leads: int
    calls_booked: int
    calls_held: int
    no_shows: int
    show_rate: Decimal | None
    offers: int
    offer_rate: Decimal | None
    closes: int
    close_rate: Decimal | None
    offer_close_rate: Decimal | None
    enrollments: int
    contracted_revenue: Decimal
    aov: Decimal | None
    cash_collected: Decimal
    refunds: Decimal
    ad_spend: Decimal
    platform_revenue: Decimal
    platform_roas: Decimal | None
    attributed_cash: Decimal
    cash_roas: Decimal | None
    cpl: Decimal | None
    cost_per_booked_call: Decimal | None
    receivables: Decimal
    overdue_1_30: Decimal
    overdue_31_60: Decimal
    overdue_61_90: Decimal
    overdue_90_plus: Decimal
    collection_rate: Decimal | None

    def values(self) -> dict[str, Any]:
        """The KPIs alone, by key, in the order of KPIS.md (exact values)."""
        return {key: getattr(self, key) for key in KPI_KEYS}

    def to_json_dict(self) -> dict[str, Any]:
        """Exactly the object of `portal-desktop report kpis --json`."""
        head: dict[str, Any] = {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "currency": self.currency,
            "time_zone": self.time_zone,
        }
        return head | {key: json_value(key, value) for key, value in self.values().items()}


@use_case
def kpi_report(
    session: Session,
    actor: Actor,
    start: dt.date,
    end: dt.date,
    *,
    installments: tuple[Receivables, Collection] | None = None,
) -> KpiReport:
    """Every KPI of KPIS.md over the local days ``start`` … ``end`` (both included);
    ``installments``: the period's receivables and collection when already read
    (``installment_totals_of``, several periods in one pass)."""
    actor.require(Permission.VIEW_REPORTS)
    period = make_range(start, end)
    fresh_snapshot(session)
    settings = load_settings(session)

    leads = lead_counts(session, period)
    calls, paid_lead_calls = call_counts(session, period)
    enrolled = enrollment_totals(session, start, end)
    cash, attributed = cash_totals(session, period)
    ads = ad_totals(session, start, end)
    receivables, collection = installments or installment_totals(session, start, end)

    return KpiReport(
        start=start,
        end=end,
        currency=settings.currency,
        time_zone=settings.time_zone,
        leads=leads.leads,
        paid_leads=leads.paid_leads,
        calls_booked=calls.calls_booked,
        calls_held=calls.calls_held,
        no_shows=calls.no_shows,
        show_rate=calls.show_rate,
        offers=calls.offers,
        offer_rate=calls.offer_rate,
        closes=calls.closes,
        close_rate=calls.close_rate,
        offer_close_rate=calls.offer_close_rate,
        enrollments=enrolled.enrollments,
        contracted_revenue=enrolled.contracted_revenue,
        aov=enrolled.aov,
        cash_collected=cash.net,
        refunds=cash.refunds,
        ad_spend=ads.spend,
        platform_revenue=ads.revenue,
        platform_roas=ads.platform_roas,
        attributed_cash=attributed.net,
        cash_roas=ratio(attributed.net, ads.spend),
        cpl=ratio(ads.spend, leads.paid_leads),
        cost_per_booked_call=ratio(ads.spend, paid_lead_calls),
        receivables=receivables.total,
        overdue_1_30=receivables.overdue_1_30,
        overdue_31_60=receivables.overdue_31_60,
        overdue_61_90=receivables.overdue_61_90,
        overdue_90_plus=receivables.overdue_90_plus,
        collection_rate=collection.rate,
    )


@dataclass(frozen=True)
class ReceivablesReport:
    """What students still owe as of a day: totals, aging buckets, and per program."""

    as_of: dt.date
    currency: str
    totals: Receivables
    by_program: list[ProgramReceivables]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            **receivables_json(self.totals),
            "programs": [
                {"program": row.program, **receivables_json(row.receivables)}
                for row in self.by_program
            ],
        }


def receivables_json(receivables: Receivables) -> dict[str, str]:
    return {
        "receivables": money_text(receivables.total),
        "not_yet_due": money_text(receivables.not_yet_due),
        "overdue": money_text(receivables.overdue),
        "overdue_1_30": money_text(receivables.overdue_1_30),
        "overdue_31_60": money_text(receivables.overdue_31_60),
        "overdue_61_90": money_text(receivables.overdue_61_90),
        "overdue_90_plus": money_text(receivables.overdue_90_plus),
    }


@use_case
def receivables_report(session: Session, actor: Actor, as_of: dt.date) -> ReceivablesReport:
    """Receivables and aging as of the end of the local day ``as_of`` (KPIS.md's definition)."""
    actor.require(Permission.VIEW_FINANCE)
    make_range(as_of, as_of, start_field="as_of", end_field="as_of")
    fresh_snapshot(session)
    settings = load_settings(session)
    end_bound = end_of_day_utc(as_of, settings.tz)
    totals, _ = installment_totals(session, as_of, as_of)
    return ReceivablesReport(
        as_of, settings.currency, totals, receivables_by_program(session, as_of, end_bound)
    )
