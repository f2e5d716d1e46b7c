"""Payments, failed charges, refunds, the overdue roll, receivables, aging and dunning."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal_desktop.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from portal_desktop.models import AuditEntry, Enrollment, Installment, Payment
from portal_desktop.models.enums import (
    AuditAction,
    EnrollmentStatus,
    InstallmentStatus,
    PaymentMethod,
    PaymentStatus,
    UserRole,
)
from portal_desktop.services.accounts.settings import update_settings
from portal_desktop.services.billing.payments import (
    record_failed_charge,
    record_payment,
    refund_payment,
    roll_overdue,
)
from portal_desktop.services.billing.receivables import (
    AgingBucket,
    aging_summary,
    dunning_list,
    enrollment_schedule,
    list_receivables,
)
from portal_desktop.services.common.context import Actor
from portal_desktop.services.sales.enrollments import cancel_enrollment, mark_defaulted
from tests.services.factories import (
    assert_refused,
    audit_rows,
    make_enrollment,
    make_student,
    schedule_of,
    table_state,
)

D = Decimal
ADMIN = Actor(user_id=None, username="ada", role=UserRole.ADMIN)
SALES = Actor(user_id=None, username="sam", role=UserRole.SALES)
MARKETING = Actor(user_id=None, username="mia", role=UserRole.MARKETING)


def at(text: str) -> dt.datetime:
    """A UTC moment from ``YYYY-MM-DD HH:MM``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def installments_of(session, enrollment_id) -> list[Installment]:
    return list(
        session.scalars(
            select(Installment)
            .where(Installment.enrollment_id == enrollment_id)
            .order_by(Installment.due_date, Installment.sequence)
        )
    )


def deal(session, start: str, value: str, count: int = 1, actor: Actor = ADMIN, **terms):
    """An enrollment from ``start`` and its installment ids in due order."""
    plan = "SPLIT" if count > 1 or "down_payment" in terms else "PIF"
    enrollment = make_enrollment(
        session,
        actor,
        start_date=dt.date.fromisoformat(start),
        plan_type=plan,
        contract_value=value,
        installments=count,
        **terms,
    )
    return enrollment.id, [row.id for row in installments_of(session, enrollment.id)]


# --- payments -------------------------------------------------------------------------------


def test_a_payment_marks_the_installment_paid(sessions) -> None:
    with sessions() as session:
        enrollment_id, (first, _second) = deal(session, "2024-03-01", "1000", 2)
        result = record_payment(
            session,
            SALES,
            first,
            paid_at=at("2024-03-01 16:00"),
            method="BANK_TRANSFER",
            reference=" wire 42 ",
        )
        assert result.remainder is None and result.completed is False
        payment_id = result.payment.id
    with sessions() as session:
        payment = session.get(Payment, payment_id)
        assert (payment.amount, payment.status, payment.method, payment.reference) == (
            D("500.00"),
            PaymentStatus.PAID,
            PaymentMethod.BANK_TRANSFER,
            "wire 42",
        )
        assert payment.paid_at == at("2024-03-01 16:00")
        assert payment.installment_id == first and payment.enrollment_id == enrollment_id
        assert [row.status for row in installments_of(session, enrollment_id)] == [
            InstallmentStatus.PAID,
            InstallmentStatus.PENDING,
        ]
        audits = audit_rows(session)[-2:]
        assert [(row.entity, row.action, row.username) for row in audits] == [
            ("installments", AuditAction.UPDATE, "sam"),
            ("payments", AuditAction.CREATE, "sam"),
        ]
        assert audits[0].old_values == {"status": "PENDING"}
        assert audits[0].new_values == {"status": "PAID"}
        assert audits[1].new_values["amount"] == "500.00"


