"""The Payment-schedules totals bar's use case: the four figures exactly as KPIS.md says.

A small world built through the real services (a partial payment, a full refund that reopens
its installment, a cancelled enrollment, one that has not started yet, installments due later
and past due), checked against hand-computed values; then the seeded demo data, checked
against ``aging_summary`` and ``kpi_report`` (the services the bar used to call).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.errors import PermissionDeniedError, ValidationError
from portal_desktop.models import Installment
from portal_desktop.models.enums import UserRole
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.payments import record_payment, refund_payment
from portal_desktop.services.billing.receivables import aging_summary
from portal_desktop.services.billing.schedule_totals import ScheduleTotals, schedule_totals
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.reporting.kpis import kpi_report
from portal_desktop.services.sales.enrollments import cancel_enrollment
from portal_desktop.services.seeding import seed_database
from tests.services.factories import make_enrollment

TODAY = dt.date(2024, 3, 20)  # America/New_York (the default zone): EDT, UTC-4, since Mar 10


def noon(day: dt.date) -> dt.datetime:
    """16:00 UTC: noon in New York, well inside the local day in March."""
    return dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC)


def installments(session: Session, enrollment_id: object) -> list[Installment]:
    return list(
        session.scalars(
            select(Installment)
            .where(Installment.enrollment_id == enrollment_id)
            .order_by(Installment.due_date, Installment.sequence)
        )
    )


def enroll(
    session: Session, start: dt.date, first_due: dt.date, count: int, value: str
) -> list[Installment]:
    """An enrollment of ``count`` monthly installments summing to ``value``."""
    enrollment = make_enrollment(
        session,
        SYSTEM,
        start_date=start,
        today=start,
        plan_type="SPLIT",
        contract_value=Decimal(value),
        installments=count,
        first_due_date=first_due,
    )
    return installments(session, enrollment.id)


def pay(session: Session, installment: Installment, day: dt.date, amount: str | None = None):
    value = None if amount is None else Decimal(amount)
    result = record_payment(session, SYSTEM, installment.id, value, paid_at=noon(day), today=day)
    return result.payment


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Five enrollments; the expected figures as of TODAY are worked out in the test."""
    with sessions() as session:
        # A: 3 x 1000 due Feb 10, Mar 10, Apr 10. The first paid in February; 400 of the
        # second paid on Mar 12 (the rest, 600, becomes an installment due Mar 10); the
        # third not yet due.
        a = enroll(session, dt.date(2024, 2, 10), dt.date(2024, 2, 10), 3, "3000.00")
        pay(session, a[0], dt.date(2024, 2, 10))
        pay(session, a[1], dt.date(2024, 3, 12), "400.00")
        # B: 2 x 1000 due Mar 5, Apr 5. The first paid Mar 5, fully refunded Mar 15 (reopened).
        b = enroll(session, dt.date(2024, 3, 1), dt.date(2024, 3, 5), 2, "2000.00")
        paid = pay(session, b[0], dt.date(2024, 3, 5))
        refund_payment(session, SYSTEM, paid.id, refunded_at=noon(dt.date(2024, 3, 15)))
        # C: 2 x 1500 due Mar 1, Apr 1; the first paid Mar 1, then the enrollment cancelled.
        c = enroll(session, dt.date(2024, 2, 20), dt.date(2024, 3, 1), 2, "3000.00")
        pay(session, c[0], dt.date(2024, 3, 1))
        cancel_enrollment(session, SYSTEM, c[0].enrollment_id, "changed their mind")
        # D: starts after TODAY (Mar 25): 2 x 500 due Mar 25, Apr 25; owed by nobody yet.
        enroll(session, dt.date(2024, 3, 25), dt.date(2024, 3, 25), 2, "1000.00")
        # E: 2 x 600 due Mar 1, Apr 1; the first paid early, on Feb 28.
        e = enroll(session, dt.date(2024, 2, 15), dt.date(2024, 3, 1), 2, "1200.00")
        pay(session, e[0], dt.date(2024, 2, 28))
    return sessions


def totals(sessions: sessionmaker[Session], today: dt.date, actor: Actor = SYSTEM):
    with sessions() as session:
        return schedule_totals(session, actor, today)


