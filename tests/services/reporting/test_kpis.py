"""Every KPI of KPIS.md against values computed by hand from a small fixed data set.

The data set (``build_world``) is written out below with, for each row, whether it falls in
March 2024 in New York time — the range most tests use. New York is UTC-5 until the DST
change of 2024-03-10 07:00 UTC, UTC-4 after, so March runs from 2024-03-01 05:00 UTC to
2024-04-01 04:00 UTC (exclusive). Team, commission and CLI tests reuse the same world.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.errors import PermissionDeniedError, ValidationError
from portal_desktop.models import (
    AdCampaign,
    AdPerformance,
    AuditEntry,
    Enrollment,
    Installment,
    Payment,
    SalesCall,
)
from portal_desktop.models.enums import (
    AdPlatform,
    CallOutcome,
    CampaignStatus,
    EnrollmentStatus,
    InstallmentStatus,
    PaymentStatus,
    PlanType,
    TeamRole,
    UserRole,
)
from portal_desktop.services.accounts.settings import update_settings
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.common.date_ranges import (
    local_date,
    make_range,
    offset_segments,
    parse_date,
)
from portal_desktop.services.reporting.kpis import (
    KPI_KEYS,
    KpiReport,
    kpi_report,
    receivables_report,
)
from tests.services.factories import make_lead, make_program, make_student, make_team_member

MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
BACKENDS = ("sqlite", "postgresql")  # as tests/conftest.py
D = Decimal


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@dataclass
class World:
    """Ids of the fixed data set's rows that tests refer to."""

    alice: object  # closer, default rate
    bob: object  # closer, own rate 0.12
    sam: object  # setter, default rate
    zed: object  # active closer with no activity
    dora: object  # inactive DM setter with no activity
    spring_fb: object
    search_g: object
    fresh_yt: object