def test_paying_twice_records_one_payment_and_says_when_it_was_paid(sessions) -> None:
    with sessions() as session:
        student = make_student(session, first_name="Jane", last_name="Doe")
        session.commit()
        _, (first, _second) = deal(session, "2024-03-01", "1000", 2, student=student)
        record_payment(session, SALES, first, paid_at=at("2024-03-02 15:00"))
    error = assert_refused(
        sessions,
        lambda s: record_payment(s, SALES, first, paid_at=at("2024-03-03 15:00")),
        ConflictError,
    )
    assert str(error).startswith("installment 1 of Jane Doe's enrollment in Program")
    assert "was already paid on 2024-03-02 — nothing was recorded" in str(error)


def test_the_unique_index_is_the_last_guard_against_a_second_payment(sessions) -> None:
    # A PAID payment the service did not write (e.g. synced from another machine) while the
    # installment still says PENDING: the database refuses a second PAID payment.
    with sessions() as session:
        enrollment_id, (first,) = deal(session, "2024-03-01", "300")
        session.add(
            Payment(
                enrollment_id=enrollment_id,
                installment_id=first,
                amount=D("300.00"),
                status=PaymentStatus.PAID,
                paid_at=at("2024-03-01 12:00"),
            )
        )
        session.commit()
    error = assert_refused(sessions, lambda s: record_payment(s, SALES, first), ConflictError)
    assert "just paid from another window or machine — nothing was recorded" in str(error)


def test_a_stale_version_is_refused(sessions) -> None:
    with sessions() as session:
        _, (first,) = deal(session, "2024-03-01", "300")
        version = session.get(Installment, first).version
        session.commit()
    with sessions() as session:
        record_payment(session, SALES, first, expected_version=version)
    with sessions() as session:
        _, (other,) = deal(session, "2024-03-01", "300")
    error = assert_refused(
        sessions, lambda s: record_payment(s, SALES, other, expected_version=5), ConflictError
    )
    assert "changed in another window or on another machine" in str(error)


def test_a_partial_payment_leaves_the_rest_due_on_the_same_date(sessions) -> None:
    with sessions() as session:
        enrollment_id, (_first, second, _third) = deal(session, "2024-03-01", "900", 3)
        result = record_payment(
            session,
            SALES,
            second,
            D("125.50"),
            paid_at=at("2024-04-01 14:00"),
            today=dt.date(2024, 4, 1),
        )
        remainder_id = result.remainder.id
        assert schedule_of(session, enrollment_id) == [
            (1, "2024-03-01", "300.00", "PENDING"),
            (2, "2024-04-01", "125.50", "PAID"),
            (4, "2024-04-01", "174.50", "PENDING"),
            (3, "2024-05-01", "300.00", "PENDING"),
        ]
        rest = session.get(Installment, remainder_id)
        assert rest.notes == "rest of installment 2 after a partial payment of 125.50 on 2024-04-01"
        # The rest can be paid in parts too, then in full; the schedule keeps its total.
        again = record_payment(
            session, SALES, remainder_id, "74.50", paid_at=at("2024-04-08 14:00")
        )
        record_payment(session, SALES, again.remainder.id, paid_at=at("2024-04-15 14:00"))
        rows = schedule_of(session, enrollment_id)
        assert sum(D(row[2]) for row in rows) == D("900.00")
        assert [row[2:] for row in rows if row[1] == "2024-04-01"] == [
            ("125.50", "PAID"),
            ("74.50", "PAID"),
            ("100.00", "PAID"),
        ]
        paid = session.scalars(
            select(Payment.amount)
            .where(Payment.status == PaymentStatus.PAID)
            .order_by(Payment.paid_at)
        ).all()
        assert paid == [D("125.50"), D("74.50"), D("100.00")]


def test_a_failed_charge_keeps_the_installment_due(sessions) -> None:
    with sessions() as session:
        enrollment_id, (first,) = deal(session, "2024-03-01", "300")
        failed = record_failed_charge(
            session, SALES, first, "card declined", attempted_at=at("2024-03-01 10:00")
        )
        assert (failed.status, failed.amount, failed.failure_reason) == (
            PaymentStatus.FAILED,
            D("300.00"),
            "card declined",
        )
        assert failed.paid_at == at("2024-03-01 10:00")
        assert installments_of(session, enrollment_id)[0].status is InstallmentStatus.PENDING
        # It can still be paid after a failed attempt.
        record_payment(session, SALES, first, paid_at=at("2024-03-02 10:00"))
    error = assert_refused(
        sessions, lambda s: record_failed_charge(s, SALES, first, "declined"), ConflictError
    )
    assert "the failed charge was not recorded" in str(error)