def test_the_four_figures_match_the_hand_computed_values(world) -> None:
    result = totals(world, TODAY)
    # Owed as of Mar 20: A's rest of 600 (due Mar 10) and its third 1000 (Apr 10); B's
    # reopened 1000 (Mar 5) and its second 1000 (Apr 5); E's second 600 (Apr 1). Not C
    # (cancelled), not D (starts Mar 25). Past due: A's 600 and B's 1000.
    # Collection, due Mar 1-20 on enrollments not cancelled: A's 400 (paid) and rest of 600,
    # B's 1000 (its payment was refunded: not PAID), E's 600 (paid Feb 28: any date counts).
    # Cash received Mar 1-20: A 400, B 1000 (REFUNDED now, but received), C 1500 (before
    # the cancellation), minus B's refund of 1000 on Mar 15.
    assert result == ScheduleTotals(
        as_of=TODAY,
        due=Decimal("4200.00"),
        overdue=Decimal("1600.00"),
        collected=Decimal("1900.00"),
        collection_rate=Decimal(1000) / Decimal(2600),
    )


def test_earlier_days_see_the_world_as_it_was(world) -> None:
    # Mar 11: A's second 1000 unpaid and 1 day late (the 400 comes on the 12th). B's first
    # counts as owed (and 6 days late) although it was paid then: KPIS.md subtracts only PAID
    # payments, and it is REFUNDED now. Owed: A 1000 + 1000, B 1000 + 1000, E 600.
    # The collection rate looks at payments of any date: the same as on Mar 20.
    # Cash Mar 1-11: B 1000 + C 1500 (B's refund comes later).
    assert totals(world, dt.date(2024, 3, 11)) == ScheduleTotals(
        as_of=dt.date(2024, 3, 11),
        due=Decimal("4600.00"),
        overdue=Decimal("2000.00"),
        collected=Decimal("2500.00"),
        collection_rate=Decimal(1000) / Decimal(2600),
    )
    # Feb 29: nothing due Feb 1-29 but A's first (paid Feb 10): a rate of 1. C had not been
    # cancelled yet, but it is now: its 3000 is never counted. B starts Mar 1: not counted.
    # Owed: A 2000, E 600 (E's first was paid on the 28th). Cash: A 1000 + E 600.
    assert totals(world, dt.date(2024, 2, 29)) == ScheduleTotals(
        as_of=dt.date(2024, 2, 29),
        due=Decimal("2600.00"),
        overdue=Decimal("0.00"),
        collected=Decimal("1600.00"),
        collection_rate=Decimal(1),
    )


def test_a_month_with_nothing_due_has_no_rate(world) -> None:
    result = totals(world, dt.date(2024, 1, 31))
    assert (result.due, result.overdue, result.collected) == (Decimal("0"),) * 3
    assert result.collection_rate is None


def test_today_by_default_is_the_local_day(world) -> None:
    with world() as session:
        local_today = dt.datetime.now(load_settings(session).tz).date()
        result = schedule_totals(session, SYSTEM)
    assert result.as_of == local_today
    # Everything of the world is past by now: all of it is owed and past due.
    assert result.due == result.overdue == Decimal("5200.00")


def test_sales_may_see_it_and_marketing_may_not(world) -> None:
    sales = Actor(user_id=None, username="sam", role=UserRole.SALES)
    assert totals(world, TODAY, sales).due == Decimal("4200.00")
    marketing = Actor(user_id=None, username="mia", role=UserRole.MARKETING)
    with pytest.raises(PermissionDeniedError):
        totals(world, TODAY, marketing)


def test_the_day_must_be_a_date(world) -> None:
    with pytest.raises(ValidationError) as caught:
        totals(world, "2024-03-20")  # type: ignore[arg-type]
    assert caught.value.field == "today"


SEED_TODAY = dt.date(2025, 6, 30)


def test_the_seeded_data_agrees_with_aging_summary_and_the_kpi_report(engine, sessions) -> None:
    seed_database(engine, leads=300, today=SEED_TODAY)
    days = [
        SEED_TODAY,
        dt.date(2025, 6, 1),  # a month of one day
        dt.date(2025, 2, 28),
        dt.date(2024, 11, 17),
        SEED_TODAY + dt.timedelta(days=45),  # later than the data: scheduled dues only
    ]
    with sessions() as session:
        for day in days:
            ours = schedule_totals(session, SYSTEM, day)
            aging = aging_summary(session, SYSTEM, day)
            report = kpi_report(session, SYSTEM, day.replace(day=1), day)
            theirs = (aging.total, aging.overdue, report.cash_collected, report.collection_rate)
            assert (ours.due, ours.overdue, ours.collected, ours.collection_rate) == theirs, day
            assert ours.due > 0, day  # the data has debts on every one of these days