def build_world(session: Session) -> World:
    """The fixed data set. Comments say where each row falls for March 2024 (New York)."""
    update_settings(
        session,
        SYSTEM,
        time_zone="America/New_York",
        currency="USD",
        closer_commission_rate="0.10",
        setter_commission_rate="0.05",
    )
    alice = make_team_member(session, name="Alice Closer", role=TeamRole.CLOSER)
    bob = make_team_member(
        session, name="Bob Closer", role=TeamRole.CLOSER, commission_rate=D("0.1200")
    )
    sam = make_team_member(session, name="Sam Setter", role=TeamRole.SETTER)
    zed = make_team_member(session, name="Zed Idle", role=TeamRole.CLOSER)
    dora = make_team_member(session, name="Dora Old", role=TeamRole.DM_SETTER, active=False)

    def campaign(platform: AdPlatform, name: str, status: CampaignStatus) -> AdCampaign:
        row = AdCampaign(platform=platform, name=name, status=status)
        session.add(row)
        return row

    a1 = campaign(AdPlatform.FACEBOOK, "Spring FB", CampaignStatus.ACTIVE)
    a2 = campaign(AdPlatform.GOOGLE, "Search G", CampaignStatus.PAUSED)
    campaign(AdPlatform.TIKTOK, "Dormant", CampaignStatus.PAUSED)  # no numbers: never shown
    a4 = campaign(AdPlatform.YOUTUBE, "Fresh", CampaignStatus.ACTIVE)  # active, no numbers
    session.flush()

    for camp, day, spend, impressions, clicks, leads, revenue in (
        (a1, dt.date(2024, 2, 29), "50.00", 1000, 10, 1, "100.00"),  # out
        (a1, dt.date(2024, 3, 1), "100.00", 10000, 200, 10, "400.00"),  # in
        (a1, dt.date(2024, 3, 31), "200.00", 20000, 300, 5, "500.00"),  # in
        (a2, dt.date(2024, 3, 15), "300.00", 5000, 100, 3, "0.00"),  # in
        (a2, dt.date(2024, 4, 1), "999.00", 9000, 90, 9, "999.00"),  # out
    ):
        session.add(
            AdPerformance(
                ad_campaign_id=camp.id,
                date=day,
                spend=D(spend),
                impressions=impressions,
                clicks=clicks,
                leads=leads,
                revenue=D(revenue),
            )
        )

    # Leads: in March = L1, L3, L4, L6 (4); paid (with a campaign) = L1, L4 (2).
    l1 = make_lead(session, created_at=utc(2024, 3, 1, 5), ad_campaign_id=a1.id)  # 00:00 Mar 1
    l2 = make_lead(session, created_at=utc(2024, 3, 1, 4, 59, 59), ad_campaign_id=a1.id)  # Feb 29
    l3 = make_lead(session, created_at=utc(2024, 3, 15, 12))
    l4 = make_lead(session, created_at=utc(2024, 4, 1, 3, 30), ad_campaign_id=a2.id)  # 23:30 Mar 31
    make_lead(session, created_at=utc(2024, 4, 1, 4))  # 00:00 Apr 1: out
    l6 = make_lead(session, created_at=utc(2024, 3, 20, 15))
    l7 = make_lead(session, created_at=utc(2024, 2, 10, 15), ad_campaign_id=a1.id)  # out

    st1 = make_student(session, lead_id=l1.id)  # attributed (Spring FB)
    st2 = make_student(session, lead_id=l3.id)  # not attributed
    st3 = make_student(session, lead_id=l7.id)  # attributed (Spring FB, an old lead)
    st4 = make_student(session)  # no lead
    p1 = make_program(session, name="Alpha", price=D("3000.00"))
    p2 = make_program(session, name="Beta", price=D("1200.00"))

    def call(
        at: dt.datetime,
        host: object,
        outcome: CallOutcome | None,
        *,
        setter: object = None,
        offer: bool = False,
        lead: object = None,
        student: object = None,
    ) -> None:
        session.add(
            SalesCall(
                scheduled_at=at,
                host_id=host.id,
                setter_id=setter.id if setter else None,
                outcome=outcome,
                offer_made=offer,
                lead_id=lead.id if lead else None,
                student_id=student.id if student else None,
            )
        )

    won, lost, no_show = CallOutcome.CLOSED_WON, CallOutcome.CLOSED_LOST, CallOutcome.NO_SHOW
    call(utc(2024, 3, 1, 5), alice, won, setter=sam, offer=True, lead=l1)  # K1 in (00:00)
    call(utc(2024, 3, 1, 4, 30), alice, won, offer=True, lead=l2)  # K2 out (23:30 Feb 29)
    call(utc(2024, 4, 1, 3, 30), bob, no_show, setter=sam, lead=l4)  # K3 in (23:30 Mar 31)
    call(utc(2024, 3, 5, 15), alice, lost, offer=False, lead=l3)  # K4 in, lost = an offer
    call(utc(2024, 3, 6, 15), bob, CallOutcome.FOLLOW_UP, offer=True, lead=l3)  # K5 in
    call(utc(2024, 3, 7, 15), bob, CallOutcome.NOT_QUALIFIED, lead=l6)  # K6 in
    call(utc(2024, 3, 8, 15), alice, CallOutcome.CANCELLED, setter=sam, lead=l1)  # K7 not booked
    call(utc(2024, 3, 9, 15), bob, CallOutcome.RESCHEDULED, lead=l4)  # K8 not booked
    call(utc(2024, 3, 25, 15), alice, None, lead=l6)  # K9 in, pending
    call(utc(2024, 3, 12, 15), bob, won, setter=sam, offer=True, lead=l3)  # K10 in
    call(utc(2024, 3, 20, 15), alice, no_show, lead=l1)  # K11 in
    call(utc(2024, 3, 31, 22), bob, won, offer=True, student=st4)  # K12 in (18:00 Mar 31)
    call(utc(2024, 4, 1, 4), alice, won, offer=True, lead=l6)  # K13 out (00:00 Apr 1)
    call(utc(2024, 3, 10, 4, 30), alice, won, offer=True, lead=l6)  # K14 in (23:30 Mar 9 EST)

    def enrollment(
        student: object,
        program: object,
        start: dt.date,
        value: str,
        status: EnrollmentStatus,
        closer: object,
        setter: object,
        dues: list[tuple[dt.date, str]],
    ) -> list[Installment]:
        row = Enrollment(
            student_id=student.id,
            program_id=program.id,
            plan_type=PlanType.PIF if len(dues) == 1 else PlanType.SPLIT,
            contract_value=D(value),
            start_date=start,
            status=status,
            closer_id=closer.id if closer else None,
            setter_id=setter.id if setter else None,
            installment_count=len(dues),
        )
        session.add(row)
        session.flush()
        installments = [
            Installment(enrollment_id=row.id, sequence=n, due_date=due, amount=D(amount))
            for n, (due, amount) in enumerate(dues, start=1)
        ]
        session.add_all(installments)
        session.flush()
        return installments

    active = EnrollmentStatus.ACTIVE
    # Enrollments starting in March: E1, E2, E4 (3), contracts 3000 + 1200 + 1000 = 5200.
    i1a, i1b, _i1c = enrollment(
        st1, p1, dt.date(2024, 3, 1), "3000.00", active, alice, sam,
        [(dt.date(2024, 3, 1), "1000.00"), (dt.date(2024, 4, 1), "1000.00"),
         (dt.date(2024, 5, 1), "1000.00")],
    )  # fmt: skip
    (i2,) = enrollment(
        st2, p2, dt.date(2024, 3, 12), "1200.00", active, bob, sam,
        [(dt.date(2024, 3, 12), "1200.00")],
    )  # fmt: skip
    i3a, i3b, _i3c = enrollment(
        st3, p1, dt.date(2023, 11, 15), "2400.00", EnrollmentStatus.DEFAULTED, alice, None,
        [(dt.date(2023, 11, 15), "800.00"), (dt.date(2023, 12, 15), "800.00"),
         (dt.date(2024, 1, 15), "800.00")],
    )  # fmt: skip
    (i4,) = enrollment(
        st4, p2, dt.date(2024, 3, 31), "1000.00", EnrollmentStatus.CANCELLED, bob, None,
        [(dt.date(2024, 3, 31), "1000.00")],
    )  # fmt: skip
    enrollment(
        st2,
        p1,
        dt.date(2024, 4, 1),
        "500.00",
        active,
        alice,
        None,
        [(dt.date(2024, 4, 1), "500.00")],
    )  # fmt: skip  E5: starts after March
    i6a, i6b, i6c = enrollment(
        st4, p1, dt.date(2024, 2, 1), "900.00", active, bob, sam,
        [(dt.date(2024, 2, 1), "300.00"), (dt.date(2024, 3, 1), "300.00"),
         (dt.date(2024, 3, 31), "300.00")],
    )  # fmt: skip
    i7a, i7b = enrollment(
        st4, p2, dt.date(2024, 1, 1), "600.00", active, alice, None,
        [(dt.date(2024, 2, 29), "300.00"), (dt.date(2024, 3, 1), "300.00")],
    )  # fmt: skip

    def pay(
        inst: Installment | None,
        enrollment_id: object,
        amount: str,
        status: PaymentStatus,
        paid_at: dt.datetime,
        refunded: str = "0.00",
        refunded_at: dt.datetime | None = None,
    ) -> None:
        session.add(
            Payment(
                enrollment_id=enrollment_id,
                installment_id=inst.id if inst else None,
                amount=D(amount),
                status=status,
                paid_at=paid_at,
                refunded_amount=D(refunded),
                refunded_at=refunded_at,
            )
        )
        if inst is not None and status is PaymentStatus.PAID:
            inst.status = InstallmentStatus.PAID

    paid, refunded, failed = PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.FAILED
    pay(i1a, i1a.enrollment_id, "1000.00", paid, utc(2024, 3, 1, 5))  # P1 in (00:00 Mar 1)
    pay(
        i2,
        i2.enrollment_id,
        "1200.00",
        refunded,
        utc(2024, 3, 12, 16),
        "1200.00",
        utc(2024, 4, 2, 15),
    )  # fmt: skip  P2 in; full refund in April
    pay(
        i3a,
        i3a.enrollment_id,
        "800.00",
        refunded,
        utc(2023, 11, 15, 15),
        "800.00",
        utc(2024, 3, 10, 12),
    )  # fmt: skip  P3 Nov; full refund in March
    pay(i6a, i6a.enrollment_id, "300.00", paid, utc(2024, 2, 1, 15))  # P4 out
    pay(i6b, i6b.enrollment_id, "300.00", paid, utc(2024, 4, 1, 3, 30))  # P5 in (23:30 Mar 31)
    pay(i6c, i6c.enrollment_id, "300.00", failed, utc(2024, 3, 31, 12))  # P6 failed
    pay(i1b, i1b.enrollment_id, "1000.00", paid, utc(2024, 4, 1, 4))  # P7 out (00:00 Apr 1)
    pay(
        i3b, i3b.enrollment_id, "800.00", paid, utc(2024, 3, 5, 15), "300.00", utc(2024, 4, 5, 15)
    )  # fmt: skip  P8 in; partial refund in April
    pay(
        i4, i4.enrollment_id, "1000.00", paid, utc(2024, 3, 31, 16), "250.00", utc(2024, 3, 31, 17)
    )  # fmt: skip  P9 in, partial refund in March
    pay(None, i2.enrollment_id, "50.00", paid, utc(2024, 3, 20, 14))  # P10 in, no installment
    pay(i7a, i7a.enrollment_id, "100.00", paid, utc(2024, 3, 2, 15))  # P12 in, part of 300
    pay(i7b, i7b.enrollment_id, "300.00", paid, utc(2024, 4, 10, 15))  # P13 April
    session.commit()
    return World(alice.id, bob.id, sam.id, zed.id, dora.id, a1.id, a2.id, a4.id)


