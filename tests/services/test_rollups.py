"""The daily rollups (``services/rollups.py``, migration 0003) always equal the records.

Every fact table is compared, after each kind of write (service, plain ORM, raw SQL, FK
cascade, time-zone change), with two references: a from-scratch rebuild of the facts, and
the facts computed here in Python from the records (``computed_facts``). The KPI report is
checked against the same Python figures; ``pieces`` is unit-tested; on PostgreSQL, a writer
that has not committed yet and two rebuilds at the same moment lose nothing and double
nothing. ``test_writes_made_by_foreign_key_actions_are_noted`` shows a BUG on SQLite (see
its docstring).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, Uuid, bindparam, delete, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import (
    AdCampaign,
    Enrollment,
    Installment,
    Lead,
    Payment,
    SalesCall,
    Student,
)
from portal_desktop.models.enums import (
    AdPlatform,
    CallOutcome,
    CampaignStatus,
    EnrollmentStatus,
    PaymentMethod,
    PaymentStatus,
)
from portal_desktop.models.rollups import FACT_TABLES, rollup_dirty, rollup_state
from portal_desktop.models.types import UTCDateTime
from portal_desktop.services.calls import (
    cancel_call,
    record_outcome,
    reschedule_call,
    schedule_call,
)
from portal_desktop.services.collections import record_failed_charge, record_payment, refund_payment
from portal_desktop.services.context import SYSTEM
from portal_desktop.services.date_ranges import DateRange
from portal_desktop.services.enrollments import (
    DealTerms,
    NewStudent,
    cancel_enrollment,
    close_deal,
)
from portal_desktop.services.kpis import kpi_report
from portal_desktop.services.leads import create_lead, delete_lead, update_lead
from portal_desktop.services.marketing import campaign_report
from portal_desktop.services.rollups import MAX_PIECES, MERGE_GAP_DAYS, pieces, refresh_rollups
from portal_desktop.services.settings import load_settings, update_settings
from portal_desktop.services.team import leaderboard
from tests.services.factories import make_program, make_team_member

D = Decimal
NEW_YORK = "America/New_York"  # EST (UTC-5) over every day used below (DST starts Mar 10)
LONDON = "Europe/London"  # GMT (UTC+0) until Mar 31
NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)  # "now" for outcomes: after every call


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def day(text_: str) -> dt.date:
    return dt.date.fromisoformat(text_)


# --- the facts as stored and as computed from the records -----------------------------------

DIMENSIONS = {
    "lead_day_facts": ("source", "ad_campaign_id"),
    "call_day_facts": ("host_id", "setter_id", "ad_campaign_id"),
    "enrollment_day_facts": ("closer_id", "setter_id"),
    "cash_day_facts": ("closer_id", "setter_id", "ad_campaign_id"),
    "installment_due_facts": ("start_date", "paid_day"),
}
VALUES = {
    "lead_day_facts": ("leads",),
    "call_day_facts": ("booked", "held", "no_shows", "offers", "closes"),
    "enrollment_day_facts": ("enrollments", "contracted"),
    "cash_day_facts": ("received", "refunds"),
    "installment_due_facts": ("amount", "settled", "paid"),
}
Facts = dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]
"""Per fact table: (day, *dimensions) → summed values, without all-zero entries."""


class Totals:
    """Sums per key, for one fact table."""

    def __init__(self, width: int) -> None:
        self._sums: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0] * width)

    def add(self, key: tuple[Any, ...], values: tuple[Any, ...]) -> None:
        sums = self._sums[key]
        for index, value in enumerate(values):
            sums[index] += value

    def result(self) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        return {key: tuple(sums) for key, sums in self._sums.items() if any(sums)}


def test_the_comparison_covers_every_fact_column() -> None:
    """A column added to a fact table must be added here too, or it would go unchecked."""
    for table in FACT_TABLES:
        columns = {"day", *DIMENSIONS[table.name], *VALUES[table.name]}
        assert {column.name for column in table.columns} == columns, table.name


def stored_facts(session: Session) -> Facts:
    """The fact tables' rows, summed per day and dimensions (a rebuild may split rows)."""
    facts: Facts = {}
    for table in FACT_TABLES:
        keys = [table.c.day, *(table.c[name] for name in DIMENSIONS[table.name])]
        values = [table.c[name] for name in VALUES[table.name]]
        totals = Totals(len(values))
        for row in session.execute(select(*keys, *values)):
            totals.add(tuple(row[: len(keys)]), tuple(row[len(keys) :]))
        facts[table.name] = totals.result()
    return facts


def is_booked(call: SalesCall) -> bool:
    return call.outcome not in (CallOutcome.CANCELLED, CallOutcome.RESCHEDULED)


def call_flags(call: SalesCall) -> tuple[int, int, int, int, int]:
    """KPIS.md on one booked call: (booked, held, no_show, offer, close) as 0/1."""
    held = call.outcome is not None and call.outcome is not CallOutcome.NO_SHOW
    offer = held and (
        call.offer_made or call.outcome in (CallOutcome.CLOSED_WON, CallOutcome.CLOSED_LOST)
    )
    return (
        1,
        int(held),
        int(call.outcome is CallOutcome.NO_SHOW),
        int(offer),
        int(call.outcome is CallOutcome.CLOSED_WON),
    )


