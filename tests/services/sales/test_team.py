"""Team members, daily metrics, the leaderboard and the reported-vs-recorded check."""

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
from portal_desktop.models import AuditEntry, DailyMetric, TeamMember
from portal_desktop.models.enums import AuditAction, TeamRole, UserRole
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.reporting.kpi_team import Credited
from portal_desktop.services.sales.team import (
    create_team_member,
    daily_metrics,
    delete_team_member,
    leaderboard,
    list_team_members,
    reported_vs_recorded,
    update_team_member,
    upsert_daily_metric,
)
from tests.services.factories import audit_rows, count_rows, make_team_member
from tests.services.reporting.test_kpis import MARCH, World, shared_world_fixture, world_fixture

D = Decimal
DAY = dt.date(2024, 3, 1)
_fixtures = (shared_world_fixture, world_fixture)  # registers `shared_world` and `world`


@pytest.fixture
def member(sessions) -> TeamMember:
    with sessions() as session:
        created = make_team_member(session, name="Carla Closer")
        session.commit()
        return created


def sales_actor(member_id) -> Actor:
    return Actor(user_id=None, username="carla", role=UserRole.SALES, team_member_id=member_id)


def metric_state(sessions) -> list[tuple]:
    """Every daily metric's values and the audit count: a failed call must change neither."""
    with sessions() as session:
        rows = session.execute(
            select(
                DailyMetric.team_member_id,
                DailyMetric.date,
                DailyMetric.calls,
                DailyMetric.conversations,
                DailyMetric.booked,
                DailyMetric.offers,
                DailyMetric.closes,
                DailyMetric.cash,
                DailyMetric.version,
            ).order_by(DailyMetric.date)
        ).all()
        return [tuple(row) for row in rows] + [(len(audit_rows(session)),)]


def upsert(sessions, actor: Actor, member_id, day: dt.date = DAY, **numbers):
    values = {"calls": 10, "conversations": 5, "booked": 3, "offers": 2, "closes": 1}
    values |= {"cash": "1500.00"} | numbers
    with sessions() as session:
        return upsert_daily_metric(session, actor, member_id, day, **values)


# --- members ------------------------------------------------------------------------------


def test_create_update_and_list_members(sessions) -> None:
    with sessions() as session:
        created = create_team_member(
            session,
            SYSTEM,
            name="  Nia Closer ",
            role="CLOSER",
            email="nia@example.com",
            commission_rate="0.125",
        )
        assert (created.name, created.role, created.commission_rate) == (
            "Nia Closer",
            TeamRole.CLOSER,
            D("0.125"),
        )
        updated = update_team_member(
            session, SYSTEM, created.id, expected_version=1, role="SETTER", commission_rate=None
        )
        assert (updated.role, updated.commission_rate, updated.version) == (
            TeamRole.SETTER,
            None,
            2,
        )
        update_team_member(session, SYSTEM, created.id, active=False)
    with sessions() as session:
        assert [m.name for m in list_team_members(session)] == []
        assert [m.name for m in list_team_members(session, include_inactive=True)] == ["Nia Closer"]
        actions = [row.action for row in audit_rows(session, "team_members")]
        assert actions == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.UPDATE]


BAD_MEMBER_CHANGES = [
    ({"name": "   "}, "name", "is required"),
    ({"role": "BOSS"}, "role", "'BOSS' is not one of CLOSER, SETTER, DM_SETTER"),
    ({"commission_rate": "1.5"}, "commission_rate", "not between 0 and 1"),
    ({"commission_rate": 0.1}, "commission_rate", "not a rate"),
    ({"commission_rate": "0.12345"}, "commission_rate", "more than 4 decimals"),
    ({"email": "not-an-email"}, "email", "is not an email address"),
    ({"active": "yes"}, "active", "is not true or false"),
    ({"salary": 1}, "salary", "is not a field of a team member"),
]


def test_bad_member_input_names_the_field_and_changes_nothing(sessions, member) -> None:
    for changes, field, problem in BAD_MEMBER_CHANGES:
        with sessions() as session, pytest.raises(ValidationError) as caught:
            update_team_member(session, SYSTEM, member.id, **({"name": "Changed"} | changes))
        assert caught.value.field == field, changes
        assert problem in caught.value.problem, (changes, caught.value.problem)
        with sessions() as session:
            again = session.get(TeamMember, member.id)
            assert (again.name, again.version, again.active) == ("Carla Closer", 1, True)
            assert audit_rows(session) == []