@pytest.fixture(name="world")
def world_fixture(sessions) -> World:
    """The world in the test's own fresh database (for tests that write).

    Other modules use it (and ``shared_world``) by importing the function under any name.
    """
    with sessions() as session:
        return build_world(session)


def _create_database(backend: str, templates: dict, admin_url: str, folder: Path) -> str:
    """A fresh migrated database, copied from conftest's templates like its ``db_url``."""
    if backend == "sqlite":
        target = folder / "world.sqlite3"
        shutil.copyfile(templates["sqlite"], target)
        return f"sqlite:///{target}"
    name = f"portal_world_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {templates["postgresql"]}'))
    admin.dispose()
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


@pytest.fixture(scope="module", params=BACKENDS, name="shared_world")
def shared_world_fixture(
    request: pytest.FixtureRequest,
    migrated_templates: dict,
    pg_admin_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[sessionmaker[Session], World]]:
    """One world per backend for a whole test module, for tests that only read it."""
    url = _create_database(
        str(request.param), migrated_templates, pg_admin_url, tmp_path_factory.mktemp("world")
    )
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as session:
        built = build_world(session)
    yield factory, built
    engine.dispose()


def report(sessions, start: dt.date, end: dt.date, actor: Actor = SYSTEM) -> KpiReport:
    with sessions() as session:
        return kpi_report(session, actor, start, end)