def computed_facts(session: Session) -> Facts:
    """The facts from the records, in Python (the installation's time zone)."""
    tz = load_settings(session).tz

    def local(moment: dt.datetime) -> dt.date:
        return moment.astimezone(tz).date()

    totals = {name: Totals(len(VALUES[name])) for name in VALUES}
    leads = list(session.scalars(select(Lead)))
    campaign = {lead.id: lead.ad_campaign_id for lead in leads}
    for lead in leads:
        totals["lead_day_facts"].add(
            (local(lead.created_at), lead.source, lead.ad_campaign_id), (1,)
        )
    for call in session.scalars(select(SalesCall)):
        if is_booked(call):
            key = (
                local(call.scheduled_at),
                call.host_id,
                call.setter_id,
                campaign.get(call.lead_id),
            )
            totals["call_day_facts"].add(key, call_flags(call))
    lead_of_student = {s.id: s.lead_id for s in session.scalars(select(Student))}
    cash_dimensions = {}
    for enrollment in session.scalars(select(Enrollment)):
        people = (enrollment.closer_id, enrollment.setter_id)
        totals["enrollment_day_facts"].add(
            (enrollment.start_date, *people), (1, enrollment.contract_value)
        )
        lead_id = lead_of_student[enrollment.student_id]
        cash_dimensions[enrollment.id] = (*people, campaign.get(lead_id))
    for payment in session.scalars(select(Payment)):
        dimensions = cash_dimensions[payment.enrollment_id]
        received = payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
        if received and payment.paid_at is not None:
            totals["cash_day_facts"].add((local(payment.paid_at), *dimensions), (payment.amount, 0))
        if payment.refunded_at is not None:
            key = (local(payment.refunded_at), *dimensions)
            totals["cash_day_facts"].add(key, (0, payment.refunded_amount))
    for installment, start_date, paid_at, paid in installments_with_paid_payment(session):
        paid_day = None if paid_at is None else local(paid_at)
        settled = min(paid, installment.amount)
        key = (installment.due_date, start_date, paid_day)
        totals["installment_due_facts"].add(key, (installment.amount, settled, paid))
    return {name: table.result() for name, table in totals.items()}


def installments_with_paid_payment(
    session: Session,
) -> Iterator[tuple[Installment, dt.date, dt.datetime | None, Decimal]]:
    """Installments of enrollments not CANCELLED, with their enrollment's start date and
    their PAID payment's time and amount (None and 0 when unpaid)."""
    paid = {
        payment.installment_id: payment
        for payment in session.scalars(select(Payment).where(Payment.status == PaymentStatus.PAID))
        if payment.installment_id is not None
    }
    enrollments = {e.id: e for e in session.scalars(select(Enrollment))}
    for installment in session.scalars(select(Installment)):
        enrollment = enrollments[installment.enrollment_id]
        if enrollment.status is EnrollmentStatus.CANCELLED:
            continue
        payment = paid.get(installment.id)
        if payment is None:
            yield installment, enrollment.start_date, None, D(0)
        else:
            yield installment, enrollment.start_date, payment.paid_at, payment.amount


def differences(found: Facts, expected: Facts) -> list[str]:
    """Readable differences between two sets of facts (empty when equal)."""
    lines = []
    for name in VALUES:
        for key in sorted(found[name].keys() | expected[name].keys(), key=repr):
            if found[name].get(key) != expected[name].get(key):
                lines.append(f"{name} {key}: {found[name].get(key)} != {expected[name].get(key)}")
    return lines


def noted_days(session: Session) -> list[dt.date]:
    return list(session.scalars(select(rollup_dirty.c.day)))


def refresh(sessions: sessionmaker[Session]) -> int:
    """``refresh_rollups`` in a session of its own (as a report would), outermost."""
    with sessions() as session:
        return refresh_rollups(session)


def rebuilt_from_scratch(sessions: sessionmaker[Session]) -> Facts:
    """Forget what the facts were built with, so the next refresh rebuilds every day."""
    with sessions() as session:
        session.execute(delete(rollup_state))
        session.commit()
    assert refresh(sessions) > 0
    with sessions() as session:
        return stored_facts(session)


def assert_facts_right(sessions: sessionmaker[Session], case: str) -> Facts:
    """Refresh; the facts equal both the records (in Python) and a from-scratch rebuild, and
    nothing stays noted. Returns the facts."""
    refresh(sessions)
    with sessions() as session:
        assert noted_days(session) == [], f"{case}: days still noted after a refresh"
        incremental = stored_facts(session)
        expected = computed_facts(session)
    assert differences(incremental, expected) == [], f"{case}: incremental facts != records"
    full = rebuilt_from_scratch(sessions)
    assert differences(full, incremental) == [], f"{case}: full rebuild != incremental"
    with sessions() as session:
        assert noted_days(session) == [], f"{case}: days noted after a full rebuild"
    return incremental