@pytest.fixture
def open_installment(sessions) -> dict:
    with sessions() as session:
        enrollment_id, (first, _second) = deal(session, "2024-03-01", "1000", 2)
        return {"enrollment": enrollment_id, "installment": first}


BAD_PAYMENTS = [
    ({"amount": 100.0}, ValidationError, "amount"),
    ({"amount": "10.005"}, ValidationError, "amount"),
    ({"amount": "-5"}, ValidationError, "amount"),
    ({"amount": 0}, ValidationError, "amount"),
    ({"amount": "500.01"}, ValidationError, "amount"),
    ({"amount": "1e400"}, ValidationError, "amount"),
    ({"amount": "-Infinity"}, ValidationError, "amount"),
    ({"paid_at": dt.datetime(2024, 3, 1, 12, 0)}, ValidationError, "paid_at"),
    ({"paid_at": dt.date(2024, 3, 1)}, ValidationError, "paid_at"),
    ({"paid_at": dt.datetime.now(dt.UTC) + dt.timedelta(days=2)}, ValidationError, "paid_at"),
    ({"method": "BITCOIN"}, ValidationError, "method"),
    ({"reference": "r" * 201}, ValidationError, "reference"),
    ({"installment_id": "not-an-id"}, ValidationError, "installment_id"),
    ({"installment_id": "00000000-0000-7000-8000-000000000000"}, NotFoundError, "installment_id"),
]


def test_bad_payments_name_the_field_and_change_nothing(sessions, open_installment) -> None:
    for change, error, field in BAD_PAYMENTS:
        args = {"installment_id": open_installment["installment"]} | change
        installment_id = args.pop("installment_id")
        assert_refused(
            sessions,
            lambda s, i=installment_id, a=args: record_payment(s, SALES, i, **a),
            error,
            field,
            case=repr(change),
        )


def test_bad_failed_charges_change_nothing(sessions, open_installment) -> None:
    installment_id = open_installment["installment"]
    for kwargs, field in [
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "declined", "amount": "501"}, "amount"),
        (
            {"reason": "declined", "attempted_at": at("2024-03-01 10:00").replace(tzinfo=None)},
            "attempted_at",
        ),
    ]:
        assert_refused(
            sessions,
            lambda s, kw=kwargs: record_failed_charge(s, SALES, installment_id, **kw),
            ValidationError,
            field,
        )


def test_payments_need_the_right_role_and_an_open_enrollment(sessions, open_installment) -> None:
    installment_id = open_installment["installment"]
    assert_refused(
        sessions, lambda s: record_payment(s, MARKETING, installment_id), PermissionDeniedError
    )
    with sessions() as session:
        cancel_enrollment(session, ADMIN, open_installment["enrollment"], "refund requested")
    error = assert_refused(
        sessions, lambda s: record_payment(s, SALES, installment_id), ValidationError, "status"
    )
    assert "is cancelled; only an enrollment that is active or defaulted can take payments" in str(
        error
    )


def test_a_defaulted_student_may_still_pay_and_complete(sessions) -> None:
    with sessions() as session:
        enrollment_id, (first,) = deal(session, "2024-03-01", "300")
        mark_defaulted(session, ADMIN, enrollment_id)
        result = record_payment(session, SALES, first, paid_at=at("2024-05-01 12:00"))
        assert result.completed
        assert session.get(Enrollment, enrollment_id).status is EnrollmentStatus.COMPLETED