# --- the March report ----------------------------------------------------------------------


def test_march_kpis_match_the_hand_computed_values(shared_world) -> None:
    sessions, _world = shared_world
    got = report(sessions, *MARCH).values()
    expected = {
        "leads": 4,  # L1, L3, L4, L6
        "paid_leads": 2,  # L1, L4
        # booked: K1 K3 K4 K5 K6 K9 K10 K11 K12 K14 (K7 cancelled, K8 rescheduled; K2, K13 out)
        "calls_booked": 10,
        "calls_held": 7,  # K1 K4 K5 K6 K10 K12 K14 (K9 pending, K3 K11 no-shows)
        "no_shows": 2,  # K3 K11
        "show_rate": D(7) / D(9),
        "offers": 6,  # K1 K4 (lost) K5 (flag) K10 K12 K14; K6 none
        "offer_rate": D(6) / D(7),
        "closes": 4,  # K1 K10 K12 K14
        "close_rate": D(4) / D(7),
        "offer_close_rate": D(4) / D(6),
        "enrollments": 3,  # E1 E2 E4 (E4 cancelled still counts)
        "contracted_revenue": D("5200.00"),
        "aov": D("5200.00") / 3,
        # received P1 1000 + P2 1200 + P5 300 + P8 800 + P9 1000 + P10 50 + P12 100 = 4450
        # refunded in March: P3 800 + P9 250 = 1050 (P2's and P8's refunds are in April)
        "cash_collected": D("3400.00"),
        "refunds": D("1050.00"),
        "ad_spend": D("600.00"),  # 100 + 200 + 300
        "platform_revenue": D("900.00"),  # 400 + 500 + 0
        "platform_roas": D("1.5"),
        # students of paid leads: ST1 (P1 1000), ST3 (P8 800 received, P3 800 refunded)
        "attributed_cash": D("1000.00"),
        "cash_roas": D(1000) / D(600),
        "cpl": D("300"),  # 600 / 2 paid leads
        "cost_per_booked_call": D("200"),  # 600 / booked calls of paid leads K1 K3 K11
        # as of Mar 31: I1b 1000 + I1c 1000 + I6c 300 not yet due; I2 1200 (19 days) and
        # I7b 300 (30 days) 1-30; I7a 300 - 100 (31 days) 31-60; I3c 800 (76 days) 61-90;
        # I3a 800 (137 days, its payment refunded) 90+. E4 cancelled, E5 not started.
        "receivables": D("5600.00"),
        "overdue_1_30": D("1500.00"),
        "overdue_31_60": D("200.00"),
        "overdue_61_90": D("800.00"),
        "overdue_90_plus": D("800.00"),
        # due in March: I1a 1000 (P1), I2 1200 (refunded), I6b 300 (P5), I6c 300 (failed),
        # I7b 300 (P13, paid in April: any date counts) -> 1600 / 3100
        "collection_rate": D(1600) / D(3100),
    }
    assert list(got) == list(KPI_KEYS)
    assert got == expected