# --- the world ------------------------------------------------------------------------------


@dataclass
class World:
    alice: uuid.UUID  # closer
    bob: uuid.UUID  # closer
    sam: uuid.UUID  # setter
    spring: uuid.UUID  # campaign "Spring FB"
    search: uuid.UUID  # campaign "Search G"
    leads: dict[str, uuid.UUID]
    calls: dict[str, uuid.UUID]
    enrollments: dict[str, uuid.UUID]
    students: dict[str, uuid.UUID]
    payments: dict[str, uuid.UUID]
    installments: dict[str, uuid.UUID]


def _installments(session: Session, enrollment_id: uuid.UUID) -> list[uuid.UUID]:
    query = select(Installment.id).where(Installment.enrollment_id == enrollment_id)
    return list(session.scalars(query.order_by(Installment.sequence)))


def build_world(session: Session) -> World:
    """A small world made through the services. Times are UTC; comments give New York."""
    update_settings(session, SYSTEM, time_zone=NEW_YORK, currency="USD")
    alice = make_team_member(session, name="Alice Closer").id
    bob = make_team_member(session, name="Bob Closer").id
    sam = make_team_member(session, name="Sam Setter").id
    spring = AdCampaign(
        platform=AdPlatform.FACEBOOK, name="Spring FB", status=CampaignStatus.ACTIVE
    )
    search = AdCampaign(platform=AdPlatform.GOOGLE, name="Search G", status=CampaignStatus.ACTIVE)
    session.add_all([spring, search])
    p1 = make_program(session, name="Alpha", price=D("3000.00")).id
    p2 = make_program(session, name="Beta", price=D("1200.00")).id
    session.commit()

    def lead(name: str, at: dt.datetime, source: str | None, campaign: str | None) -> uuid.UUID:
        return create_lead(
            session,
            SYSTEM,
            first_name=name,
            last_name="Lead",
            email=f"{name}@example.com",
            source=source,
            campaign=campaign,
            created_at=at,
        ).id

    leads = {
        "l1": lead("l1", utc(2024, 3, 1, 5), "facebook", "Spring FB"),  # 00:00 Mar 1
        "l2": lead("l2", utc(2024, 3, 1, 4, 59, 59), "google", None),  # 23:59:59 Feb 29
        "l3": lead("l3", utc(2024, 3, 2, 15), None, None),
        "l4": lead("l4", utc(2024, 3, 1), "ads", "Search G"),  # London's midnight
        "l5": lead("l5", utc(2024, 2, 29, 23, 59, 59), "facebook", "Spring FB"),
        "l6": lead("l6", utc(2024, 2, 29, 23, 59, 59), "referral", None),  # never changed
    }

    def call(lead_key: str, host: uuid.UUID, at: dt.datetime, setter: uuid.UUID | None = None):
        result = schedule_call(
            session,
            SYSTEM,
            lead_id=leads[lead_key],
            host_id=host,
            setter_id=setter,
            scheduled_at=at,
        )
        return result.call.id

    calls = {
        "won": call("l1", alice, utc(2024, 3, 2, 16), sam),
        "no_show": call("l2", bob, utc(2024, 3, 3, 16)),
        "follow_up": call("l3", alice, utc(2024, 3, 4, 16)),
        "to_move": call("l4", bob, utc(2024, 3, 5, 3, 30), sam),  # 22:30 Mar 4, stays pending
        "to_log": call("l3", alice, utc(2024, 3, 7, 16)),  # pending
        "lost": call("l4", alice, utc(2024, 3, 8, 16)),
        "no_show_2": call("l4", alice, utc(2024, 3, 12, 16)),
        "l5_won": call("l5", bob, utc(2024, 3, 6, 16), sam),
        "cancelled": call("l5", bob, utc(2024, 3, 9, 16)),
    }
    for key, outcome, offer in (
        ("won", CallOutcome.CLOSED_WON, True),
        ("no_show", CallOutcome.NO_SHOW, False),
        ("no_show_2", CallOutcome.NO_SHOW, False),
        ("follow_up", CallOutcome.FOLLOW_UP, True),
        ("lost", CallOutcome.CLOSED_LOST, None),
        ("l5_won", CallOutcome.CLOSED_WON, True),
    ):
        record_outcome(session, SYSTEM, calls[key], outcome, offer, now=NOW)
    cancel_call(session, SYSTEM, calls["cancelled"], "changed their mind")

    e1 = close_deal(
        session,
        SYSTEM,
        DealTerms(p1, day("2024-03-02"), "SPLIT", "3000.00", installments=3),
        sales_call_id=calls["won"],
    )  # alice closes, sam set; the student is l1's
    e2 = close_deal(
        session,
        SYSTEM,
        DealTerms(p2, day("2024-03-03"), "PIF", "1200.00"),
        new_student=NewStudent("Nola", "Lead", "nola@example.com"),
        closer_id=bob,
    )  # a student without a lead
    e3 = close_deal(
        session,
        SYSTEM,
        DealTerms(p2, day("2024-03-06"), "PIF", "800.00"),
        sales_call_id=calls["l5_won"],
    )  # bob closes, sam set; the student is l5's (Spring FB)
    i1 = _installments(session, e1.id)
    (i2,) = _installments(session, e2.id)
    (i3,) = _installments(session, e3.id)

    def pay(installment: uuid.UUID, at: dt.datetime) -> uuid.UUID:
        return record_payment(session, SYSTEM, installment, paid_at=at).payment.id

    payments = {
        "p1": pay(i1[0], utc(2024, 3, 2, 5)),  # 00:00 Mar 2
        "p2": pay(i1[1], utc(2024, 3, 6, 4, 30)),  # 23:30 Mar 5; London: 04:30 Mar 6
        "p3": pay(i2, utc(2024, 3, 3, 17)),
        "p4": pay(i3, utc(2024, 3, 6, 17)),
        "p5": pay(i1[2], utc(2024, 3, 7, 17)),
    }
    refund_payment(session, SYSTEM, payments["p3"], refunded_at=utc(2024, 3, 10, 17))  # full
    refund_payment(session, SYSTEM, payments["p4"], "300.00", refunded_at=utc(2024, 3, 11, 17))
    failed = record_failed_charge(
        session, SYSTEM, i2, "card declined", attempted_at=utc(2024, 3, 12)
    )
    payments["failed"] = failed.id
    students = {
        "s1": e1.student_id,
        "s2": e2.student_id,
        "s3": e3.student_id,
    }
    enrollments = {"e1": e1.id, "e2": e2.id, "e3": e3.id}
    installments = {"i1a": i1[0], "i1b": i1[1], "i1c": i1[2], "i2": i2, "i3": i3}
    return World(
        alice,
        bob,
        sam,
        spring.id,
        search.id,
        leads,
        calls,
        enrollments,
        students,
        payments,
        installments,
    )


