"""Campaigns, daily ad performance, broadcasts, and the per-campaign report."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal_desktop.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from portal_desktop.models import AdCampaign, AdPerformance, EmailBroadcast
from portal_desktop.models.enums import AdPlatform, AuditAction, CampaignStatus, UserRole
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.marketing.campaigns import (
    campaign_report,
    create_broadcast,
    create_campaign,
    list_campaigns,
    update_broadcast,
    update_campaign,
    upsert_ad_performance,
)
from portal_desktop.services.reporting.kpis import kpi_report
from tests.services.factories import audit_rows
from tests.services.reporting.test_kpis import MARCH, shared_world_fixture

D = Decimal
_fixtures = (shared_world_fixture,)  # registers `shared_world`
MARKETING = Actor(user_id=None, username="mia", role=UserRole.MARKETING)
SALES = Actor(user_id=None, username="sam", role=UserRole.SALES)
DAY = dt.date(2024, 3, 1)


def state(sessions) -> dict[str, list[tuple]]:
    """Every marketing row and the audit count: a refused call must change none of them."""
    with sessions() as session:
        result = {}
        for model in (AdCampaign, AdPerformance, EmailBroadcast):
            columns = [c for c in model.__table__.columns if c.name != "updated_at"]
            rows = session.execute(select(*columns).order_by(model.__table__.c.id)).all()
            result[model.__tablename__] = [tuple(row) for row in rows]
        result["audit_log"] = [(len(audit_rows(session)),)]
        return result


@pytest.fixture
def campaign(sessions) -> AdCampaign:
    with sessions() as session:
        return create_campaign(
            session,
            MARKETING,
            platform="FACEBOOK",
            name="Spring Launch",
            start_date=dt.date(2024, 3, 1),
            end_date=dt.date(2024, 3, 31),
            daily_budget="150.00",
        )


def performance(sessions, campaign_id, day: dt.date = DAY, **numbers):
    values = {"spend": "100.00", "impressions": 10000, "clicks": 250, "leads": 12}
    values |= {"revenue": "480.00"} | numbers
    with sessions() as session:
        return upsert_ad_performance(session, MARKETING, campaign_id, day, **values)


# --- campaigns ----------------------------------------------------------------------------


def test_create_and_edit_a_campaign(sessions, campaign) -> None:
    assert (campaign.platform, campaign.status, campaign.daily_budget) == (
        AdPlatform.FACEBOOK,
        CampaignStatus.ACTIVE,
        D("150.00"),
    )
    with sessions() as session:
        # the same name on another platform is another campaign
        create_campaign(session, SYSTEM, platform=AdPlatform.GOOGLE, name="spring launch")
        edited = update_campaign(
            session, MARKETING, campaign.id, expected_version=1, status="ARCHIVED"
        )
        assert (edited.status, edited.version) == (CampaignStatus.ARCHIVED, 2)
        assert [c.name for c in list_campaigns(session)] == ["spring launch"]
        assert len(list_campaigns(session, include_archived=True)) == 2
        actions = [row.action for row in audit_rows(session, "ad_campaigns")]
        assert actions == [AuditAction.CREATE, AuditAction.CREATE, AuditAction.UPDATE]


BAD_CAMPAIGNS = [
    ({"name": " SPRING launch "}, "name", "already exists"),
    ({"name": ""}, "name", "is required"),
    ({"platform": "MYSPACE"}, "platform", "'MYSPACE' is not one of FACEBOOK"),
    ({"status": "LIVE"}, "status", "is not one of ACTIVE, PAUSED, ARCHIVED"),
    ({"end_date": dt.date(2024, 2, 1)}, "end_date", "is before the start date 2024-03-01"),
    ({"start_date": "2024-03-01"}, "start_date", "is not a date"),
    ({"daily_budget": "-1"}, "daily_budget", "must be 0 or more"),
    ({"daily_budget": 9.99}, "daily_budget", "never a float"),
    ({"clicks": 3}, "clicks", "is not a field of a campaign"),
]


def test_bad_campaign_input_names_the_field_and_changes_nothing(sessions, campaign) -> None:
    with sessions() as session:
        other = create_campaign(session, MARKETING, platform="GOOGLE", name="Other")
    before = state(sessions)
    for changes, field, problem in BAD_CAMPAIGNS:
        with sessions() as session, pytest.raises(ValidationError) as caught:
            values = {"platform": "FACEBOOK", "start_date": DAY} | changes
            if changes.get("name") == " SPRING launch ":  # a rename onto the existing one
                update_campaign(session, MARKETING, other.id, **values)
            else:
                update_campaign(session, MARKETING, campaign.id, **values)
        assert caught.value.field == field, changes
        assert problem in caught.value.problem, (changes, caught.value.problem)
        assert state(sessions) == before
    with sessions() as session, pytest.raises(ValidationError, match="already exists"):
        create_campaign(session, MARKETING, platform="FACEBOOK", name="spring launch")
    assert state(sessions) == before


def test_campaign_permissions_and_conflicts(sessions, campaign) -> None:
    with sessions() as session, pytest.raises(PermissionDeniedError, match="sam"):
        create_campaign(session, SALES, platform="FACEBOOK", name="Nope")
    with sessions() as session:
        update_campaign(session, MARKETING, campaign.id, expected_version=1, name="Renamed")
    with sessions() as session, pytest.raises(ConflictError, match="changed"):
        update_campaign(session, MARKETING, campaign.id, expected_version=1, name="Again")
    with sessions() as session, pytest.raises(NotFoundError, match="campaign_id"):
        update_campaign(session, MARKETING, uuid.uuid4(), name="Ghost")


# --- daily performance --------------------------------------------------------------------


def test_a_day_is_one_row_per_campaign(sessions, campaign) -> None:
    first = performance(sessions, campaign.id)
    assert first.created and first.warnings == ()
    second = performance(sessions, campaign.id, spend="120.50", clicks=300)
    assert not second.created and second.performance.id == first.performance.id
    with sessions() as session:
        rows = session.execute(select(AdPerformance.spend, AdPerformance.clicks)).all()
        assert rows == [(D("120.50"), 300)]
        updates = [r for r in audit_rows(session, "ad_performance") if r.action == "UPDATE"]
        assert updates[0].new_values == {"spend": "120.50", "clicks": 300}


def test_unlikely_numbers_are_saved_with_warnings(sessions, campaign) -> None:
    result = performance(sessions, campaign.id, day=dt.date(2024, 2, 28), clicks=5, leads=9)
    assert result.warnings == (
        "leads (9) is more than clicks (5): fine for lead forms and view-through conversions, "
        "otherwise check the numbers",
        "2024-02-28 is before the campaign's start date",
    )


BAD_PERFORMANCE = [
    ({"clicks": 10001}, "clicks", "is more than the 10,000 impressions"),
    ({"spend": "-0.01"}, "spend", "must be 0 or more"),
    ({"spend": 1.5}, "spend", "never a float"),
    ({"revenue": "1.005"}, "revenue", "more than two decimals"),
    ({"impressions": -3}, "impressions", "-3 is negative"),
    ({"leads": "7"}, "leads", "is not a whole number"),
    ({"day": dt.date(2999, 1, 1)}, "day", "is in the future"),
    ({"day": dt.datetime(2024, 3, 1, tzinfo=dt.UTC)}, "day", "is not a date"),
]


def test_bad_performance_input_names_the_field_and_changes_nothing(sessions, campaign) -> None:
    performance(sessions, campaign.id)
    before = state(sessions)
    for numbers, field, problem in BAD_PERFORMANCE:
        values = dict(numbers)
        day = values.pop("day", DAY)
        with pytest.raises(ValidationError) as caught:
            performance(sessions, campaign.id, day=day, **({"spend": "999.00"} | values))
        assert caught.value.field == field, numbers
        assert problem in caught.value.problem, (numbers, caught.value.problem)
        assert state(sessions) == before
    with pytest.raises(NotFoundError, match="campaign_id"):
        performance(sessions, uuid.uuid4())
    with sessions() as session, pytest.raises(PermissionDeniedError):
        upsert_ad_performance(session, SALES, campaign.id, DAY, "1.00", 1, 1, 1, "0.00")
    assert state(sessions) == before


# --- broadcasts ---------------------------------------------------------------------------


def test_broadcasts(sessions) -> None:
    sent = dt.datetime(2024, 3, 5, 14, tzinfo=dt.UTC)
    with sessions() as session:
        created = create_broadcast(
            session,
            MARKETING,
            subject=" March newsletter ",
            sent_at=sent,
            recipients=1000,
            opens=400,
            clicks=50,
            unsubscribes=3,
        )
        assert (created.subject, created.sent_at, created.opens) == ("March newsletter", sent, 400)
        updated = update_broadcast(session, MARKETING, created.id, expected_version=1, opens=420)
        assert (updated.opens, updated.version) == (420, 2)
    before = state(sessions)
    bad = [
        ({"opens": 1001}, "opens", "is more than the 1,000 recipients"),
        ({"recipients": 10}, "opens", "is more than the 10 recipients"),
        ({"unsubscribes": -1}, "unsubscribes", "-1 is negative"),
        ({"subject": " "}, "subject", "is required"),
        ({"sent_at": dt.datetime(2024, 3, 5, 14)}, "sent_at", "has no time zone"),
        ({"sent_at": dt.datetime(2999, 1, 1, tzinfo=dt.UTC)}, "sent_at", "in the future"),
    ]
    for changes, field, problem in bad:
        with sessions() as session, pytest.raises(ValidationError) as caught:
            update_broadcast(session, MARKETING, created.id, **changes)
        assert (caught.value.field, problem in caught.value.problem) == (field, True), changes
        assert state(sessions) == before
    with sessions() as session, pytest.raises(ValidationError, match="clicks"):
        create_broadcast(session, MARKETING, subject="x", recipients=5, clicks=6)
    with sessions() as session, pytest.raises(PermissionDeniedError):
        create_broadcast(session, SALES, subject="x")
    assert state(sessions) == before


# --- the campaign report ------------------------------------------------------------------


def test_campaign_report_matches_the_hand_computed_values(shared_world) -> None:
    sessions, _ = shared_world
    with sessions() as session:
        results = campaign_report(session, MARKETING, *MARCH)
        kpis = kpi_report(session, SYSTEM, *MARCH)
    # "Dormant" (paused, no numbers) is left out; "Fresh" (active, no numbers) is shown.
    assert [r.name for r in results] == ["Spring FB", "Search G", "Fresh"]
    spring, search, fresh = (r.to_json_dict() for r in results)
    for data in (spring, search, fresh):
        del data["campaign_id"]
    # Spring FB: Mar 1 and Mar 31 rows; lead L1; booked calls K1 K11 (K7 cancelled);
    # cash of ST1 (P1 1000) and ST3 (P8 800 - P3's refund 800).
    assert spring == {
        "platform": "FACEBOOK",
        "name": "Spring FB",
        "status": "ACTIVE",
        "ad_spend": "300.00",
        "impressions": 30000,
        "clicks": 500,
        "click_through_rate": 0.0167,
        "platform_leads": 15,
        "platform_revenue": "900.00",
        "platform_roas": 3.0,
        "leads": 1,
        "calls_booked": 2,
        "attributed_cash": "1000.00",
        "cash_roas": 3.3333,
        "cpl": "300.00",
        "cost_per_booked_call": "150.00",
    }
    # Search G: Mar 15 row; lead L4 (23:30 Mar 31); booked K3 (a no-show; K8 rescheduled).
    assert (search["ad_spend"], search["platform_roas"], search["leads"]) == ("300.00", 0.0, 1)
    assert (search["calls_booked"], search["attributed_cash"], search["cash_roas"]) == (
        1,
        "0.00",
        0.0,
    )
    assert (fresh["ad_spend"], fresh["cash_roas"], fresh["cpl"], fresh["leads"]) == (
        "0.00",
        None,
        None,
        0,
    )
    assert sum(r.ads.spend for r in results) == kpis.ad_spend
    assert sum(r.cash.net for r in results) == kpis.attributed_cash