def test_march_json_is_exactly_the_kpis_md_object(shared_world) -> None:
    sessions, _world = shared_world
    data = report(sessions, *MARCH).to_json_dict()
    assert list(data)[:4] == ["from", "to", "currency", "time_zone"]
    assert set(data) == {"from", "to", "currency", "time_zone", *KPI_KEYS}
    assert data["from"] == "2024-03-01" and data["to"] == "2024-03-31"
    assert data["currency"] == "USD" and data["time_zone"] == "America/New_York"
    assert data["leads"] == 4 and isinstance(data["leads"], int)
    assert data["show_rate"] == 0.7778  # 7 / 9 rounded to 4 decimals
    assert data["offer_close_rate"] == 0.6667
    assert data["collection_rate"] == 0.5161
    assert data["cash_roas"] == 1.6667
    assert data["aov"] == "1733.33"
    assert data["cash_collected"] == "3400.00"
    assert data["cpl"] == "300.00"
    assert data["overdue_31_60"] == "200.00"
    json.dumps(data)  # serializable as is


def test_the_range_edges_follow_local_time(shared_world) -> None:
    sessions, _world = shared_world
    last_day = report(sessions, dt.date(2024, 3, 31), dt.date(2024, 3, 31))
    # 23:30 local on Mar 31 is Apr 1 in UTC: L4 and K3 belong to Mar 31.
    assert (last_day.leads, last_day.paid_leads) == (1, 1)
    assert (last_day.calls_booked, last_day.calls_held, last_day.no_shows) == (2, 1, 1)  # K3 K12
    # P5 (23:30 local) 300 + P9 1000 - P9's refund 250
    assert last_day.cash_collected == D("1050.00")
    leap_day = report(sessions, dt.date(2024, 2, 29), dt.date(2024, 2, 29))
    # 04:30 and 04:59:59 UTC on Mar 1 are still Feb 29 in New York: K2 and L2.
    assert (leap_day.leads, leap_day.calls_booked, leap_day.closes) == (1, 1, 1)
    dst_eve = report(sessions, dt.date(2024, 3, 9), dt.date(2024, 3, 9))
    assert dst_eve.closes == 1  # K14 at 04:30 UTC Mar 10 = 23:30 EST Mar 9


