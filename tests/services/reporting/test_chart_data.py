"""The dashboard's data against hand-computed values on test_kpis' fixed world (March 2024,
New York time) and against ``kpi_report`` / the report services over the same range."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from portal_desktop.errors import ValidationError
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.marketing.campaigns import campaign_report
from portal_desktop.services.reporting.chart_data import dashboard
from portal_desktop.services.reporting.chart_model import Dashboard, Target
from portal_desktop.services.reporting.chart_periods import (
    MAX_BUCKETS,
    Granularity,
    Preset,
    bucket_keys,
    fitting_granularity,
    preset_range,
    previous_period,
)
from portal_desktop.services.reporting.kpi_cards import (
    FALLBACK_DEFINITIONS,
    KPIS_FILE,
    kpi_definitions,
)
from portal_desktop.services.reporting.kpi_money import installment_totals, installment_totals_of
from portal_desktop.services.reporting.kpis import kpi_report
from portal_desktop.services.sales.team import leaderboard
from tests.services.reporting import test_kpis
from tests.services.reporting.test_kpis import MARCH

D = Decimal
shared_world = test_kpis.shared_world_fixture  # one fixed world per backend
WEEKS = [dt.date(2024, 2, 26), *(dt.date(2024, 3, day) for day in (4, 11, 18, 25))]


def load(sessions, granularity: Granularity, period: tuple[dt.date, dt.date] = MARCH) -> Dashboard:
    with sessions() as session:
        return dashboard(session, SYSTEM, *period, granularity)


def values(board: Dashboard, panel: str, series: int = 0) -> list:
    return board.panel(panel).series[series].values


# --- periods (no database) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        (Preset.THIS_MONTH, dt.date(2024, 5, 1), dt.date(2024, 5, 15)),
        (Preset.LAST_MONTH, dt.date(2024, 4, 1), dt.date(2024, 4, 30)),
        (Preset.LAST_30_DAYS, dt.date(2024, 4, 16), dt.date(2024, 5, 15)),
        (Preset.LAST_90_DAYS, dt.date(2024, 2, 16), dt.date(2024, 5, 15)),
        (Preset.THIS_QUARTER, dt.date(2024, 4, 1), dt.date(2024, 5, 15)),
        (Preset.YEAR_TO_DATE, dt.date(2024, 1, 1), dt.date(2024, 5, 15)),
        (Preset.LAST_12_MONTHS, dt.date(2023, 6, 1), dt.date(2024, 5, 15)),
    ],
)
def test_presets(preset: Preset, start: dt.date, end: dt.date) -> None:
    assert preset_range(preset, dt.date(2024, 5, 15)) == DateRange(start, end)


def test_last_month_in_january_is_december() -> None:
    got = preset_range(Preset.LAST_MONTH, dt.date(2024, 1, 10))
    assert got == DateRange(dt.date(2023, 12, 1), dt.date(2023, 12, 31))


def test_a_custom_range_has_no_preset_days() -> None:
    with pytest.raises(ValidationError):
        preset_range(Preset.CUSTOM, dt.date(2024, 1, 10))


def test_the_previous_period_has_the_same_length() -> None:
    march = DateRange(*MARCH)
    assert previous_period(march) == DateRange(dt.date(2024, 1, 30), dt.date(2024, 2, 29))


def test_buckets_are_iso_weeks_and_months() -> None:
    march = DateRange(*MARCH)
    assert bucket_keys(march, Granularity.WEEK) == WEEKS
    assert bucket_keys(march, Granularity.MONTH) == [dt.date(2024, 3, 1)]
    assert len(bucket_keys(march, Granularity.DAY)) == 31
    five_years = DateRange(dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    assert fitting_granularity(five_years, Granularity.DAY) is Granularity.WEEK
    assert len(bucket_keys(five_years, Granularity.WEEK)) <= MAX_BUCKETS


def test_definitions_come_from_kpis_md_or_the_built_in_copy(tmp_path: Path) -> None:
    assert kpi_definitions(tmp_path / "missing.md") == FALLBACK_DEFINITIONS
    page = tmp_path / "KPIS.md"
    page.write_text(
        "| key | definition |\n|---|---|\n| `close_rate` | `closes / held` (changed) |\n"
        "| `overdue_1_30`, `overdue_31_60` | by days past due |\n",
        encoding="utf-8",
    )
    got = kpi_definitions(page)
    assert got["close_rate"] == "`closes / held` (changed)"
    assert got["overdue_31_60"] == "by days past due"
    assert got["show_rate"] == FALLBACK_DEFINITIONS["show_rate"]


def test_the_built_in_copy_matches_the_shipped_kpis_md() -> None:
    if not KPIS_FILE.exists():
        pytest.skip("resources/KPIS.md is not shipped in this checkout")
    shipped = kpi_definitions(KPIS_FILE)
    assert {key: shipped[key] for key in FALLBACK_DEFINITIONS} == FALLBACK_DEFINITIONS


# --- series against hand-computed values ----------------------------------------------------


def test_weekly_money_series(shared_world: tuple) -> None:
    sessions, _ = shared_world
    board = load(sessions, Granularity.WEEK)
    panel = board.panel("money_over_time")
    assert panel.categories == [week.isoformat() for week in WEEKS]
    # P1 1000 + P12 100 | P8 800 - P3's refund 800 (Mar 10 EDT) | P2 1200 | P10 50 |
    # P5 300 (23:30 Mar 31 EDT) + P9 1000 - its refund 250
    assert values(board, "money_over_time", 0) == [D(1100), D(0), D(1200), D(50), D(1050)]
    # E1 3000 (Mar 1) | - | E2 1200 (Mar 12) | - | E4 1000 (Mar 31, cancelled still counts)
    assert values(board, "money_over_time", 1) == [D(3000), D(0), D(1200), D(0), D(1000)]


def test_daily_cash_follows_local_days(shared_world: tuple) -> None:
    sessions, _ = shared_world
    board = load(sessions, Granularity.DAY)
    cash = dict(
        zip(
            board.panel("money_over_time").categories, values(board, "money_over_time"), strict=True
        )
    )
    nonzero = {day: amount for day, amount in cash.items() if amount}
    assert nonzero == {
        "2024-03-01": D(1000),
        "2024-03-02": D(100),
        "2024-03-05": D(800),
        "2024-03-10": D(-800),
        "2024-03-12": D(1200),
        "2024-03-20": D(50),
        "2024-03-31": D(1050),
    }


def test_lead_sources_by_week(shared_world: tuple) -> None:
    sessions, _ = shared_world
    board = load(sessions, Granularity.WEEK)
    panel = board.panel("lead_sources")
    assert [series.name for series in panel.series] == ["facebook"]
    assert values(board, "lead_sources") == [1, 0, 1, 1, 1]  # L1, L3, L6, L4 (23:30 Mar 31)
    assert panel.series[0].targets[2] == Target(
        "pipeline",
        {"source": "facebook", "created_from": WEEKS[2], "created_to": dt.date(2024, 3, 17)},
    )


def test_expected_cash_over_the_next_90_days(shared_world: tuple) -> None:
    sessions, _ = shared_world
    board = load(sessions, Granularity.MONTH)
    weeks = values(board, "expected_cash")
    # I1b 1000 + E5's 500, both due Apr 1 (P7 paid after Mar 31 ends); I1c 1000 due May 1
    assert weeks[0] == D(1500)
    assert weeks[4] == D(1000)
    assert sum(weeks) == D(2500)
    assert len(weeks) == 13


def test_pair_grid(shared_world: tuple) -> None:
    sessions, _ = shared_world
    panel = load(sessions, Granularity.MONTH).panel("pair_grid")
    assert panel.categories == ["Alice Closer", "Bob Closer"]
    assert [series.name for series in panel.series] == ["Sam Setter"]
    assert panel.series[0].values == [D(1), D(1)]  # K1 won; K10 won (K3 a no-show)


# --- equal to the report over the same range ------------------------------------------------


@pytest.mark.parametrize("granularity", list(Granularity))
def test_series_add_up_to_the_report(shared_world: tuple, granularity: Granularity) -> None:
    sessions, _ = shared_world
    board = load(sessions, granularity)
    with sessions() as session:
        report = kpi_report(session, SYSTEM, *MARCH)
    assert sum(values(board, "money_over_time", 0)) == report.cash_collected == D(3400)
    assert sum(values(board, "money_over_time", 1)) == report.contracted_revenue
    assert sum(sum(s.values) for s in board.panel("lead_sources").series) == report.leads
    assert values(board, "funnel") == [
        report.leads,
        report.calls_booked,
        report.calls_held,
        report.offers,
        report.closes,
    ]
    assert values(board, "aging") == [D(1500), D(200), D(800), D(800)]
    assert board.report == report


def test_cards_compare_with_the_previous_period(shared_world: tuple) -> None:
    sessions, _ = shared_world
    board = load(sessions, Granularity.WEEK)
    with sessions() as session:
        before = kpi_report(session, SYSTEM, dt.date(2024, 1, 30), dt.date(2024, 2, 29))
    cards = {card.key: card for card in board.cards}
    assert list(cards) == [
        "cash_collected",
        "contracted_revenue",
        "cash_roas",
        "show_rate",
        "close_rate",
        "receivables_overdue",
    ]
    assert cards["cash_collected"].value == D(3400)
    assert cards["cash_collected"].previous == before.cash_collected
    # February: P4 300 (Feb 1) only
    assert before.cash_collected == D(300)
    assert cards["cash_collected"].change == (D(3400) - D(300)) / D(300)
    assert cards["receivables_overdue"].value == D(3300)  # 1500 + 200 + 800 + 800
    assert cards["show_rate"].value == D(7) / D(9)
    assert "calls_held" in cards["show_rate"].definition


def test_campaigns_and_leaderboard_are_the_report_services(shared_world: tuple) -> None:
    sessions, world = shared_world
    board = load(sessions, Granularity.WEEK)
    with sessions() as session:
        campaigns = campaign_report(session, SYSTEM, *MARCH)
        team = leaderboard(session, SYSTEM, *MARCH)
    spend = board.panel("campaign_spend")
    ordered = sorted(campaigns, key=lambda row: (-row.ads.spend, row.name.lower()))
    assert spend.series[0].values == [row.ads.spend for row in ordered]
    assert [name.split(" (")[0] for name in spend.categories] == ["Search G", "Spring FB", "Fresh"]
    roas = board.panel("campaign_roas")
    assert roas.series[0].values == [row.platform_roas for row in ordered]
    assert roas.series[1].values == [row.cash_roas for row in ordered]
    assert roas.series[1].values[1] == D(1000) / D(300)  # Spring FB: ST1's 1000
    closers = [row for row in team if not row.as_closer.is_empty]
    assert values(board, "closer_cash") == [row.as_closer.cash_collected for row in closers]
    assert values(board, "closer_closes") == [row.as_closer.calls.closes for row in closers]
    assert board.panel("closer_closes").series[0].targets[0].filters["host_id"] in {
        world.alice,
        world.bob,
    }


def test_click_targets_name_the_records(shared_world: tuple) -> None:
    sessions, _ = shared_world
    board = load(sessions, Granularity.WEEK)
    aging = board.panel("aging").series[0].targets
    assert aging[1] == Target("payment_schedules", {"bucket": "31-60", "as_of": MARCH[1]})
    closes = board.panel("funnel").series[0].targets[4]
    assert closes == Target(
        "sales_calls", {"scheduled_from": MARCH[0], "scheduled_to": MARCH[1], "stage": "closed"}
    )
    cash = board.panel("money_over_time").series[0].targets[0]
    # the first week is cut to the range: it starts on Mar 1, not Feb 26
    assert cash == Target(
        "payment_schedules", {"paid_from": MARCH[0], "paid_to": dt.date(2024, 3, 3)}
    )


def test_an_empty_range_has_empty_panels(shared_world: tuple) -> None:
    sessions, _ = shared_world
    board = load(sessions, Granularity.WEEK, (dt.date(2030, 1, 1), dt.date(2030, 1, 31)))
    empty = {panel.key for section in board.sections for panel in section.panels if panel.is_empty}
    assert {"money_over_time", "funnel", "lead_sources", "pair_grid", "expected_cash"} <= empty
    assert not board.panel("aging").is_empty  # old debts are still overdue in 2030


def test_a_reversed_range_is_refused(shared_world: tuple) -> None:
    sessions, _ = shared_world
    with sessions() as session, pytest.raises(ValidationError):
        dashboard(session, SYSTEM, MARCH[1], MARCH[0])


def test_the_dashboards_two_periods_read_in_one_pass_equal_each_read_alone(
    shared_world: tuple,
) -> None:
    """The dashboard reads receivables and collection of its range and the period before it
    in one pass over the facts; each equals the single-period read, and the cards the
    dashboard builds from them equal kpi_report's own."""
    sessions, _ = shared_world
    periods = [
        (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
        (dt.date(2024, 12, 31), dt.date(2025, 3, 31)),
    ]
    with sessions() as session:
        together = installment_totals_of(session, periods)
        alone = [installment_totals(session, *period) for period in periods]
        board = dashboard(session, SYSTEM, *periods[0], Granularity.MONTH)
        report = kpi_report(session, SYSTEM, *periods[0])
    assert together == alone
    assert board.report == report