def test_zero_installments_of_a_tiny_split_count_as_settled(sessions) -> None:
    with sessions() as session, pytest.raises(ValidationError, match="choose at most 2 inst"):
        deal(session, "2024-03-01", "0.02", 3)  # no new plan makes 0.00 installments
    with sessions() as session:
        enrollment_id, (one, two) = deal(session, "2024-03-01", "0.02", 2)
        # A 0.00 installment as older versions wrote them: never due, never overdue.
        legacy = Installment(
            enrollment_id=enrollment_id,
            sequence=3,
            due_date=dt.date(2024, 3, 1),
            amount=D("0.00"),
            status=InstallmentStatus.PENDING,
        )
        session.add(legacy)
        session.commit()
        zero = legacy.id
        assert roll_overdue(session, SALES, today=dt.date(2024, 12, 31)).overdue == 2
    assert_refused(
        sessions,
        lambda s: record_payment(s, SALES, zero),
        ValidationError,
        "installment_id",
        "nothing is due",
    )
    with sessions() as session:
        record_payment(session, SALES, one, paid_at=at("2024-03-02 12:00"))
        assert record_payment(session, SALES, two, paid_at=at("2024-03-02 12:00")).completed


# --- refunds --------------------------------------------------------------------------------


def test_partial_refunds_accumulate_then_a_full_refund_reopens_the_installment(sessions) -> None:
    with sessions() as session:
        enrollment_id, (only,) = deal(session, "2024-03-01", "500")
        paid = record_payment(session, SALES, only, paid_at=at("2024-03-01 12:00"))
        assert paid.completed
        payment_id = paid.payment.id
        first = refund_payment(
            session, ADMIN, payment_id, "100", refunded_at=at("2024-03-05 12:00"), reason="bonus"
        )
        assert (first.status, first.refunded_amount) == (PaymentStatus.PAID, D("100.00"))
        second = refund_payment(
            session, ADMIN, payment_id, D("150.00"), refunded_at=at("2024-03-06 12:00")
        )
        assert second.refunded_amount == D("250.00") and second.refunded_at == at(
            "2024-03-06 12:00"
        )
        assert session.get(Enrollment, enrollment_id).status is EnrollmentStatus.COMPLETED
    assert_refused(
        sessions,
        lambda s: refund_payment(s, ADMIN, payment_id, "250.01"),
        ValidationError,
        "amount",
        "more than the 250.00 left to refund",
    )
    with sessions() as session:
        full = refund_payment(
            session,
            ADMIN,
            payment_id,
            refunded_at=at("2024-03-07 12:00"),
            today=dt.date(2024, 3, 7),
        )
        assert (full.status, full.refunded_amount) == (PaymentStatus.REFUNDED, D("500.00"))
        assert full.notes.splitlines() == [
            "refunded 100.00 on 2024-03-05: bonus",
            "refunded 150.00 on 2024-03-06",
            "refunded 250.00 on 2024-03-07",
        ]
        installment = session.get(Installment, only)
        assert installment.status is InstallmentStatus.OVERDUE  # due 03-01, 3 grace days
        enrollment = session.get(Enrollment, enrollment_id)
        assert (enrollment.status, enrollment.ended_at) == (EnrollmentStatus.ACTIVE, None)
    error = assert_refused(sessions, lambda s: refund_payment(s, ADMIN, payment_id), ConflictError)
    assert "already refunded in full on 2024-03-07" in str(error)
    with sessions() as session:  # owed again: it can be paid again
        again = record_payment(session, SALES, only, paid_at=at("2024-03-10 12:00"))
        assert again.completed
        statuses = session.scalars(select(Payment.status).order_by(Payment.paid_at)).all()
        assert statuses == [PaymentStatus.REFUNDED, PaymentStatus.PAID]