@pytest.fixture(name="world")
def world_fixture(sessions: sessionmaker[Session]) -> World:
    with sessions() as session:
        return build_world(session)


def test_the_world_is_what_the_tests_assume(sessions, world: World) -> None:
    """Guards the fixture: the refunds, the failed charge and the attribution happened."""
    with sessions() as session:
        statuses = {
            key: session.get(Payment, payment_id).status
            for key, payment_id in world.payments.items()
        }
        assert statuses == {
            "p1": PaymentStatus.PAID,
            "p2": PaymentStatus.PAID,
            "p3": PaymentStatus.REFUNDED,
            "p4": PaymentStatus.PAID,
            "p5": PaymentStatus.PAID,
            "failed": PaymentStatus.FAILED,
        }
        assert session.get(Payment, world.payments["p4"]).refunded_amount == D("300.00")
        assert session.get(Lead, world.leads["l1"]).ad_campaign_id == world.spring
        assert session.get(Student, world.students["s1"]).lead_id == world.leads["l1"]
        e1 = session.get(Enrollment, world.enrollments["e1"])
        assert (e1.closer_id, e1.setter_id) == (world.alice, world.sam)


# --- 1. incremental = full = records, after every kind of write -----------------------------


def raw(session: Session, sql: str, **values: Any) -> None:
    """A write in plain SQL (not through the ORM); ids and moments bound with their types."""
    types = {"id": Uuid(), "at": UTCDateTime()}
    statement = text(sql).bindparams(*(bindparam(name, type_=types[name]) for name in values))
    session.execute(statement, values)


def _version(session: Session, lead_id: uuid.UUID) -> int:
    return session.get(Lead, lead_id).version


def change_lead_campaign(session: Session, w: World) -> None:
    """l1: Spring FB → Search G; moves its calls' and its student's payments' campaign."""
    update_lead(
        session, SYSTEM, w.leads["l1"], _version(session, w.leads["l1"]), campaign="Search G"
    )


def change_lead_source(session: Session, w: World) -> None:
    update_lead(session, SYSTEM, w.leads["l2"], _version(session, w.leads["l2"]), source="tiktok")


def reschedule_to_another_day(session: Session, w: World) -> None:
    """22:30 Mar 4 → 00:30 Mar 11, just after the DST change (EST would say 23:30 Mar 10)."""
    reschedule_call(session, SYSTEM, w.calls["to_move"], utc(2024, 3, 11, 4, 30))


def log_an_outcome(session: Session, w: World) -> None:
    record_outcome(session, SYSTEM, w.calls["to_log"], CallOutcome.CLOSED_LOST, now=NOW)


def change_call_host(session: Session, w: World) -> None:
    session.get(SalesCall, w.calls["no_show"]).host_id = w.alice
    session.commit()


def change_enrollment_closer(session: Session, w: World) -> None:
    """e1: alice → bob; moves its payments' cash to bob."""
    session.get(Enrollment, w.enrollments["e1"]).closer_id = w.bob
    session.commit()


def change_student_lead(session: Session, w: World) -> None:
    """s2: no lead → l4 (Search G); its payments (p3, refunded) gain the campaign."""
    session.get(Student, w.students["s2"]).lead_id = w.leads["l4"]
    session.commit()