def test_refunds_land_in_the_range_they_are_made(shared_world) -> None:
    sessions, _world = shared_world
    april = report(sessions, dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    # received: P7 1000 (00:00 Apr 1) + P13 300; refunded: P2 1200 + P8 300 (March payments)
    assert april.refunds == D("1500.00")
    assert april.cash_collected == D("-200.00")
    assert april.to_json_dict()["cash_collected"] == "-200.00"
    # ST1's P7 1000 received, ST3's P8 refund 300
    assert april.attributed_cash == D("700.00")
    assert april.ad_spend == D("999.00")
    assert april.enrollments == 1 and april.contracted_revenue == D("500.00")  # E5


def test_a_range_with_nothing_in_it(shared_world) -> None:
    sessions, _world = shared_world
    # June 2023: before every row of the world (the first enrollment starts 2023-11-15).
    _assert_all_zero(report(sessions, dt.date(2023, 6, 1), dt.date(2023, 6, 30)).to_json_dict())


def _assert_all_zero(data: dict) -> None:
    for key in KPI_KEYS:
        if key in _NULLABLE:
            assert data[key] is None, key
        elif key in _MONEY:
            assert data[key] == "0.00", key
        else:
            assert data[key] == 0 and isinstance(data[key], int), key


_NULLABLE = {
    "show_rate",
    "offer_rate",
    "close_rate",
    "offer_close_rate",
    "aov",
    "platform_roas",
    "cash_roas",
    "cpl",
    "cost_per_booked_call",
    "collection_rate",
}


_MONEY = {
    "contracted_revenue",
    "cash_collected",
    "refunds",
    "ad_spend",
    "platform_revenue",
    "attributed_cash",
    "receivables",
    "overdue_1_30",
    "overdue_31_60",
    "overdue_61_90",
    "overdue_90_plus",
}


def test_an_empty_database_gives_zeros_and_nulls(sessions) -> None:
    data = report(sessions, *MARCH).to_json_dict()
    _assert_all_zero(data)
    assert data["time_zone"] == "America/New_York"


def test_the_report_reads_the_installation_time_zone(sessions, world) -> None:
    with sessions() as session:
        update_settings(session, SYSTEM, time_zone="UTC")
    utc_march = report(sessions, *MARCH)
    # In UTC, L2 (04:59:59 Mar 1) is in and L4 (03:30 Apr 1) is out; K2 in, K3 out.
    assert utc_march.time_zone == "UTC"
    assert (utc_march.leads, utc_march.paid_leads) == (4, 2)  # L1 L2 L3 L6
    assert utc_march.calls_booked == 10  # + K2 - K3
    assert utc_march.no_shows == 1


# --- receivables --------------------------------------------------------------------------


def test_receivables_age_by_days_past_due(shared_world) -> None:
    sessions, _world = shared_world

    def aged(as_of: dt.date) -> tuple[Decimal, ...]:
        with sessions() as session:
            totals = receivables_report(session, SYSTEM, as_of).totals
        return (
            totals.overdue_1_30,
            totals.overdue_31_60,
            totals.overdue_61_90,
            totals.overdue_90_plus,
        )

    # Apr 14: I5 500 (E5, due Apr 1) 13 days and I6c 300 (due Mar 31) 14 days -> 1-30;
    # I2 1200 (due Mar 12) 33 days and I7a 200 (due Feb 29) 45 days -> 31-60;
    # I3c 800 (due Jan 15) 90 days -> 61-90; I3a 800 151 days -> 90+.
    # I1b was paid by P7 on Apr 1, I7b by P13 on Apr 10. On Apr 15 I3c is 91 days past due.
    assert aged(dt.date(2024, 4, 14)) == (D("800.00"), D("1400.00"), D("800.00"), D("800.00"))
    assert aged(dt.date(2024, 4, 15)) == (D("800.00"), D("1400.00"), D("0.00"), D("1600.00"))


def test_receivables_per_program(shared_world) -> None:
    sessions, _world = shared_world
    with sessions() as session:
        result = receivables_report(session, SYSTEM, dt.date(2024, 3, 31))
    by_name = {row.program: row.receivables.total for row in result.by_program}
    # Alpha: I1b 1000 + I1c 1000 + I3a 800 + I3c 800 + I6c 300; Beta: I2 1200 + I7a 200 + I7b 300
    assert by_name == {"Alpha": D("3900.00"), "Beta": D("1700.00")}
    assert result.totals.total == D("5600.00")
    assert result.totals.not_yet_due == D("2300.00")
    assert result.to_json_dict()["programs"][0]["receivables"] == "3900.00"


def test_a_payment_is_counted_up_to_the_end_of_the_local_day(shared_world) -> None:
    sessions, _world = shared_world
    with sessions() as session:
        # P5 (03:30 UTC Apr 1) paid I6b on Mar 31 local time; P7 (04:00 UTC) on Apr 1.
        before = receivables_report(session, SYSTEM, dt.date(2024, 3, 30)).totals.total
        on = receivables_report(session, SYSTEM, dt.date(2024, 3, 31)).totals.total
    # Mar 30: same as Mar 31 but I6b 300 still open, and E4 did not start (cancelled anyway).
    assert before - on == D("300.00")


# --- bad input -----------------------------------------------------------------------------


def test_a_range_that_ends_before_it_starts_is_refused(shared_world) -> None:
    sessions, _world = shared_world
    with sessions() as session, pytest.raises(ValidationError) as caught:
        kpi_report(session, SYSTEM, dt.date(2024, 3, 2), dt.date(2024, 3, 1))
    assert caught.value.field == "from"
    assert "2024-03-02 is after to 2024-03-01" in caught.value.problem


def test_dates_must_be_dates(shared_world) -> None:
    sessions, _world = shared_world
    with sessions() as session, pytest.raises(ValidationError) as caught:
        kpi_report(session, SYSTEM, "2024-03-01", dt.date(2024, 3, 1))  # type: ignore[arg-type]
    assert caught.value.field == "from"
    with pytest.raises(ValidationError, match="--to: '2024-02-30' is not a date; use the format"):
        parse_date("--to", "2024-02-30")
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        parse_date("--from", "2024-3-1")
    with pytest.raises(ValidationError, match="longer than"):
        make_range(dt.date(1900, 1, 1), dt.date(2024, 1, 1))


def test_reports_need_the_reports_permission(shared_world) -> None:
    sessions, _world = shared_world
    nobody = Actor(user_id=None, username="mia", role=UserRole.MARKETING)
    assert report(sessions, *MARCH, actor=nobody).leads == 4  # marketing sees reports
    with sessions() as session, pytest.raises(PermissionDeniedError, match="mia"):
        receivables_report(session, nobody, dt.date(2024, 3, 31))  # but not finance


def test_reading_a_report_writes_nothing(shared_world) -> None:
    sessions, _world = shared_world
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
        kpi_report(session, SYSTEM, *MARCH)
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


# --- local days in SQL ---------------------------------------------------------------------


def test_offset_segments_find_the_dst_changes() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/New_York")
    period = make_range(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    segments = offset_segments(*period.utc_bounds(tz), tz)
    assert segments == [
        (utc(2024, 1, 1, 5), -5 * 3600),
        (utc(2024, 3, 10, 7), -4 * 3600),
        (utc(2024, 11, 3, 6), -5 * 3600),
    ]


def test_local_date_in_sql_matches_python(shared_world) -> None:
    sessions, _world = shared_world
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/New_York")
    period = make_range(dt.date(2024, 2, 1), dt.date(2024, 4, 30))
    bounds = period.utc_bounds(tz)
    with sessions() as session:
        day = local_date(SalesCall.scheduled_at, tz, bounds, session.get_bind().dialect.name)
        rows = session.execute(select(SalesCall.scheduled_at, day)).all()
    assert len(rows) == 14
    assert all(local == at.astimezone(tz).date() for at, local in rows)


def test_a_report_reads_one_snapshot_on_postgresql(shared_world) -> None:
    from sqlalchemy import text as sql

    from portal_desktop.services.reporting.kpi_sql import consistent_reads

    sessions, _ = shared_world
    with sessions() as session:
        consistent_reads(session)
        if session.get_bind().dialect.name == "postgresql":
            level = session.execute(sql("SHOW transaction_isolation")).scalar_one()
            assert level == "repeatable read"
        session.rollback()
        # The next transaction on the pooled connection is back to the default.
        if session.get_bind().dialect.name == "postgresql":
            level = session.execute(sql("SHOW transaction_isolation")).scalar_one()
            assert level == "read committed"


def test_the_report_has_a_field_per_kpi() -> None:
    from dataclasses import fields

    names = [field.name for field in fields(KpiReport)]
    assert names[:4] == ["start", "end", "currency", "time_zone"]
    assert names[4:] == list(KPI_KEYS)