def test_refunds_are_for_admins_and_only_of_money_received(sessions) -> None:
    with sessions() as session:
        _, (only,) = deal(session, "2024-03-01", "500")
        failed = record_failed_charge(
            session, SALES, only, "declined", attempted_at=at("2024-03-01 09:00")
        )
        paid = record_payment(session, SALES, only, paid_at=at("2024-03-01 12:00"))
        failed_id, paid_id = failed.id, paid.payment.id
    assert_refused(sessions, lambda s: refund_payment(s, SALES, paid_id), PermissionDeniedError)
    assert_refused(
        sessions,
        lambda s: refund_payment(s, ADMIN, failed_id),
        ValidationError,
        "payment_id",
        "is failed",
    )
    for kwargs, field in [
        ({"amount": "0"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"refunded_at": at("2024-02-01 12:00")}, "refunded_at"),
        ({"reason": "r" * 501}, "reason"),
    ]:
        assert_refused(
            sessions,
            lambda s, kw=kwargs: refund_payment(s, ADMIN, paid_id, **kw),
            ValidationError,
            field,
        )


# --- the overdue roll -----------------------------------------------------------------------


def test_the_overdue_roll_is_idempotent_and_follows_the_grace_days(sessions) -> None:
    with sessions() as session:
        split_id, split = deal(
            session, "2024-02-20", "400", 4, frequency="WEEKLY", today=dt.date(2024, 2, 20)
        )  # due 02-20, 02-27, 03-05, 03-12
        record_payment(session, SALES, split[0], paid_at=at("2024-02-20 12:00"))
        boundary_id, _ = deal(session, "2024-03-07", "100")  # 03-07 + 3 days is not before 03-10
        cancelled_id, _ = deal(session, "2024-02-01", "100")
        cancel_enrollment(session, ADMIN, cancelled_id)
        result = roll_overdue(session, SALES, today=dt.date(2024, 3, 10))
        assert (result.overdue, result.pending) == (2, 0)
        assert [row[3] for row in schedule_of(session, split_id)] == [
            "PAID",
            "OVERDUE",
            "OVERDUE",
            "PENDING",
        ]
        assert schedule_of(session, boundary_id)[0][3] == "PENDING"
        assert schedule_of(session, cancelled_id)[0][3] == "PENDING"
        rolled = session.scalars(
            select(AuditEntry).where(AuditEntry.summary == "overdue roll")
        ).all()
        assert len(rolled) == 2 and {row.new_values["status"] for row in rolled} == {"OVERDUE"}
        before = table_state(session)
        again = roll_overdue(session, SALES, today=dt.date(2024, 3, 10))
        assert (again.overdue, again.pending) == (0, 0)
        assert table_state(session) == before
        update_settings(session, ADMIN, grace_days=5)  # 03-05 + 5 days is not before 03-10
        loosened = roll_overdue(session, SALES, today=dt.date(2024, 3, 10))
        assert (loosened.overdue, loosened.pending) == (0, 1)
        assert [row[3] for row in schedule_of(session, split_id)][2] == "PENDING"
    assert_refused(
        sessions, lambda s: roll_overdue(s, SALES, today="2024-03-10"), ValidationError, "today"
    )


# --- receivables, aging, dunning ------------------------------------------------------------

AS_OF = dt.date(2024, 6, 30)  # America/New_York, the default time zone