def refund_a_payment(session: Session, w: World) -> None:
    refund_payment(session, SYSTEM, w.payments["p5"], refunded_at=utc(2024, 3, 12, 17))


def move_payment_to_another_installment(session: Session, w: World) -> None:
    """p2 (PAID): i1b (due Apr 2) → i1c (due May 2, owed again since p5's full refund)."""
    session.get(Payment, w.payments["p2"]).installment_id = w.installments["i1c"]
    session.commit()


def move_a_due_date(session: Session, w: World) -> None:
    """i1b (unpaid since p2 moved): Apr 2 → Mar 25, so overdue by Mar 31."""
    session.get(Installment, w.installments["i1b"]).due_date = day("2024-03-25")
    session.commit()


def cancel_an_enrollment(session: Session, w: World) -> None:
    """e2 (owed again since p3's full refund): its installment stops counting."""
    cancel_enrollment(session, SYSTEM, w.enrollments["e2"], "changed their mind")


def delete_converted_lead_in_sql(session: Session, w: World) -> None:
    """l5 (Spring FB): its calls cascade away, its student's lead is set NULL by the FK."""
    raw(session, "DELETE FROM leads WHERE id = :id", id=w.leads["l5"])
    session.commit()


def delete_campaign_in_sql(session: Session, w: World) -> None:
    """Search G: the FK sets its leads' campaign NULL (their calls lose it)."""
    raw(session, "DELETE FROM ad_campaigns WHERE id = :id", id=w.search)
    session.commit()


def delete_a_payment(session: Session, w: World) -> None:
    """p4, received Mar 6 and partly refunded Mar 11: both days lose it."""
    session.delete(session.get(Payment, w.payments["p4"]))
    session.commit()


def delete_a_lead(session: Session, w: World) -> None:
    """l2 and (by the service) its no-show call."""
    delete_lead(session, SYSTEM, w.leads["l2"])


def move_payment_in_sql(session: Session, w: World) -> None:
    """p1: 00:00 Mar 2 → 00:00 Mar 1 London (19:00 Feb 29 New York)."""
    raw(
        session,
        "UPDATE payments SET paid_at = :at WHERE id = :id",
        at=utc(2024, 3, 1),
        id=w.payments["p1"],
    )
    session.commit()


CHANGES: tuple[Callable[[Session, World], None], ...] = (
    change_lead_campaign,
    change_lead_source,
    reschedule_to_another_day,
    log_an_outcome,
    change_call_host,
    change_enrollment_closer,
    change_student_lead,
    refund_a_payment,
    move_payment_to_another_installment,
    move_a_due_date,
    delete_a_payment,
    cancel_an_enrollment,
    delete_a_lead,
    move_payment_in_sql,
)


def received_on(facts: Facts, *days: dt.date) -> list[Decimal]:
    """Cash received per day (all dimensions)."""
    cash = facts["cash_day_facts"]
    return [sum((values[0] for key, values in cash.items() if key[0] == d), D(0)) for d in days]


KPI_FIELDS = (
    "leads",
    "paid_leads",
    "calls_booked",
    "calls_held",
    "no_shows",
    "offers",
    "closes",
    "enrollments",
    "contracted_revenue",
    "cash_collected",
    "refunds",
    "attributed_cash",
    "receivables",
    *(f"overdue_{bucket}" for bucket in ("1_30", "31_60", "61_90", "90_plus")),
    "collection_rate",
)
AGING = {"overdue_1_30": (1, 30), "overdue_31_60": (31, 60), "overdue_61_90": (61, 90)}


def kpis_from_records(session: Session, start: dt.date, end: dt.date) -> dict[str, Any]:
    """KPIS.md's additive figures over local days ``start`` … ``end``, summed in Python from
    the facts computed from the records (not from the fact tables)."""
    facts = computed_facts(session)

    def rows(name: str) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        return ((k, v) for k, v in facts[name].items() if start <= k[0] <= end)

    figures: dict[str, Any] = dict.fromkeys(KPI_FIELDS, 0)
    for key, (count,) in rows("lead_day_facts"):
        figures["leads"] += count
        figures["paid_leads"] += count if key[2] is not None else 0
    for _key, values in rows("call_day_facts"):
        for field, value in zip(KPI_FIELDS[2:7], values, strict=True):
            figures[field] += value
    for _key, (count, contracted) in rows("enrollment_day_facts"):
        figures["enrollments"] += count
        figures["contracted_revenue"] += contracted
    for key, (received, refunds) in rows("cash_day_facts"):
        figures["cash_collected"] += received - refunds
        figures["refunds"] += refunds
        figures["attributed_cash"] += received - refunds if key[3] is not None else 0
    return figures | receivables_from_records(session, start, end)