def test_create_with_bad_input_writes_nothing(sessions) -> None:
    with sessions() as session, pytest.raises(ValidationError) as caught:
        create_team_member(session, SYSTEM, name="Ok", role=TeamRole.SETTER, commission_rate="-1")
    assert caught.value.field == "commission_rate"
    with sessions() as session:
        assert count_rows(session, TeamMember, AuditEntry) == {"team_members": 0, "audit_log": 0}


def test_a_stale_version_is_a_conflict(sessions, member) -> None:
    with sessions() as session:
        update_team_member(session, SYSTEM, member.id, expected_version=1, name="Carla C.")
    with sessions() as session, pytest.raises(ConflictError, match="another machine"):
        update_team_member(session, SYSTEM, member.id, expected_version=1, name="Carla X")
    with sessions() as session:
        assert session.get(TeamMember, member.id).name == "Carla C."


def test_only_admins_manage_members(sessions, member) -> None:
    with sessions() as session, pytest.raises(PermissionDeniedError, match="manage team"):
        create_team_member(session, sales_actor(member.id), name="X", role="CLOSER")
    with sessions() as session, pytest.raises(NotFoundError, match="team_member_id"):
        update_team_member(session, SYSTEM, uuid.UUID(int=1), name="Ghost")


def test_delete_a_member_unless_credited(sessions, world) -> None:
    with sessions() as session:
        delete_team_member(session, SYSTEM, world.zed)  # never credited with anything
    with sessions() as session, pytest.raises(ConflictError, match="deactivate them instead"):
        delete_team_member(session, SYSTEM, world.sam)  # setter of calls and enrollments
    upsert(sessions, SYSTEM, world.dora)  # Dora's only history: one day of numbers
    with sessions() as session, pytest.raises(ConflictError, match="daily numbers"):
        delete_team_member(session, SYSTEM, world.dora)
    with sessions() as session:
        assert session.get(TeamMember, world.zed) is None
        assert session.get(TeamMember, world.sam) is not None
        assert [row.action for row in audit_rows(session, "team_members")] == [AuditAction.DELETE]


# --- daily metrics ------------------------------------------------------------------------


def test_a_second_entry_for_the_day_updates_the_one_row(sessions, member) -> None:
    first = upsert(sessions, SYSTEM, member.id, cash="1500.00")
    assert first.created and first.warnings == ()
    second = upsert(sessions, SYSTEM, member.id, closes=2, cash="2500.50")
    assert not second.created
    assert second.metric.id == first.metric.id
    with sessions() as session:
        rows = daily_metrics(session, member.id, DAY, DAY)
        assert [(row.closes, row.cash, row.version) for row in rows] == [(2, D("2500.50"), 2)]
        audit = audit_rows(session, "daily_metrics")
        assert [row.action for row in audit] == [AuditAction.CREATE, AuditAction.UPDATE]
        assert audit[1].new_values == {"closes": 2, "cash": "2500.50"}


def test_the_same_numbers_again_change_nothing(sessions, member) -> None:
    upsert(sessions, SYSTEM, member.id)
    upsert(sessions, SYSTEM, member.id)
    with sessions() as session:
        assert len(audit_rows(session, "daily_metrics")) == 1
        assert daily_metrics(session, member.id, DAY, DAY)[0].version == 1


def test_inconsistent_numbers_are_saved_with_warnings(sessions, member) -> None:
    result = upsert(sessions, SYSTEM, member.id, conversations=1, offers=2, closes=3)
    assert result.warnings == (
        "closes (3) is more than offers (2): every close needs an offer",
        "offers (2) is more than conversations (1): every offer is made in a conversation",
    )
    with sessions() as session:
        assert daily_metrics(session, member.id, DAY, DAY)[0].closes == 3


def test_sales_enter_their_own_numbers_only(sessions, member, world) -> None:
    own = upsert(sessions, sales_actor(member.id), member.id)
    assert own.created
    before = metric_state(sessions)
    with pytest.raises(PermissionDeniedError, match="only enter their own"):
        upsert(sessions, sales_actor(member.id), world.alice)
    marketing = Actor(user_id=None, username="mia", role=UserRole.MARKETING)
    with pytest.raises(PermissionDeniedError, match="daily metrics"):
        upsert(sessions, marketing, member.id)
    assert metric_state(sessions) == before


