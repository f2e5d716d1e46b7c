"""The database itself enforces DESIGN.md's rules, on PostgreSQL and on SQLite."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal_desktop.models import (
    Enrollment,
    Installment,
    Lead,
    Payment,
    Program,
    SalesCall,
    Student,
    TeamMember,
)
from portal_desktop.models.enums import (
    InstallmentStatus,
    PaymentStatus,
    PlanType,
    TeamRole,
)

NOW = dt.datetime(2026, 3, 14, 15, 9, 26, tzinfo=dt.UTC)


def _enrollment(session: Session, value: str = "3000.00") -> Enrollment:
    closer = TeamMember(name="Dana Closer", role=TeamRole.CLOSER)
    program = Program(name=f"Program {uuid.uuid4().hex[:6]}", price=Decimal(value))
    student = Student(first_name="Ann", last_name="Lee", email=f"{uuid.uuid4().hex}@x.com")
    enrollment = Enrollment(
        student=student,
        program=program,
        plan_type=PlanType.PIF,
        contract_value=Decimal(value),
        start_date=NOW.date(),
        closer=closer,
    )
    session.add(enrollment)
    session.flush()
    return enrollment


def _installment(session: Session, enrollment: Enrollment, amount: str = "3000.00") -> Installment:
    inst = Installment(
        enrollment=enrollment, sequence=1, due_date=NOW.date(), amount=Decimal(amount)
    )
    session.add(inst)
    session.flush()
    return inst


@pytest.mark.parametrize("amount", ["0.00", "0.01", "1234.56", "9999999999.99"])
def test_money_round_trips_exactly(sessions, amount: str) -> None:
    with sessions() as session:
        program = Program(name="P", price=Decimal(amount))
        session.add(program)
        session.commit()
        pid = program.id
    with sessions() as session:
        price = session.scalar(select(Program.price).where(Program.id == pid))
        assert price == Decimal(amount)
        assert isinstance(price, Decimal)
        assert str(price) == amount


def test_money_sums_exactly_in_sql(sessions) -> None:
    # 0.10 + 0.20 + ... is where floats go wrong; three thousand cents must stay exact.
    with sessions() as session:
        session.add_all(
            Program(name=f"P{i}", price=Decimal("0.10") * (i % 3 + 1)) for i in range(3000)
        )
        session.commit()
        total = session.scalar(select(func.sum(Program.price)))
        difference = session.scalar(select(func.sum(Program.price - Program.price)))
    assert total == Decimal("600.00")
    assert isinstance(total, Decimal)
    assert difference == Decimal("0.00")


def test_money_refuses_floats(sessions) -> None:
    with sessions() as session:
        session.add(Program(name="P", price=0.1))  # type: ignore[arg-type]
        with pytest.raises(StatementError, match="float"):
            session.commit()


def test_datetimes_are_aware_utc_and_naive_ones_refused(sessions) -> None:
    with sessions() as session:
        enrollment = _enrollment(session)
        local = NOW.astimezone(dt.timezone(dt.timedelta(hours=-5)))
        payment = Payment(
            enrollment=enrollment, amount=Decimal("10.00"), status=PaymentStatus.PAID, paid_at=local
        )
        session.add(payment)
        session.commit()
        pid = payment.id
    with sessions() as session:
        paid_at = session.scalar(select(Payment.paid_at).where(Payment.id == pid))
        assert paid_at == NOW and paid_at.utcoffset() == dt.timedelta(0)
        session.get(Payment, pid).paid_at = dt.datetime(2026, 1, 1)  # naive
        with pytest.raises(StatementError, match="naive"):
            session.commit()


def test_ids_are_client_made_uuid7_in_time_order(sessions) -> None:
    with sessions() as session:
        members = [TeamMember(name=f"M{i}", role=TeamRole.SETTER) for i in range(5)]
        session.add_all(members)
        session.flush()
        ids = [m.id for m in members]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)


def test_version_counts_updates_and_stale_writes_fail(sessions) -> None:
    with sessions() as session:
        member = TeamMember(name="Sam", role=TeamRole.SETTER)
        session.add(member)
        session.commit()
        assert member.version == 1
        first_updated = member.updated_at
        member.name = "Sam S."
        session.commit()
        assert member.version == 2
        assert member.updated_at >= first_updated
        mid = member.id
    with sessions() as first, sessions() as second:
        a = first.get(TeamMember, mid)
        b = second.get(TeamMember, mid)
        a.name = "From window A"
        first.commit()
        b.name = "From window B"
        with pytest.raises(StaleDataError):
            second.commit()
    with sessions() as session:
        assert session.get(TeamMember, mid).name == "From window A"


def test_at_most_one_paid_payment_per_installment(sessions) -> None:
    with sessions() as session:
        enrollment = _enrollment(session)
        inst = _installment(session, enrollment)

        def pay(status: PaymentStatus) -> Payment:
            return Payment(
                enrollment=enrollment,
                installment=inst,
                amount=Decimal("3000.00"),
                status=status,
                paid_at=NOW,
            )

        session.add_all(
            [pay(PaymentStatus.FAILED), pay(PaymentStatus.FAILED), pay(PaymentStatus.PAID)]
        )
        session.commit()
        session.add(pay(PaymentStatus.PAID))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        paid = session.scalar(
            select(func.count()).select_from(Payment).where(Payment.status == PaymentStatus.PAID)
        )
        assert paid == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE installments SET amount = -1",
        "UPDATE installments SET status = 'LATE'",
        "UPDATE installments SET sequence = 0",
    ],
)
def test_check_constraints_refuse_bad_rows(sessions, statement: str) -> None:
    with sessions() as session:
        _installment(session, _enrollment(session))
        session.commit()
        with pytest.raises(IntegrityError):
            session.execute(text(statement))
        session.rollback()
        row = session.execute(select(Installment.amount, Installment.status)).one()
        assert row == (Decimal("3000.00"), InstallmentStatus.PENDING)


def test_a_call_needs_a_lead_or_a_student(sessions) -> None:
    with sessions() as session:
        host = TeamMember(name="Host", role=TeamRole.CLOSER)
        session.add(SalesCall(host=host, scheduled_at=NOW))
        with pytest.raises(IntegrityError, match=r"(?i)lead_or_student|check"):
            session.commit()


def test_foreign_keys_are_enforced(sessions) -> None:
    with sessions() as session:
        session.add(
            Installment(
                enrollment_id=uuid.uuid4(), sequence=1, due_date=NOW.date(), amount=Decimal("1.00")
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()


@pytest.mark.parametrize("model", [Lead, Student])
def test_emails_are_unique_regardless_of_case(sessions, model) -> None:
    with sessions() as session:
        session.add(model(first_name="A", last_name="B", email="Jane.Doe@Example.com"))
        session.commit()
        session.add(model(first_name="C", last_name="D", email="jane.doe@example.COM"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_one_daily_metric_per_member_and_day(sessions) -> None:
    from portal_desktop.models import DailyMetric

    with sessions() as session:
        member = TeamMember(name="M", role=TeamRole.SETTER)
        session.add_all(
            [
                DailyMetric(team_member=member, date=NOW.date(), calls=3),
                DailyMetric(team_member=member, date=NOW.date(), calls=4),
            ]
        )
        with pytest.raises(IntegrityError):
            session.commit()