@pytest.fixture
def ledger(sessions) -> dict:
    """Enrollments whose balances on 2024-06-30 are known (see each comment)."""
    with sessions() as session:
        ids: dict = {}
        ids["A"] = deal(session, "2024-06-30", "1000")  # due as_of: not yet due
        ids["B"] = deal(session, "2024-05-31", "200")  # 30 days: 1-30
        ids["C"] = deal(session, "2024-05-30", "300")  # 31 days: 31-60
        ids["D"] = deal(session, "2024-04-01", "400")  # 90 days: 61-90
        ids["E"] = deal(session, "2024-03-31", "500")  # 91 days: over 90
        ids["F"] = deal(session, "2024-07-01", "600")  # starts after as_of: not counted
        ids["G"] = deal(session, "2024-06-01", "700")  # cancelled: not counted
        cancel_enrollment(session, ADMIN, ids["G"][0])
        ids["H"] = deal(session, "2024-04-15", "900", 3)  # 300 due 04-15, 05-15, 06-15
        h1, h2, _h3 = ids["H"][1]
        record_payment(session, SALES, h1, paid_at=at("2024-04-20 12:00"))
        # 23:30 on June 30 in New York: paid as of June 30. The rest (200) is due 05-15.
        record_payment(
            session, SALES, h2, "100", paid_at=at("2024-07-01 03:30"), today=dt.date(2024, 7, 1)
        )
        ids["I"] = deal(session, "2024-06-10", "50")  # paid July 1st 01:00 New York: still owed
        record_payment(session, SALES, ids["I"][1][0], paid_at=at("2024-07-01 05:00"))
        ids["J"] = deal(session, "2024-06-20", "80")  # refunded in full: owed again
        j = record_payment(session, SALES, ids["J"][1][0], paid_at=at("2024-06-21 12:00"))
        refund_payment(session, ADMIN, j.payment.id, refunded_at=at("2024-06-25 12:00"))
        ids["K"] = deal(session, "2024-06-20", "60")  # partly refunded: still paid
        k = record_payment(session, SALES, ids["K"][1][0], paid_at=at("2024-06-21 12:00"))
        refund_payment(session, ADMIN, k.payment.id, "10", refunded_at=at("2024-06-25 12:00"))
        ids["L"] = deal(session, "2024-06-25", "70")  # defaulted: still owed, 5 days
        mark_defaulted(session, ADMIN, ids["L"][0])
        for when in ("2024-06-02 10:00", "2024-06-09 10:00"):  # two failed attempts on C
            record_failed_charge(session, SALES, ids["C"][1][0], "declined", attempted_at=at(when))
        return ids


def test_aging_follows_kpis_md(sessions, ledger) -> None:
    with sessions() as session:
        aging = aging_summary(session, SALES, AS_OF)
        assert (
            aging.total,
            aging.not_yet_due,
            aging.overdue_1_30,
            aging.overdue_31_60,
            aging.overdue_61_90,
            aging.overdue_90_plus,
        ) == (D("3100"), D("1000"), D("700"), D("500"), D("400"), D("500"))
        assert aging.overdue == D("2100")
        # A month earlier: H's second installment was not paid yet (split, 100 + 200).
        earlier = aging_summary(session, SALES, dt.date(2024, 5, 31))
        assert (
            earlier.total,
            earlier.not_yet_due,
            earlier.overdue_1_30,
            earlier.overdue_31_60,
            earlier.overdue_61_90,
            earlier.overdue_90_plus,
        ) == (D("2000"), D("500"), D("600"), D("400"), D("500"), D("0"))
        assert aging_summary(session, SALES, dt.date(2023, 1, 1)).total == D("0.00")


def test_the_receivables_list_adds_up_to_the_aging(sessions, ledger) -> None:
    with sessions() as session:
        rows = list_receivables(session, SALES, AS_OF)
        aging = aging_summary(session, SALES, AS_OF)
        assert sum(row.balance for row in rows) == aging.total
        fields = {
            AgingBucket.NOT_YET_DUE: aging.not_yet_due,
            AgingBucket.DAYS_1_30: aging.overdue_1_30,
            AgingBucket.DAYS_31_60: aging.overdue_31_60,
            AgingBucket.DAYS_61_90: aging.overdue_61_90,
            AgingBucket.DAYS_90_PLUS: aging.overdue_90_plus,
        }
        for bucket, expected in fields.items():
            in_bucket = list_receivables(session, SALES, AS_OF, bucket)
            assert sum(row.balance for row in in_bucket) == expected
            assert {row.bucket for row in in_bucket} <= {bucket}
        rest = [row for row in rows if row.due_date == dt.date(2024, 5, 15)]
        assert [(r.amount, r.balance, r.days_past_due, r.bucket) for r in rest] == [
            (D("200.00"), D("200.00"), 46, AgingBucket.DAYS_31_60)
        ]
        assert [row.due_date.isoformat() for row in rows][:2] == ["2024-03-31", "2024-04-01"]
        page = list_receivables(session, SALES, AS_OF, limit=3, offset=2)
        assert [row.installment_id for row in page] == [row.installment_id for row in rows[2:5]]
    for kwargs, field in [
        ({"bucket": "someday"}, "bucket"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"as_of": "2024-06-30"}, "as_of"),
    ]:
        assert_refused(
            sessions,
            lambda s, kw=kwargs: list_receivables(s, SALES, **({"as_of": AS_OF} | kw)),
            ValidationError,
            field,
        )
    assert_refused(sessions, lambda s: aging_summary(s, MARKETING, AS_OF), PermissionDeniedError)


