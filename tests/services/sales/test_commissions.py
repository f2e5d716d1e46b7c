"""Commissions on net cash: rates, overrides, clawbacks across periods, who may see what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal_desktop.errors import PermissionDeniedError, ValidationError
from portal_desktop.models.enums import UserRole
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.sales.commissions import commission_report
from portal_desktop.services.sales.team import update_team_member
from tests.services.reporting.test_kpis import MARCH, shared_world_fixture, world_fixture

D = Decimal
_fixtures = (shared_world_fixture, world_fixture)  # registers `shared_world` and `world`
APRIL = (dt.date(2024, 4, 1), dt.date(2024, 4, 30))


def lines(report) -> dict[str, tuple]:
    """name -> (closer received, refunds, rate, setter received, refunds, rate, commission)."""
    return {
        row.name: (
            row.as_closer.cash.received,
            row.as_closer.cash.refunds,
            row.as_closer.rate,
            row.as_setter.cash.received,
            row.as_setter.cash.refunds,
            row.as_setter.rate,
            row.commission,
        )
        for row in report.members
    }


def test_march_commissions(shared_world) -> None:
    sessions, _ = shared_world
    with sessions() as session:
        report = commission_report(session, SYSTEM, *MARCH)
    # Bob (own rate 0.12) closed E2, E4, E6: received P2 1200 + P5 300 + P9 1000 + P10 50,
    # refunded P9 250 -> 306.00 - 30.00. Sam (setter, 0.05) set E1, E2, E6: P1 1000 + P2 1200
    # + P10 50 + P5 300 -> 127.50. Alice (0.10) closed E1, E3, E7: P1 1000 + P8 800 + P12 100,
    # refunded P3 800 -> 190.00 - 80.00. Zed: nothing; Dora: inactive and nothing, not listed.
    zero = D("0.00")
    assert lines(report) == {
        "Bob Closer": (D("2550.00"), D("250.00"), D("0.12"), zero, zero, D("0.12"), D("276.00")),
        "Sam Setter": (zero, zero, D("0.10"), D("2550.00"), zero, D("0.05"), D("127.50")),
        "Alice Closer": (D("1900.00"), D("800.00"), D("0.10"), zero, zero, D("0.05"), D("110.00")),
        "Zed Idle": (zero, zero, D("0.10"), zero, zero, D("0.05"), zero),
    }
    assert [row.name for row in report.members][:3] == ["Bob Closer", "Sam Setter", "Alice Closer"]
    assert (report.earned, report.clawback, report.commission) == (
        D("623.50"),  # 306.00 + 127.50 + 190.00
        D("110.00"),  # 30.00 + 80.00
        D("513.50"),
    )
    bob = report.to_json_dict()["members"][0]
    assert bob["as_closer"] == {
        "cash_received": "2550.00",
        "refunds": "250.00",
        "net_cash": "2300.00",
        "rate": "0.1200",
        "rate_source": "member",
        "earned": "306.00",
        "clawback": "30.00",
        "commission": "276.00",
    }
    assert report.to_json_dict()["totals"] == {
        "earned": "623.50",
        "clawback": "110.00",
        "commission": "513.50",
    }


def test_refunds_claw_back_in_the_period_they_are_made(shared_world) -> None:
    sessions, _ = shared_world
    with sessions() as session:
        report = commission_report(session, SYSTEM, *APRIL)
    # April: P7 1000 (E1: Alice, Sam) and P13 300 (E7: Alice) received; P2's 1200 (E2: Bob,
    # Sam) and P8's 300 (E3: Alice) refunded — both payments were March's.
    commissions = {row.name: row.commission for row in report.members}
    assert commissions == {
        "Alice Closer": D("100.00"),  # 130.00 - 30.00
        "Zed Idle": D("0.00"),
        "Sam Setter": D("-10.00"),  # 50.00 - 60.00
        "Bob Closer": D("-144.00"),  # 0 - 1200 * 0.12
    }
    assert list(commissions) == ["Alice Closer", "Zed Idle", "Sam Setter", "Bob Closer"]
    assert report.commission == D("-54.00")


def test_own_rates_round_half_up_to_the_cent(sessions, world) -> None:
    with sessions() as session:
        update_team_member(session, SYSTEM, world.sam, commission_rate="0.0331")
        report = commission_report(session, SYSTEM, *MARCH)
    sam = next(row for row in report.members if row.name == "Sam Setter")
    assert sam.as_setter.rate_is_override
    assert sam.as_setter.earned == D("84.41")  # 2550 * 0.0331 = 84.405


def test_who_may_see_commissions(shared_world) -> None:
    sessions, world = shared_world
    bob = Actor(user_id=None, username="bob", role=UserRole.SALES, team_member_id=world.bob)
    with sessions() as session:
        report = commission_report(session, bob, *MARCH)
        assert [row.name for row in report.members] == ["Bob Closer"]
        unlinked = Actor(user_id=None, username="sal", role=UserRole.SALES)
        with pytest.raises(PermissionDeniedError, match="not linked to a team member"):
            commission_report(session, unlinked, *MARCH)
        marketing = Actor(user_id=None, username="mia", role=UserRole.MARKETING)
        with pytest.raises(PermissionDeniedError, match="view payments"):
            commission_report(session, marketing, *MARCH)


def test_a_bad_range_is_refused(shared_world) -> None:
    sessions, _ = shared_world
    with sessions() as session, pytest.raises(ValidationError) as caught:
        commission_report(session, SYSTEM, dt.date(2024, 4, 1), dt.date(2024, 3, 1))
    assert caught.value.field == "from"