def receivables_from_records(session: Session, start: dt.date, end: dt.date) -> dict[str, Any]:
    """KPIS.md's receivables as of ``end`` (with aging) and the collection rate of the
    installments due in the range, from the records."""
    tz = load_settings(session).tz
    figures: dict[str, Any] = {"receivables": 0, **dict.fromkeys(AGING, 0), "overdue_90_plus": 0}
    due = collected = D(0)
    for installment, start_date, paid_at, paid in installments_with_paid_payment(session):
        if start <= installment.due_date <= end:
            due += installment.amount
            collected += paid
        if start_date > end:
            continue
        paid_by_then = paid if paid_at is not None and paid_at.astimezone(tz).date() <= end else 0
        unpaid = max(installment.amount - paid_by_then, D(0))
        figures["receivables"] += unpaid
        late = (end - installment.due_date).days
        for key, (fewest, most) in AGING.items():
            figures[key] += unpaid if fewest <= late <= most else 0
        figures["overdue_90_plus"] += unpaid if late > 90 else 0
    figures["collection_rate"] = collected / due if due else None
    return figures


RANGES = (
    (day("2024-02-29"), day("2024-02-29")),  # ends at a local midnight
    (day("2024-03-01"), day("2024-03-01")),  # starts at one
    (day("2024-03-02"), day("2024-03-05")),  # p2: 23:30 Mar 5 New York, Mar 6 London
    (day("2024-03-02"), day("2024-03-31")),
    (day("2024-01-01"), day("2024-12-31")),
)


def assert_report_equals_records(sessions: sessionmaker[Session], case: str) -> None:
    for start, end in RANGES:
        with sessions() as session:
            report = kpi_report(session, SYSTEM, start, end)
        with sessions() as session:
            expected = kpis_from_records(session, start, end)
        found = {field: getattr(report, field) for field in KPI_FIELDS}
        assert found == expected, f"{case}: kpi_report {start}…{end}"


def make_each_change(
    sessions: sessionmaker[Session], world: World, changes: tuple[Callable[..., None], ...]
) -> Facts:
    """Each change in turn, each followed by a refresh and the checks; the last facts."""
    before = assert_facts_right(sessions, "the world")
    assert before["cash_day_facts"], "the world has cash"
    for change in changes:
        with sessions() as session:
            change(session, world)
        with sessions() as session:
            assert noted_days(session), f"{change.__name__}: the triggers noted no day"
        after = assert_facts_right(sessions, change.__name__)
        assert after != before, f"{change.__name__}: the change moved no figure (a weak case)"
        before = after
    return before


def test_incremental_refresh_equals_records_and_full_rebuild(sessions, world: World) -> None:
    before = make_each_change(sessions, world, CHANGES)

    # 2. The report equals the records: New York (midnight = 05:00 UTC).
    assert_report_equals_records(sessions, NEW_YORK)
    with sessions() as session:
        march_1 = kpi_report(session, SYSTEM, day("2024-03-01"), day("2024-03-01"))
    assert march_1.leads == 1  # l1 at 00:00 (l4, l5, l6 fall on Feb 29 in New York)
    assert received_on(before, day("2024-03-05"), day("2024-03-06")) == [D("1000.00"), 0]

    # A new time zone: every day rebuilt in it; p2 (23:30 Mar 5 New York) moves to Mar 6.
    with sessions() as session:
        update_settings(session, SYSTEM, time_zone=LONDON)
    london = assert_facts_right(sessions, "time zone changed")
    assert received_on(london, day("2024-03-05"), day("2024-03-06")) == [0, D("1000.00")]
    assert_report_equals_records(sessions, LONDON)
    with sessions() as session:
        feb_29 = kpi_report(session, SYSTEM, day("2024-02-29"), day("2024-02-29"))
        march_1 = kpi_report(session, SYSTEM, day("2024-03-01"), day("2024-03-01"))
    assert (feb_29.leads, march_1.leads) == (2, 2)  # l5, l6 at 23:59:59; l4 at 00:00, l1
    assert (feb_29.cash_collected, march_1.cash_collected) == (0, D("1000.00"))  # p1 at 00:00


def test_writes_made_by_foreign_key_actions_are_noted(sessions, world: World) -> None:
    """BUG on SQLite (migration 0003): a trigger fired by an ON DELETE SET NULL action runs
    with the action's ABORT conflict policy, which overrides the trigger's ``INSERT OR
    IGNORE``: when the day is already noted, the whole DELETE fails with "UNIQUE constraint
    failed: rollup_dirty.day". Here the lead's calls (CASCADE) note Mar 6, then its student
    (SET NULL) notes Mar 6 again. Fix: ``INSERT INTO rollup_dirty (day) SELECT … WHERE …
    ON CONFLICT (day) DO NOTHING`` (an upsert clause is not overridden) in ``_sqlite_note``
    and ``_sqlite_dependents``."""
    make_each_change(sessions, world, (delete_converted_lead_in_sql, delete_campaign_in_sql))


# --- 3. pieces ------------------------------------------------------------------------------

ONE = dt.timedelta(days=1)
START = day("2024-03-10")


def test_a_noted_day_is_rebuilt_with_its_neighbours() -> None:
    assert pieces([START]) == [DateRange(START - ONE, START + ONE)]
    assert pieces([]) == []