def test_the_dunning_list_shows_whom_to_chase(sessions, ledger) -> None:
    with sessions() as session:
        rows = dunning_list(session, SALES, dt.date(2024, 7, 1))  # late: due before 06-28
        summary = [(row.due_date.isoformat(), str(row.amount_due), row.days_late) for row in rows]
        assert summary == [
            ("2024-03-31", "500.00", 92),  # E
            ("2024-04-01", "400.00", 91),  # D
            ("2024-05-15", "200.00", 47),  # H, the rest of the partial payment
            ("2024-05-30", "300.00", 32),  # C
            ("2024-05-31", "200.00", 31),  # B
            ("2024-06-15", "300.00", 16),  # H
            ("2024-06-20", "80.00", 11),  # J, refunded: owed again
        ]
        c_row = rows[3]
        assert (c_row.attempts, c_row.last_attempt_at) == (2, at("2024-06-09 10:00"))
        assert c_row.email.endswith("@example.com") and c_row.phone == "+15555550199"
        assert c_row.student_name.startswith("Stu Dent") and c_row.program.startswith("Program")
        assert [row.attempts for row in rows if row is not c_row] == [0] * 6


def test_the_schedule_shows_payments_refunds_and_attempts(sessions, ledger) -> None:
    with sessions() as session:
        rows = enrollment_schedule(session, SALES, ledger["H"][0])
        assert [(r.sequence, str(r.amount), str(r.paid), r.status.value) for r in rows] == [
            (1, "300.00", "300.00", "PAID"),
            (2, "100.00", "100.00", "PAID"),
            (4, "200.00", "0.00", "OVERDUE"),  # due 05-15, split off on 07-01
            (3, "300.00", "0.00", "PENDING"),
        ]
        k_rows = enrollment_schedule(session, SALES, ledger["K"][0])
        assert [(str(r.paid), str(r.refunded)) for r in k_rows] == [("60.00", "10.00")]
        c_rows = enrollment_schedule(session, SALES, ledger["C"][0])
        assert [r.failed_attempts for r in c_rows] == [2]


# --- concurrency ----------------------------------------------------------------------------


def test_two_machines_paying_at_once_record_one_payment(sessions, backend) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time in one file; real concurrency is PostgreSQL")
    for _ in range(4):
        with sessions() as session:
            _, (only,) = deal(session, "2024-03-01", "500")
        barrier = threading.Barrier(2)
        outcomes: list[object] = []

        def pay(installment_id=only, barrier=barrier, outcomes=outcomes) -> None:
            with sessions() as session:
                barrier.wait()
                try:
                    record_payment(session, SALES, installment_id, paid_at=at("2024-03-02 12:00"))
                    outcomes.append("paid")
                except ConflictError as error:
                    outcomes.append(error)

        threads = [threading.Thread(target=pay) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(map(type, outcomes), key=str) == sorted([str, ConflictError], key=str)
        conflict = next(o for o in outcomes if isinstance(o, ConflictError))
        assert "nothing was recorded" in str(conflict)
        with sessions() as session:
            count = session.scalar(
                select(func.count())
                .select_from(Payment)
                .where(Payment.installment_id == only, Payment.status == PaymentStatus.PAID)
            )
            assert count == 1
