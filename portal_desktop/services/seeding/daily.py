"""Per-day records: team members' daily metrics, ad performance and email broadcasts."""

from __future__ import annotations

from portal_desktop.services.seeding.clock import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE
from portal_desktop.services.seeding.names import BROADCAST_SUBJECTS, FIRST_NAMES
from portal_desktop.services.seeding.tables import Row
from portal_desktop.services.seeding.tallies import Tallies
from portal_desktop.services.seeding.world import Reference, World, money

BROADCASTS = 50  # a year: weekly, with two weeks off in every 52
_WEEKS_A_YEAR = 52
_BROADCAST_EVERY_DAYS = 7


def daily_metric_rows(world: World, reference: Reference, tallies: Tallies) -> list[Row]:
    """One row per member and working day before today, in line with the seeded calls."""
    window, rng, ids = world.window, world.rng, world.ids
    rows: list[Row] = []
    for member in reference.members:
        is_closer = member in reference.closers
        m = member.index
        for day in window.workdays():
            booked = tallies.booked[m][day]
            if is_closer:
                conversations = tallies.conversations[m][day]
                calls = tallies.dials[m][day] + world.below(3)
                offers, closes = tallies.offers[m][day], tallies.closes[m][day]
                cash = tallies.cash_cents[m][day]
            else:
                conversations = booked + round(booked * (0.6 + 0.8 * rng.random())) + world.below(4)
                calls = round(conversations * (2.5 + 1.5 * rng.random())) + world.below(10)
                offers = closes = cash = 0
            stamp = window.day_start_us(day) + 21 * US_PER_HOUR + world.below(3 * US_PER_HOUR)
            at = window.datetime(stamp)
            rows.append(
                (ids(stamp), member.id, window.date(day), calls, conversations, booked, offers,
                 closes, money(cash), at, at, 1)
            )  # fmt: skip
    return rows


def move_weekend_cash(world: World, tallies: Tallies) -> None:
    """Cash received on a Saturday or Sunday is reported on the next working day."""
    window = world.window
    for cash in tallies.cash_cents:
        for day in range(window.days):
            if cash[day] and not window.is_workday(day):
                cash[window.next_workday(day)] += cash[day]
                cash[day] = 0


def ad_performance_rows(world: World, reference: Reference, tallies: Tallies) -> list[Row]:
    """One row per campaign and day it ran (before today), scaled to the leads it brought."""
    window, rng, ids = world.window, world.rng, world.ids
    rows: list[Row] = []
    for campaign in reference.campaigns:
        leads_by_day = tallies.campaign_leads[campaign.index]
        revenue_by_day = tallies.campaign_revenue_cents[campaign.index]
        cpl = campaign.cost_per_lead_cents
        for day in range(campaign.first_day, min(campaign.stop_day, window.days)):
            actual = leads_by_day[day]
            # Platforms count a little differently from the CRM (view-through, duplicates).
            reported = round(actual * (0.9 + 0.35 * rng.random()))
            spend = round(actual * cpl * (0.85 + 0.3 * rng.random()) + cpl * 0.4 * rng.random())
            impressions = spend * 1000 // campaign.cpm_cents + world.below(100)
            clicks = round(impressions * campaign.click_rate * (0.8 + 0.4 * rng.random()))
            revenue = round(revenue_by_day[day] * (1.0 + 0.4 * rng.random()))
            stamp = window.day_start_us(day + 1) + 6 * US_PER_HOUR + world.below(US_PER_HOUR)
            at = window.datetime(stamp)
            rows.append(
                (ids(stamp), campaign.id, window.date(day), money(spend), impressions, clicks,
                 reported, money(revenue), at, at, 1)
            )  # fmt: skip
    return rows


def broadcast_rows(world: World) -> list[Row]:
    """A weekly newsletter (``BROADCASTS`` a year) to a list that grows with the leads.

    The list starts at 60 % of a year's leads and gains 60 % of a year's leads every year.
    """
    window = world.window
    first_tuesday = (1 - window.first_day.weekday()) % 7
    rows: list[Row] = []
    for year in range(window.years):
        for week in range(BROADCASTS):
            day = first_tuesday + (year * _WEEKS_A_YEAR + week) * _BROADCAST_EVERY_DAYS
            if day < window.days:
                rows.append(_broadcast(world, day))
    return rows


def _broadcast(world: World, day: int) -> Row:
    """The newsletter sent on window day ``day`` (made two days before)."""
    window, rng, ids = world.window, world.rng, world.ids
    subject = BROADCAST_SUBJECTS[world.below(len(BROADCAST_SUBJECTS))].format(
        name=FIRST_NAMES[world.below(len(FIRST_NAMES))], n=3 + world.below(10)
    )
    grown = day / window.days
    size = world.leads / window.years * (0.6 + 0.6 * window.years * grown)
    recipients = round(size) + 150 + world.below(50)
    opens = round(recipients * (0.22 + 0.2 * rng.random()))
    clicks = round(opens * (0.05 + 0.1 * rng.random()))
    unsubscribes = round(recipients * (0.001 + 0.003 * rng.random()))
    made = window.day_start_us(day) - 2 * US_PER_DAY + world.below(8 * US_PER_HOUR)
    sent = window.day_start_us(day) + 15 * US_PER_HOUR + world.below(30) * US_PER_MINUTE
    return (ids(made), subject, window.datetime(sent), recipients, opens, clicks, unsubscribes,
            window.datetime(made), window.datetime(sent), 1)  # fmt: skip