def test_repeated_and_unsorted_days_give_one_piece_each() -> None:
    far = START + dt.timedelta(days=60)
    assert pieces([far, START, far, START]) == [
        DateRange(START - ONE, START + ONE),
        DateRange(far - ONE, far + ONE),
    ]


def test_close_days_are_merged_far_days_are_not() -> None:
    # Pieces are merged when at most MERGE_GAP_DAYS - 1 days lie between them.
    farthest_merged = START + dt.timedelta(days=MERGE_GAP_DAYS + 2)
    assert pieces([START, farthest_merged]) == [DateRange(START - ONE, farthest_merged + ONE)]
    assert pieces([START, START + ONE]) == [DateRange(START - ONE, START + 2 * ONE)]
    nearest_apart = START + dt.timedelta(days=MERGE_GAP_DAYS + 3)
    assert pieces([START, nearest_apart]) == [
        DateRange(START - ONE, START + ONE),
        DateRange(nearest_apart - ONE, nearest_apart + ONE),
    ]


def test_a_chain_of_close_days_is_one_piece() -> None:
    step = dt.timedelta(days=MERGE_GAP_DAYS)
    days = [START + n * step for n in range(5)]
    assert pieces(days) == [DateRange(START - ONE, days[-1] + ONE)]


def test_too_many_pieces_become_one() -> None:
    apart = dt.timedelta(days=MERGE_GAP_DAYS + 10)
    days = [START + n * apart for n in range(MAX_PIECES + 1)]
    assert len(pieces(days[:-1])) == MAX_PIECES
    assert pieces(days) == [DateRange(START - ONE, days[-1] + ONE)]


def test_pieces_cover_every_noted_day_and_its_neighbours() -> None:
    days = [START + dt.timedelta(days=n) for n in (0, 3, 4, 20, 21, 40, 90, 91, 92, 150)]
    found = pieces(days)
    for noted in days:
        for d in (noted - ONE, noted, noted + ONE):
            assert sum(p.start <= d <= p.end for p in found) == 1, d
    for left, right in itertools.pairwise(found):
        assert (right.start - left.end).days > MERGE_GAP_DAYS


# --- 4. PostgreSQL: a writer not committed yet, two rebuilds at once ------------------------


@pytest.fixture(name="pg_only")
def pg_only_fixture(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row locks and concurrent rebuilds: PostgreSQL only (SQLite: one writer)")


@pytest.fixture(name="impatient")
def impatient_fixture(db_url: str, pg_only: None) -> Iterator[sessionmaker[Session]]:
    """Sessions that give up on any lock after 5 s instead of waiting forever."""
    engine: Engine = make_engine(
        db_url, connect_args={"options": "-c lock_timeout=5000 -c statement_timeout=20000"}
    )
    yield session_factory(engine)
    engine.dispose()


def test_a_writer_not_committed_yet_loses_nothing(sessions, impatient, world: World) -> None:
    refresh(sessions)
    with sessions() as session:  # committed notes: Mar 3 (the writer's day) and Mar 15
        create_lead(
            session,
            SYSTEM,
            first_name="Mar3",
            email="m3@example.com",
            created_at=utc(2024, 3, 3, 18),
        )
        create_lead(
            session,
            SYSTEM,
            first_name="Mar15",
            email="m15@example.com",
            created_at=utc(2024, 3, 15, 18),
        )
    writer = sessions()
    try:
        writer.add(
            Payment(
                enrollment_id=world.enrollments["e2"],
                amount=D("75.00"),
                status=PaymentStatus.PAID,
                paid_at=utc(2024, 3, 3, 19),
                method=PaymentMethod.CASH,
            )
        )
        writer.add(
            Lead(first_name="Late", email="late@example.com", created_at=utc(2024, 3, 25, 15))
        )
        writer.flush()  # its triggers hold the Mar 3 row of rollup_dirty (and a new Mar 25)

        assert refresh(impatient) > 0  # returned (lock_timeout would have raised)
        with sessions() as session:
            assert day("2024-03-03") in noted_days(session)  # still noted: the writer holds it
            mar_15 = kpi_report(session, SYSTEM, day("2024-03-15"), day("2024-03-15"))
        assert mar_15.leads == 1  # the free day was rebuilt
        writer.commit()
    finally:
        writer.close()

    with sessions() as session:
        mar_3 = kpi_report(session, SYSTEM, day("2024-03-03"), day("2024-03-03"))
        mar_25 = kpi_report(session, SYSTEM, day("2024-03-25"), day("2024-03-25"))
    with sessions() as session:
        assert noted_days(session) == []
        expected_3 = kpis_from_records(session, day("2024-03-03"), day("2024-03-03"))
    assert mar_3.cash_collected == expected_3["cash_collected"] == D("1275.00")  # p3 + 75
    assert mar_3.leads == expected_3["leads"] == 1
    assert mar_25.leads == 1
    assert_facts_right(sessions, "after the late writer")


def test_two_refreshes_at_once_double_nothing(sessions, pg_only, world: World) -> None:
    def both_at_once() -> list[int]:
        start = threading.Barrier(2)

        def run() -> int:
            with sessions() as session:
                start.wait(timeout=10)
                return refresh_rollups(session)

        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(run) for _ in range(2)]
            return [future.result(timeout=30) for future in futures]

    # Both see facts never built: one builds everything, the other then finds nothing to do.
    rebuilt = both_at_once()
    assert sorted(rebuilt)[0] == 0 < sorted(rebuilt)[1], rebuilt
    with sessions() as session:
        assert differences(stored_facts(session), computed_facts(session)) == []
    for change in (change_lead_campaign, change_enrollment_closer, move_payment_in_sql):
        with sessions() as session:
            change(session, world)
    both_at_once()
    with sessions() as session:
        assert noted_days(session) == []
        assert differences(stored_facts(session), computed_facts(session)) == []