BAD_METRICS = [
    ({"calls": -1}, "calls", "-1 is negative"),
    ({"booked": "3"}, "booked", "is not a whole number"),
    ({"offers": True}, "offers", "is not a whole number"),
    ({"closes": 2.0}, "closes", "is not a whole number"),
    ({"cash": -5}, "cash", "must be 0 or more"),
    ({"cash": 10.5}, "cash", "never a float"),
    ({"cash": "12.345"}, "cash", "more than two decimals"),
    ({"cash": "lots"}, "cash", "is not an amount"),
    ({"conversations": 10**9}, "conversations", "more than the maximum"),
    ({"day": dt.date(2999, 1, 1)}, "day", "is in the future"),
    ({"day": "2024-03-01"}, "day", "is not a date"),
]


def test_bad_metric_input_names_the_field_and_changes_nothing(sessions, member) -> None:
    upsert(sessions, SYSTEM, member.id)  # an existing row that must stay as it is
    before = metric_state(sessions)
    for numbers, field, problem in BAD_METRICS:
        values = dict(numbers)
        day = values.pop("day", DAY)
        with pytest.raises(ValidationError) as caught:
            upsert(sessions, SYSTEM, member.id, day=day, **({"closes": 5} | values))
        assert caught.value.field == field, numbers
        assert problem in caught.value.problem, (numbers, caught.value.problem)
        assert metric_state(sessions) == before


def test_an_unknown_member_is_not_found(sessions) -> None:
    with pytest.raises(NotFoundError, match="team_member_id"):
        upsert(sessions, SYSTEM, uuid.uuid4())
    with pytest.raises(ValidationError, match="team_member_id: 'x' is not a record id"):
        upsert(sessions, SYSTEM, "x")


# --- leaderboard --------------------------------------------------------------------------


def test_leaderboard_matches_the_hand_computed_values(shared_world) -> None:
    sessions, _world = shared_world
    with sessions() as session:
        rows = leaderboard(session, SYSTEM, *MARCH)
    # Most cash first; Dora (inactive, nothing credited) is left out, Zed (active) is shown.
    assert [row.name for row in rows] == ["Sam Setter", "Bob Closer", "Alice Closer", "Zed Idle"]
    sam, bob, alice, zed = rows
    assert sam.as_closer.is_empty and bob.as_setter.is_empty and alice.as_setter.is_empty
    assert zed.as_closer.is_empty and zed.as_setter.is_empty
    # Sam set K1 (won), K3 (no-show), K10 (won); E1 3000 + E2 1200; cash on E1, E2, E6:
    # P1 1000 + P2 1200 + P10 50 + P5 300.
    assert sam.as_setter.to_json_dict() == {
        "calls_booked": 3,
        "calls_held": 2,
        "show_rate": 0.6667,
        "offers": 2,
        "closes": 2,
        "close_rate": 1.0,
        "contracted_revenue": "4200.00",
        "cash_collected": "2550.00",
    }
    # Bob hosted K3 (no-show), K5 (follow-up, offer), K6 (not qualified), K10, K12 (won);
    # closed E2 1200 and E4 1000; cash P2 1200 + P5 300 + P9 1000 - 250 + P10 50.
    assert bob.as_closer.to_json_dict() == {
        "calls_booked": 5,
        "calls_held": 4,
        "show_rate": 0.8,
        "offers": 3,
        "closes": 2,
        "close_rate": 0.5,
        "contracted_revenue": "2200.00",
        "cash_collected": "2300.00",
    }
    # Alice hosted K1 (won), K4 (lost), K9 (pending), K11 (no-show), K14 (won); closed E1;
    # cash P1 1000 + P8 800 + P12 100 - P3's refund 800.
    assert alice.as_closer.calls.close_rate == D(2) / D(3)
    assert alice.as_closer.to_json_dict() == {
        "calls_booked": 5,
        "calls_held": 3,
        "show_rate": 0.75,
        "offers": 3,
        "closes": 2,
        "close_rate": 0.6667,
        "contracted_revenue": "3000.00",
        "cash_collected": "1100.00",
    }
    assert zed.as_closer == Credited()
    assert zed.as_closer.to_json_dict()["show_rate"] is None


