"""The managers' dashboard as plain data: KPI cards and six chart sections over a range.

:func:`dashboard` runs every query (in one snapshot on PostgreSQL) and returns numbers only:
the cards are ``kpi_report``'s figures for the range and for the previous period of the same
length; the funnel, aging, campaigns and leaderboard are the report services' own results;
the time series are SQL aggregates by local day / ISO week / month (:mod:`chart_series`) that
add up to the report's totals. The view plots them; exports write them. The shapes are in
:mod:`.chart_model`, the cards in :mod:`.kpi_cards`.

Click-through
-------------
Every plotted point may carry a :class:`Target`: ``(list_name, filters)`` for
``ctx.bus.show_records``. List names are those of ``db/list_queries.py``. Filter keys (dates
are ``datetime.date``, local days, both ends included; ids are ``uuid.UUID``):

``pipeline`` (leads)
    ``created_from``, ``created_to``: created in those days; ``source``: the lead source
    (``None`` for leads without one); ``ad_campaign_id``: attributed to that campaign.
``sales_calls``
    ``scheduled_from``, ``scheduled_to``; ``stage``: ``"booked"``, ``"held"``, ``"offer"``
    or ``"closed"`` (KPIS.md's calls_booked / calls_held / offers / closes); ``host_id``
    (the closer), ``setter_id``.
``enrollments``
    ``start_from``, ``start_to``: start date in those days; ``closer_id``.
``payment_schedules`` (installments and their payments)
    ``paid_from``, ``paid_to``: payments received in those days; ``bucket``: ``"1-30"``,
    ``"31-60"``, ``"61-90"`` or ``"90+"`` days past due, with ``as_of`` (the day the aging
    is counted at); ``due_from``, ``due_to`` with ``unpaid: True``: installments falling due
    in those days that are not paid.
``marketing``
    ``campaign_id``, with ``date_from``, ``date_to``: that campaign's daily performance.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.models import TeamMember
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.date_ranges import DateRange, make_range
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.marketing.campaigns import campaign_report
from portal_desktop.services.reporting.chart_model import (
    Dashboard,
    Number,
    Panel,
    Section,
    Series,
    Target,
)
from portal_desktop.services.reporting.chart_periods import (
    Granularity,
    bucket_keys,
    fitting_granularity,
    previous_period,
)
from portal_desktop.services.reporting.chart_series import (
    EXPECTED_WEEKS,
    Bucketer,
    expected_cash,
    pair_close_rates,
)
from portal_desktop.services.reporting.chart_trends import money_section, sources_section
from portal_desktop.services.reporting.kpi_cards import kpi_cards
from portal_desktop.services.reporting.kpi_marketing import CampaignResult
from portal_desktop.services.reporting.kpi_money import installment_totals_of
from portal_desktop.services.reporting.kpi_sql import ratio
from portal_desktop.services.reporting.kpi_team import LeaderboardRow
from portal_desktop.services.reporting.kpis import KpiReport, kpi_report
from portal_desktop.services.reporting.rollups import fresh_snapshot
from portal_desktop.services.sales.team import leaderboard

# --- sections -------------------------------------------------------------------------------


FUNNEL_STEPS: tuple[tuple[str, str, str | None], ...] = (
    ("leads", "Leads", None),
    ("calls_booked", "Calls booked", "booked"),
    ("calls_held", "Calls held", "held"),
    ("offers", "Offers", "offer"),
    ("closes", "Closes", "closed"),
)


def _funnel_section(report: KpiReport) -> Section:
    period = {"from": report.start, "to": report.end}
    values: list[Number] = [getattr(report, key) for key, _, _ in FUNNEL_STEPS]
    targets = [
        Target("pipeline", {"created_from": period["from"], "created_to": period["to"]})
        if stage is None
        else Target(
            "sales_calls",
            {"scheduled_from": period["from"], "scheduled_to": period["to"], "stage": stage},
        )
        for _, _, stage in FUNNEL_STEPS
    ]
    rates = {
        "calls_held": ("show rate", report.show_rate),
        "offers": ("offer rate", report.offer_rate),
        "closes": ("close rate", report.close_rate),
    }
    notes = [""]
    for index, (key, _, _) in enumerate(FUNNEL_STEPS[1:], start=1):
        step = ratio(values[index] or 0, values[index - 1] or 0)
        note = f"{percent(step)} of previous"
        if key in rates:
            name, value = rates[key]
            note = f"{name} {percent(value)}"
        notes.append(note)
    panel = Panel(
        "funnel",
        "Funnel",
        "bar",
        "count",
        [label for _, label, _ in FUNNEL_STEPS],
        [Series("Count", values, targets)],
        notes=notes,
    )
    return Section("funnel", "Funnel: leads to closes", [panel])


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


PLATFORM_NAMES = {"FACEBOOK": "Facebook", "GOOGLE": "Google", "YOUTUBE": "YouTube"}


def _campaign_section(campaigns: list[CampaignResult], period: DateRange) -> Section:
    ordered = sorted(campaigns, key=lambda row: (-row.ads.spend, row.name.lower()))
    names = [
        f"{row.name} ({PLATFORM_NAMES.get(row.platform, row.platform.title())})" for row in ordered
    ]
    targets: list[Target | None] = [
        Target(
            "marketing",
            {"campaign_id": row.campaign_id, "date_from": period.start, "date_to": period.end},
        )
        for row in ordered
    ]
    spend = Panel(
        "campaign_spend",
        "Ad spend per campaign",
        "bar",
        "money",
        names,
        [Series("Ad spend", [row.ads.spend for row in ordered], targets)],
    )
    roas = Panel(
        "campaign_roas",
        "Platform ROAS vs cash ROAS",
        "bar",
        "ratio_x",
        names,
        [
            Series("Platform ROAS", [row.platform_roas for row in ordered], targets),
            Series("Cash ROAS", [row.cash_roas for row in ordered], targets),
        ],
    )
    return Section("campaigns", "Campaigns, by spend", [spend, roas])


def _team_section(session: Session, rows: list[LeaderboardRow], period: DateRange) -> Section:
    dates = {"scheduled_from": period.start, "scheduled_to": period.end}
    closers = [row for row in rows if not row.as_closer.is_empty]
    setters = [row for row in rows if not row.as_setter.is_empty]
    closer_targets: list[Target | None] = [
        Target("sales_calls", {**dates, "host_id": row.member_id}) for row in closers
    ]
    closer_cash = Panel(
        "closer_cash",
        "Cash collected per closer",
        "bar",
        "money",
        [row.name for row in closers],
        [
            Series(
                "Cash collected", [row.as_closer.cash_collected for row in closers], closer_targets
            )
        ],
    )
    closer_closes = Panel(
        "closer_closes",
        "Closes per closer",
        "bar",
        "count",
        [row.name for row in closers],
        [Series("Closes", [row.as_closer.calls.closes for row in closers], closer_targets)],
    )
    setter_rate = Panel(
        "setter_close_rate",
        "Close rate per setter",
        "bar",
        "ratio",
        [row.name for row in setters],
        [
            Series(
                "Close rate",
                [row.as_setter.calls.close_rate for row in setters],
                [Target("sales_calls", {**dates, "setter_id": row.member_id}) for row in setters],
            )
        ],
    )
    return Section(
        "team",
        "Team leaderboard",
        [closer_cash, closer_closes, setter_rate, _pair_grid(session, period, dates)],
    )


def _pair_grid(session: Session, period: DateRange, dates: dict[str, dt.date]) -> Panel:
    pairs = pair_close_rates(session, period)
    names = dict(session.execute(select(TeamMember.id, TeamMember.name)).tuples().all())
    closer_ids = sorted({pair.closer_id for pair in pairs}, key=lambda i: names[i].lower())
    setter_ids = sorted({pair.setter_id for pair in pairs}, key=lambda i: names[i].lower())
    by_pair = {(pair.setter_id, pair.closer_id): pair for pair in pairs}

    def cell(setter: uuid.UUID, closer: uuid.UUID) -> Decimal | None:
        pair = by_pair.get((setter, closer))
        return None if pair is None else pair.close_rate

    series = [
        Series(
            names[setter],
            [cell(setter, closer) for closer in closer_ids],
            [
                Target("sales_calls", {**dates, "setter_id": setter, "host_id": closer})
                for closer in closer_ids
            ],
        )
        for setter in setter_ids
    ]
    return Panel(
        "pair_grid",
        "Close rate by setter and closer",
        "grid",
        "ratio",
        [names[closer] for closer in closer_ids],
        series,
        x_title="Closer",
    )


AGING_LABELS = (("overdue_1_30", "1-30"), ("overdue_31_60", "31-60"), ("overdue_61_90", "61-90"))
AGING = (*AGING_LABELS, ("overdue_90_plus", "90+"))


def _receivables_section(session: Session, report: KpiReport) -> Section:
    aging = Panel(
        "aging",
        f"Overdue receivables as of {report.end.isoformat()}",
        "bar",
        "money",
        [f"{label} days" for _, label in AGING],
        [
            Series(
                "Overdue",
                [getattr(report, key) for key, _ in AGING],
                [
                    Target("payment_schedules", {"bucket": label, "as_of": report.end})
                    for _, label in AGING
                ],
            )
        ],
        x_title="Days past due",
    )
    dialect = session.get_bind().dialect.name
    weeks = expected_cash(session, report.end, dialect)
    starts = [report.end + dt.timedelta(days=1 + 7 * index) for index in range(EXPECTED_WEEKS)]
    last = report.end + dt.timedelta(days=90)
    expected = Panel(
        "expected_cash",
        "Cash expected from scheduled installments, next 90 days",
        "bar",
        "money",
        [start.isoformat() for start in starts],
        [
            Series(
                "Expected",
                list(weeks),
                [
                    Target(
                        "payment_schedules",
                        {
                            "due_from": start,
                            "due_to": min(start + dt.timedelta(days=6), last),
                            "unpaid": True,
                        },
                    )
                    for start in starts
                ],
            )
        ],
        x_title="Week starting",
    )
    return Section("receivables", "Receivables", [aging, expected])


@use_case
def dashboard(
    session: Session,
    actor: Actor,
    start: dt.date,
    end: dt.date,
    granularity: Granularity = Granularity.WEEK,
) -> Dashboard:
    """Cards and chart sections over the local days ``start`` … ``end``.

    The granularity is coarsened when it would give more than ``MAX_BUCKETS`` points.
    """
    actor.require(Permission.VIEW_REPORTS)
    period = make_range(start, end)
    before = previous_period(period)
    fresh_snapshot(session)
    settings = load_settings(session)
    now_due, before_due = installment_totals_of(
        session, [(period.start, period.end), (before.start, before.end)]
    )
    report = kpi_report(session, actor, period.start, period.end, installments=now_due)
    previous_report = kpi_report(session, actor, before.start, before.end, installments=before_due)
    grain = fitting_granularity(period, granularity)
    buckets = Bucketer(period, grain, session.get_bind().dialect.name)
    keys = bucket_keys(period, grain)
    sections = [
        money_section(session, buckets, keys),
        _funnel_section(report),
        _campaign_section(campaign_report(session, actor, start, end), period),
        _team_section(session, leaderboard(session, actor, start, end), period),
        _receivables_section(session, report),
        sources_section(session, buckets, keys),
    ]
    return Dashboard(
        period=period,
        previous=before,
        granularity=grain,
        currency=settings.currency,
        time_zone=settings.time_zone,
        made_at=clock.now(),
        report=report,
        previous_report=previous_report,
        cards=kpi_cards(report, previous_report),
        sections=sections,
    )