# --- 5. nothing stale on read ---------------------------------------------------------------


def test_a_payment_recorded_then_a_report_in_a_new_session(sessions, world: World) -> None:
    march = (day("2024-03-01"), day("2024-03-31"))
    with sessions() as session:
        before = kpi_report(session, SYSTEM, *march)
    with sessions() as session:  # e2's installment, owed again after the full refund
        (installment,) = _installments(session, world.enrollments["e2"])
        record_payment(session, SYSTEM, installment, paid_at=utc(2024, 3, 14, 15))
    with sessions() as session:
        after = kpi_report(session, SYSTEM, *march)
    assert after.cash_collected - before.cash_collected == D("1200.00")
    assert after.attributed_cash == before.attributed_cash  # e2's student has no lead


def summed(facts: Facts, table: str, start: dt.date, end: dt.date, **where: Any) -> tuple:
    """A fact table's values summed over ``start`` … ``end`` for the keys whose dimensions
    equal ``where`` (e.g. ``closer_id=…``)."""
    names = ("day", *DIMENSIONS[table])
    totals = Totals(len(VALUES[table]))
    for key, values in facts[table].items():
        row = dict(zip(names, key, strict=True))
        if start <= row["day"] <= end and all(row[k] == v for k, v in where.items()):
            totals.add((), values)
    return totals.result().get((), (0,) * len(VALUES[table]))


def test_campaign_report_and_leaderboard_read_fresh_facts(sessions, world: World) -> None:
    march = (day("2024-03-01"), day("2024-03-31"))
    with sessions() as session:
        kpi_report(session, SYSTEM, *march)  # the facts are built and up to date
    for change in (change_lead_campaign, change_enrollment_closer, refund_a_payment):
        with sessions() as session:
            change(session, world)
    with sessions() as session:
        campaigns = {row.campaign_id: row for row in campaign_report(session, SYSTEM, *march)}
    with sessions() as session:
        board = {row.member_id: row for row in leaderboard(session, SYSTEM, *march)}
    with sessions() as session:
        facts = computed_facts(session)

    for campaign in (world.spring, world.search):
        (leads,) = summed(facts, "lead_day_facts", *march, ad_campaign_id=campaign)
        booked = summed(facts, "call_day_facts", *march, ad_campaign_id=campaign)[0]
        received, refunds = summed(facts, "cash_day_facts", *march, ad_campaign_id=campaign)
        row = campaigns[campaign]
        found = (row.leads, row.calls_booked, row.cash.received, row.cash.refunds)
        assert found == (leads, booked, received, refunds), campaign
    assert campaigns[world.search].cash.received == D("3000.00")  # l1's student's, moved

    for member in (world.alice, world.bob, world.sam):
        row = board[member]
        for credit, host, person in (
            (row.as_closer, "host_id", "closer_id"),
            (row.as_setter, "setter_id", "setter_id"),
        ):
            calls = summed(facts, "call_day_facts", *march, **{host: member})
            cash = summed(facts, "cash_day_facts", *march, **{person: member})
            found_calls = (credit.calls.calls_booked, credit.calls.calls_held, credit.calls.closes)
            assert found_calls == (calls[0], calls[1], calls[4]), member
            assert (credit.cash.received, credit.cash.refunds) == cash, member
    bob_cash = board[world.bob].as_closer.cash
    assert (bob_cash.received, bob_cash.refunds) == (D("5000.00"), D("2500.00"))  # e1 moved


def test_a_write_committed_between_the_rebuild_and_the_snapshot_is_in_the_report(
    sessions, world: World
) -> None:
    """The report's rebuild commits; a writer commits a lead right then (before the report's
    snapshot begins). The report sees the day still noted, rebuilds again, counts the lead."""
    refresh(sessions)
    written: list[bool] = []

    def another_user_writes(session: Session) -> None:
        if written:
            return
        written.append(True)
        with sessions() as other:
            create_lead(
                other,
                SYSTEM,
                first_name="Between",
                email="between@example.com",
                created_at=utc(2024, 4, 9, 15),
            )

    with sessions() as session:
        event.listen(session, "after_commit", another_user_writes)
        report = kpi_report(session, SYSTEM, day("2024-04-09"), day("2024-04-09"))
    assert written  # the other user did write in between
    with sessions() as session:
        expected = kpis_from_records(session, day("2024-04-09"), day("2024-04-09"))
    assert report.leads == expected["leads"] >= 1