def test_leaderboard_closer_figures_add_up_to_the_kpis(shared_world) -> None:
    sessions, _world = shared_world
    from portal_desktop.services.reporting.kpis import kpi_report

    with sessions() as session:
        rows = leaderboard(session, SYSTEM, *MARCH)
        kpis = kpi_report(session, SYSTEM, *MARCH)
    # Every call has a host and every enrollment a closer in the world.
    assert sum(row.as_closer.calls.calls_booked for row in rows) == kpis.calls_booked
    assert sum(row.as_closer.cash_collected for row in rows) == kpis.cash_collected
    assert sum(row.as_closer.contracted_revenue for row in rows) == kpis.contracted_revenue


# --- reported vs recorded -----------------------------------------------------------------


def _report_days(sessions, world: World) -> None:
    for member_id, day, numbers in (
        (world.alice, dt.date(2024, 2, 29), (1, 1, 1, 1, 1, "999.00")),  # outside March
        (world.alice, dt.date(2024, 3, 1), (5, 3, 2, 1, 1, "1000.00")),
        (world.alice, dt.date(2024, 3, 5), (4, 2, 1, 1, 1, "0.00")),
        (world.alice, dt.date(2024, 3, 9), (3, 2, 1, 1, 1, "0.00")),
        (world.bob, dt.date(2024, 3, 31), (6, 4, 2, 2, 1, "500.00")),
        (world.sam, dt.date(2024, 3, 1), (40, 10, 3, 0, 0, "0.00")),
    ):
        calls, conversations, booked, offers, closes, cash = numbers
        with sessions() as session:
            upsert_daily_metric(
                session,
                SYSTEM,
                member_id,
                day,
                calls=calls,
                conversations=conversations,
                booked=booked,
                offers=offers,
                closes=closes,
                cash=cash,
            )


def test_reported_numbers_beside_the_records(sessions, world) -> None:
    _report_days(sessions, world)
    with sessions() as session:
        checks = reported_vs_recorded(session, SYSTEM, *MARCH)
    got = [
        (c.day.day, c.member_name, c.reported_closes, c.reported_cash, c.recorded_closes,
         c.recorded_cash, c.differs)
        for c in checks
    ]  # fmt: skip
    assert got == [
        # K1 won at 00:00 Mar 1 and P1 1000 at 00:00 Mar 1: as reported
        (1, "Alice Closer", 1, D("1000.00"), 1, D("1000.00"), False),
        (1, "Sam Setter", 0, D("0.00"), 0, D("0.00"), False),
        (2, "Alice Closer", None, None, 0, D("100.00"), True),  # P12 on E7, not reported
        (5, "Alice Closer", 1, D("0.00"), 0, D("800.00"), True),  # K4 was lost; P8 800
        # K14 at 04:30 UTC Mar 10 is 23:30 Mar 9 in New York (EST, before the DST change)
        (9, "Alice Closer", 1, D("0.00"), 1, D("0.00"), False),
        (12, "Bob Closer", None, None, 1, D("1200.00"), True),  # K10 and P2 (later refunded)
        (20, "Bob Closer", None, None, 0, D("50.00"), True),  # P10
        # K12 at 18:00; P9 1000 at 12:00 and P5 300 at 23:30 (Apr 1 in UTC)
        (31, "Bob Closer", 1, D("500.00"), 1, D("1300.00"), True),
    ]
    assert checks[-1].explanation == (
        "reported 500.00 cash, the records show 1,300.00 (800.00 less reported than recorded)"
    )
    assert checks[3].explanation == (
        "reported 1 close, the records show 0 closes; reported 0.00 cash, the records show "
        "800.00 (800.00 less reported than recorded)"
    )
    assert (
        checks[2].explanation
        == "no numbers reported, but the records show 0 closes and 100.00 cash"
    )
    assert checks[0].explanation == ""


def test_sales_see_only_their_own_days(sessions, world) -> None:
    _report_days(sessions, world)
    bob = sales_actor(world.bob)
    with sessions() as session:
        checks = reported_vs_recorded(session, bob, *MARCH)
        assert {c.member_name for c in checks} == {"Bob Closer"}
        assert len(checks) == 3
        one = reported_vs_recorded(session, SYSTEM, *MARCH, team_member_id=world.alice)
        assert [c.day.day for c in one] == [1, 2, 5, 9]
    with sessions() as session, pytest.raises(PermissionDeniedError, match="their own"):
        reported_vs_recorded(session, bob, *MARCH, team_member_id=world.alice)
