"""A small world for the rollup tests, and the facts and KPIs computed from its records.

``computed_facts`` and ``kpis_from_records`` recompute KPIS.md's figures in Python from the
base tables (never from the fact tables): the reference the rollups are checked against.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Uuid, bindparam, select, text
from sqlalchemy.orm import Session, sessionmaker

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
    PaymentStatus,
)
from portal_desktop.models.rollups import ALL_FACT_TABLES, MONTH_FACTS
from portal_desktop.models.types import UTCDateTime
from portal_desktop.services.accounts.settings import load_settings, update_settings
from portal_desktop.services.billing.payments import (
    record_failed_charge,
    record_payment,
    refund_payment,
)
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.calls import cancel_call, record_outcome, schedule_call
from portal_desktop.services.sales.enrollments import DealTerms, NewStudent, close_deal
from portal_desktop.services.sales.leads import create_lead
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
for _day, _month in MONTH_FACTS.items():  # the monthly sums: the same columns
    DIMENSIONS[_month.name], VALUES[_month.name] = DIMENSIONS[_day.name], VALUES[_day.name]
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
    for table in ALL_FACT_TABLES:
        columns = {"day", *DIMENSIONS[table.name], *VALUES[table.name]}
        assert {column.name for column in table.columns} == columns, table.name


def stored_facts(session: Session) -> Facts:
    """The fact tables' rows, summed per day and dimensions (a rebuild may split rows)."""
    facts: Facts = {}
    for table in ALL_FACT_TABLES:
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
    facts = {name: table.result() for name, table in totals.items()}
    for day_table, month_table in MONTH_FACTS.items():
        facts[month_table.name] = by_month(facts[day_table.name], len(VALUES[day_table.name]))
    return facts


def by_month(daily: dict[tuple[Any, ...], tuple[Any, ...]], width: int) -> dict:
    """One daily fact table's sums per calendar month: what its monthly table must hold."""
    totals = Totals(width)
    for (first, *dimensions), values in daily.items():
        totals.add((first.replace(day=1), *dimensions), values)
    return totals.result()


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


def installments_of(session: Session, enrollment_id: uuid.UUID) -> list[uuid.UUID]:
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
    i1 = installments_of(session, e1.id)
    (i2,) = installments_of(session, e2.id)
    (i3,) = installments_of(session, e3.id)

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


def raw(session: Session, sql: str, **values: Any) -> None:
    """A write in plain SQL (not through the ORM); ids and moments bound with their types."""
    types = {"id": Uuid(), "at": UTCDateTime()}
    statement = text(sql).bindparams(*(bindparam(name, type_=types[name]) for name in values))
    session.execute(statement, values)


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
