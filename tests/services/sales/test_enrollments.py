"""Closing deals, changing plans, ending enrollments: on PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal_desktop.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from portal_desktop.models import Enrollment, Installment, Payment, Student
from portal_desktop.models.enums import (
    AuditAction,
    CallOutcome,
    EnrollmentStatus,
    InstallmentStatus,
    PaymentFrequency,
    PaymentStatus,
    PlanType,
    TeamRole,
    UserRole,
)
from portal_desktop.services.billing.payments import record_failed_charge, record_payment
from portal_desktop.services.billing.plan_changes import (
    change_remaining_plan,
    preview_remaining_plan,
    reschedule_installment,
)
from portal_desktop.services.common.context import Actor
from portal_desktop.services.sales.enrollments import (
    DealTerms,
    NewStudent,
    cancel_enrollment,
    close_deal,
    complete_enrollment,
    mark_defaulted,
)
from tests.services.factories import (
    actor_of,
    assert_refused,
    audit_rows,
    make_enrollment,
    make_lead,
    make_program,
    make_sales_call,
    make_student,
    make_team_member,
    make_user,
    schedule_of,
)

D = Decimal
ADMIN = Actor(user_id=None, username="ada", role=UserRole.ADMIN)
SALES = Actor(user_id=None, username="sam", role=UserRole.SALES)
MARKETING = Actor(user_id=None, username="mia", role=UserRole.MARKETING)
START = dt.date(2024, 3, 1)
PAID_AT = dt.datetime(2024, 3, 1, 17, 0, tzinfo=dt.UTC)


# --- closing a deal -------------------------------------------------------------------------


def test_closing_a_won_call_creates_the_student_from_the_lead(sessions) -> None:
    with sessions() as session:
        user = make_user(session, role=UserRole.SALES, username="closer1")
        closer = make_team_member(session, name="Cleo Closer")
        setter = make_team_member(session, name="Seth Setter", role=TeamRole.SETTER)
        lead = make_lead(
            session, first_name="Jane", last_name="Doe", email="Jane.Doe@Example.com", phone="+1555"
        )
        call = make_sales_call(
            session, lead=lead, host=closer, setter=setter, outcome=CallOutcome.CLOSED_WON
        )
        program = make_program(session, name="Scale Up", price=D("6000.00"))
        session.commit()
        enrollment = close_deal(
            session,
            actor_of(user),
            DealTerms(program.id, START, PlanType.SPLIT, "6000.00", 3, down_payment="1500.00"),
            sales_call_id=call.id,
            today=START,
        )
        ids = (enrollment.id, lead.id, closer.id, setter.id, call.id, program.id, user.id)
    enrollment_id, lead_id, closer_id, setter_id, call_id, program_id, user_id = ids
    with sessions() as session:
        student = session.scalars(select(Student)).one()
        assert (student.first_name, student.last_name, student.email, student.phone) == (
            "Jane",
            "Doe",
            "Jane.Doe@Example.com",
            "+1555",
        )
        assert student.lead_id == lead_id
        enrollment = session.get(Enrollment, enrollment_id)
        assert enrollment.student_id == student.id and enrollment.program_id == program_id
        assert (enrollment.closer_id, enrollment.setter_id) == (closer_id, setter_id)
        assert enrollment.sales_call_id == call_id
        assert enrollment.contract_value == D("6000.00")
        assert enrollment.down_payment == D("1500.00")
        assert enrollment.installment_count == 3
        assert enrollment.payment_frequency is PaymentFrequency.MONTHLY
        assert enrollment.status is EnrollmentStatus.ACTIVE
        assert schedule_of(session, enrollment_id) == [
            (1, "2024-03-01", "1500.00", "PENDING"),
            (2, "2024-04-01", "1500.00", "PENDING"),
            (3, "2024-05-01", "1500.00", "PENDING"),
            (4, "2024-06-01", "1500.00", "PENDING"),
        ]
        audits = audit_rows(session)
        assert [(row.entity, row.action) for row in audits] == [
            ("students", AuditAction.CREATE),
            ("enrollments", AuditAction.CREATE),
            *[("installments", AuditAction.CREATE)] * 4,
        ]
        assert {(row.user_id, row.username) for row in audits} == {(user_id, "closer1")}
        assert audits[1].new_values["contract_value"] == "6000.00"


def test_closing_directly_finds_the_student_by_email_whatever_its_case(sessions) -> None:
    with sessions() as session:
        existing = make_student(session, email="max@example.com", first_name="Max")
        program = make_program(session, price=D("997.00"))
        session.commit()
        enrollment = close_deal(
            session,
            SALES,
            DealTerms(program.id, START),  # PIF at the program's price
            new_student=NewStudent("Maxime", "X", "  MAX@Example.COM "),
            today=START,
        )
        assert enrollment.student_id == existing.id
        assert session.scalar(select(func.count()).select_from(Student)) == 1
        assert enrollment.plan_type is PlanType.PIF and enrollment.payment_frequency is None
        assert schedule_of(session, enrollment.id) == [(1, "2024-03-01", "997.00", "PENDING")]


def test_closing_a_new_buyer_creates_the_student(sessions) -> None:
    with sessions() as session:
        program = make_program(session)
        session.commit()
        enrollment = close_deal(
            session,
            SALES,
            DealTerms(program.id, START, "SPLIT", D("100.00"), 3, "WEEKLY"),
            new_student=NewStudent(" Ann ", "Lee", "ann@example.com", "(555) 123-4567"),
            today=START,
        )
        student = session.get(Student, enrollment.student_id)
        assert (student.first_name, student.email, student.phone, student.lead_id) == (
            "Ann",
            "ann@example.com",
            "+15551234567",
            None,
        )
        assert [row[2] for row in schedule_of(session, enrollment.id)] == [
            "33.33",
            "33.33",
            "33.34",
        ]


def test_a_lead_matching_a_student_by_email_is_linked_to_it(sessions) -> None:
    with sessions() as session:
        student = make_student(session, email="bo@example.com")
        lead = make_lead(session, email="BO@example.com")
        program = make_program(session)
        session.commit()
        first = close_deal(session, ADMIN, DealTerms(program.id, START), lead_id=lead.id)
        assert first.student_id == student.id
        session.refresh(student)
        assert student.lead_id == lead.id
        linked = audit_rows(session, "students")
        assert [(row.action, row.new_values) for row in linked] == [
            (AuditAction.UPDATE, {"lead_id": str(lead.id)})
        ]
        # An upsell later: the lead's linked student is found again, no new student.
        other = make_program(session)
        session.commit()
        second = close_deal(session, ADMIN, DealTerms(other.id, START), lead_id=lead.id)
        assert second.student_id == student.id
        assert session.scalar(select(func.count()).select_from(Student)) == 1


def test_an_upsell_call_with_a_student_enrolls_that_student(sessions) -> None:
    with sessions() as session:
        student = make_student(session)
        call = make_sales_call(session, student=student, outcome=CallOutcome.CLOSED_WON)
        program = make_program(session)
        session.commit()
        enrollment = close_deal(session, SALES, DealTerms(program.id, START), sales_call_id=call.id)
        assert enrollment.student_id == student.id
        assert enrollment.closer_id == call.host_id and enrollment.setter_id is None


def test_a_back_dated_deal_has_its_past_installments_overdue(sessions) -> None:
    # Grace days default to 3: due 2024-01-01 is overdue on 01-05, due 02-01 is not yet.
    with sessions() as session:
        enrollment = make_enrollment(
            session,
            SALES,
            start_date=dt.date(2024, 1, 1),
            today=dt.date(2024, 2, 4),
            plan_type="SPLIT",
            contract_value="300",
            installments=3,
        )
        assert [row[3] for row in schedule_of(session, enrollment.id)] == [
            "OVERDUE",
            "PENDING",
            "PENDING",
        ]


def test_a_call_closes_into_one_enrollment_only(sessions) -> None:
    with sessions() as session:
        call = make_sales_call(session, outcome=CallOutcome.CLOSED_WON)
        program = make_program(session)
        session.commit()
        close_deal(session, SALES, DealTerms(program.id, START), sales_call_id=call.id)
        call_id, program_id = call.id, program.id
    error = assert_refused(
        sessions,
        lambda s: close_deal(s, SALES, DealTerms(program_id, START), sales_call_id=call_id),
        ConflictError,
    )
    assert "already closed into" in str(error) and "nothing was recorded" in str(error)


@pytest.fixture
def deal_world(sessions) -> dict:
    with sessions() as session:
        program = make_program(session, name="Inner Circle")
        retired = make_program(session, name="Old Course", active=False)
        lead = make_lead(session, email=None)
        open_call = make_sales_call(session, outcome=None)
        won_call = make_sales_call(session, outcome=CallOutcome.CLOSED_WON)
        session.commit()
        return {
            "program": program.id,
            "retired": retired.id,
            "lead_without_email": lead.id,
            "open_call": open_call.id,
            "won_call": won_call.id,
        }


BAD_DEALS = [
    ({"program": "missing"}, NotFoundError, "program_id", "no program"),
    ({"program": "retired"}, ValidationError, "program_id", "no longer sold"),
    ({"terms": {"contract_value": "12.345"}}, ValidationError, "contract_value", "decimals"),
    ({"terms": {"installments": 40, "plan_type": "SPLIT"}}, ValidationError, "installments", ""),
    ({"terms": {"plan_type": "BARTER"}}, ValidationError, "plan_type", "not one of"),
    ({"terms": {"notes": "x" * 4001}}, ValidationError, "notes", "at most 4000"),
    ({"buyer": {}}, ValidationError, "student", "say who bought"),
    ({"buyer": {"lead_id": "lead_without_email"}}, ValidationError, "email", "has no email"),
    ({"buyer": {"sales_call_id": "open_call"}}, ValidationError, "sales_call_id", "not logged"),
    ({"buyer": {"student_id": "missing"}}, NotFoundError, "student_id", "no student"),
    ({"closer_id": "missing"}, NotFoundError, "closer_id", "no team member"),
    ({"new_student": NewStudent("A", "B", "not-an-email")}, ValidationError, "email", "not an"),
    ({"new_student": NewStudent("", "B", "ab@example.com")}, ValidationError, "first_name", ""),
    ({"new_student": NewStudent("A", "B", "a@b.co", "call me")}, ValidationError, "phone", ""),
    (
        {"buyer": {"sales_call_id": "won_call", "lead_id": "lead_without_email"}},
        ValidationError,
        "lead_id",
        "not the one of the sales call",
    ),
]


def test_bad_deals_name_the_field_and_change_nothing(sessions, deal_world) -> None:
    def ref(name):
        return deal_world.get(name, uuid.uuid4())

    for case, error, field, words in BAD_DEALS:
        terms = DealTerms(ref(case.get("program", "program")), START, **case.get("terms", {}))
        buyer = {key: ref(value) for key, value in case.get("buyer", {}).items()}
        if "new_student" in case:
            buyer["new_student"] = case["new_student"]
        elif "buyer" not in case:
            buyer["new_student"] = NewStudent("Al", "Ok", "al@example.com")
        extra = {"closer_id": ref(case["closer_id"])} if "closer_id" in case else {}
        assert_refused(
            sessions,
            lambda s, t=terms, b=buyer, e=extra: close_deal(s, SALES, t, **b, **e),
            error,
            field,
            words,
            case=repr(case),
        )


def test_marketing_may_not_close_deals(sessions, deal_world) -> None:
    terms = DealTerms(deal_world["program"], START)
    buyer = NewStudent("Al", "Ok", "al@example.com")
    error = assert_refused(
        sessions,
        lambda s: close_deal(s, MARKETING, terms, new_student=buyer),
        PermissionDeniedError,
    )
    assert "mia (Marketing) may not close deals" in str(error)


# --- changing the plan ----------------------------------------------------------------------


@pytest.fixture
def split_deal(sessions) -> dict:
    """1,000.00 in 4 monthly installments from 2024-03-01."""
    with sessions() as session:
        enrollment = make_enrollment(
            session,
            SALES,
            start_date=START,
            plan_type="SPLIT",
            contract_value="1000.00",
            installments=4,
        )
        rows = session.scalars(
            select(Installment)
            .where(Installment.enrollment_id == enrollment.id)
            .order_by(Installment.sequence)
        ).all()
        return {"enrollment": enrollment.id, "installments": [row.id for row in rows]}


def test_rescheduling_moves_one_installment_and_sets_its_status(sessions, split_deal) -> None:
    first = split_deal["installments"][0]
    with sessions() as session:
        moved = reschedule_installment(session, SALES, first, dt.date(2024, 3, 20), today=START)
        assert moved.status is InstallmentStatus.PENDING and moved.version == 2
        # Moved into the past beyond the grace days: overdue at once.
        late = reschedule_installment(
            session, SALES, first, dt.date(2024, 3, 5), today=dt.date(2024, 3, 9)
        )
        assert late.status is InstallmentStatus.OVERDUE
        assert schedule_of(session, split_deal["enrollment"])[0] == (
            1,
            "2024-03-05",
            "250.00",
            "OVERDUE",
        )
        audits = audit_rows(session, "installments")[-2:]
        assert [(row.old_values, row.new_values) for row in audits] == [
            ({"due_date": "2024-03-01"}, {"due_date": "2024-03-20"}),
            (
                {"due_date": "2024-03-20", "status": "PENDING"},
                {"due_date": "2024-03-05", "status": "OVERDUE"},
            ),
        ]


def test_bad_reschedules_change_nothing(sessions, split_deal) -> None:
    first, second = split_deal["installments"][:2]
    with sessions() as session:
        record_payment(session, SALES, first, paid_at=PAID_AT, today=START)
    cases = [
        (lambda s: reschedule_installment(s, SALES, first, dt.date(2024, 5, 1)), "installment_id"),
        (lambda s: reschedule_installment(s, SALES, second, dt.date(2024, 2, 1)), "due_date"),
        (lambda s: reschedule_installment(s, SALES, second, "2024-05-01"), "due_date"),
        (lambda s: reschedule_installment(s, SALES, "nope", dt.date(2024, 5, 1)), "installment_id"),
    ]
    for call, field in cases:
        assert_refused(sessions, call, ValidationError, field)
    error = assert_refused(
        sessions,
        lambda s: reschedule_installment(s, SALES, second, dt.date(2024, 5, 1), expected_version=7),
        ConflictError,
    )
    assert "changed in another window" in str(error)
    assert_refused(
        sessions,
        lambda s: reschedule_installment(s, MARKETING, second, dt.date(2024, 5, 1)),
        PermissionDeniedError,
    )


def test_changing_the_remaining_plan_keeps_the_total_and_the_paid_part(
    sessions, split_deal
) -> None:
    first, second = split_deal["installments"][:2]
    enrollment_id = split_deal["enrollment"]
    with sessions() as session:
        record_payment(session, SALES, first, paid_at=PAID_AT, today=START)
        attempt = record_failed_charge(
            session, SALES, second, "card declined", attempted_at=PAID_AT
        )
        attempt_id = attempt.id
        preview = preview_remaining_plan(
            session, SALES, enrollment_id, 3, "BIWEEKLY", dt.date(2024, 4, 15)
        )
        change = change_remaining_plan(
            session, SALES, enrollment_id, 3, "BIWEEKLY", dt.date(2024, 4, 15), today=START
        )
        assert change == preview
    with sessions() as session:
        assert schedule_of(session, enrollment_id) == [
            (1, "2024-03-01", "250.00", "PAID"),
            (2, "2024-04-15", "250.00", "PENDING"),
            (3, "2024-04-29", "250.00", "PENDING"),
            (4, "2024-05-13", "250.00", "PENDING"),
        ]
        enrollment = session.get(Enrollment, enrollment_id)
        assert enrollment.contract_value == D("1000.00")
        assert enrollment.installment_count == 4
        assert enrollment.payment_frequency is PaymentFrequency.BIWEEKLY
        assert "re-planned over 3 installments" in enrollment.notes
        # The failed attempt stays on the enrollment, unlinked from the removed installment.
        payment = session.get(Payment, attempt_id)
        assert payment.installment_id is None and payment.enrollment_id == enrollment_id
        actions = [(row.entity, row.action) for row in audit_rows(session)][-8:]
        assert actions == [
            ("payments", AuditAction.UPDATE),
            ("installments", AuditAction.DELETE),
            ("installments", AuditAction.DELETE),
            ("installments", AuditAction.DELETE),
            ("installments", AuditAction.CREATE),
            ("installments", AuditAction.CREATE),
            ("installments", AuditAction.CREATE),
            ("enrollments", AuditAction.UPDATE),
        ]


def test_a_plan_change_of_an_uneven_rest_still_sums_to_the_contract(sessions) -> None:
    with sessions() as session:
        enrollment = make_enrollment(
            session,
            ADMIN,
            start_date=START,
            plan_type="SPLIT",
            contract_value="997.00",
            installments=3,
            down_payment="100.00",
        )
        down = session.scalars(
            select(Installment).where(
                Installment.enrollment_id == enrollment.id, Installment.is_down_payment
            )
        ).one()
        record_payment(session, ADMIN, down.id, paid_at=PAID_AT, today=START)
        change_remaining_plan(session, ADMIN, enrollment.id, 7, "WEEKLY", dt.date(2024, 4, 1))
        rows = schedule_of(session, enrollment.id)
        assert [row[2] for row in rows] == ["100.00"] + ["128.14"] * 5 + ["128.15"] * 2
        assert sum(D(row[2]) for row in rows) == D("997.00")
        assert [row[0] for row in rows] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_a_pif_replanned_over_several_installments_becomes_split(sessions) -> None:
    with sessions() as session:
        enrollment = make_enrollment(session, ADMIN, start_date=START, contract_value="900")
        change_remaining_plan(session, ADMIN, enrollment.id, 3, "MONTHLY", dt.date(2024, 3, 31))
        session.refresh(enrollment)
        assert enrollment.plan_type is PlanType.SPLIT and enrollment.installment_count == 3
        assert [row[1] for row in schedule_of(session, enrollment.id)] == [
            "2024-03-31",
            "2024-04-30",
            "2024-05-31",
        ]


def test_bad_plan_changes_change_nothing(sessions, split_deal) -> None:
    enrollment_id = split_deal["enrollment"]
    day = dt.date(2024, 4, 1)
    for call, field in [
        (
            lambda s: change_remaining_plan(s, SALES, enrollment_id, 0, "WEEKLY", day),
            "installments",
        ),
        (lambda s: change_remaining_plan(s, SALES, enrollment_id, 2, "YEARLY", day), "frequency"),
        (
            lambda s: change_remaining_plan(
                s, SALES, enrollment_id, 2, "WEEKLY", START.replace(day=1, month=2)
            ),
            "first_due_date",
        ),
    ]:
        assert_refused(sessions, call, ValidationError, field)
    with sessions() as session:
        for installment_id in split_deal["installments"]:
            record_payment(session, SALES, installment_id, paid_at=PAID_AT, today=START)
    # Fully paid, hence COMPLETED: there is nothing left to change.
    assert_refused(
        sessions,
        lambda s: change_remaining_plan(s, SALES, enrollment_id, 2, "WEEKLY", day),
        ValidationError,
        "status",
        "is completed",
    )


# --- ending an enrollment -------------------------------------------------------------------


def test_cancel_and_default_are_for_admins_and_keep_the_schedule(sessions, split_deal) -> None:
    enrollment_id = split_deal["enrollment"]
    assert_refused(
        sessions, lambda s: cancel_enrollment(s, SALES, enrollment_id), PermissionDeniedError
    )
    with sessions() as session:
        defaulted = mark_defaulted(session, ADMIN, enrollment_id, "stopped answering")
        assert defaulted.status is EnrollmentStatus.DEFAULTED and defaulted.ended_at is not None
        cancelled = cancel_enrollment(session, ADMIN, enrollment_id, "asked to leave")
        assert cancelled.status is EnrollmentStatus.CANCELLED
        assert cancelled.notes.splitlines() == [
            "defaulted: stopped answering",
            "cancelled: asked to leave",
        ]
        assert [row[3] for row in schedule_of(session, enrollment_id)] == ["PENDING"] * 4
        changes = [row.new_values["status"] for row in audit_rows(session, "enrollments")[1:]]
        assert changes == ["DEFAULTED", "CANCELLED"]
    for call in (
        lambda s: cancel_enrollment(s, ADMIN, enrollment_id),
        lambda s: mark_defaulted(s, ADMIN, enrollment_id),
    ):
        assert_refused(sessions, call, ValidationError, "status", "is cancelled")


def test_complete_refuses_while_something_is_unpaid(sessions, split_deal) -> None:
    error = assert_refused(
        sessions,
        lambda s: complete_enrollment(s, SALES, split_deal["enrollment"]),
        ValidationError,
        "status",
    )
    assert "4 unpaid installment(s) totalling 1,000.00" in str(error)


def test_complete_marks_a_settled_enrollment_completed(sessions, split_deal) -> None:
    with sessions() as session:  # e.g. payments imported without going through the service
        for row in session.scalars(select(Installment)):
            row.status = InstallmentStatus.PAID
        session.commit()
        enrollment = complete_enrollment(session, SALES, split_deal["enrollment"])
        assert enrollment.status is EnrollmentStatus.COMPLETED
        assert enrollment.ended_at is not None


def test_the_last_payment_completes_the_enrollment(sessions, split_deal) -> None:
    with sessions() as session:
        results = [
            record_payment(session, SALES, installment_id, paid_at=PAID_AT, today=START)
            for installment_id in split_deal["installments"]
        ]
        assert [result.completed for result in results] == [False, False, False, True]
        enrollment = session.get(Enrollment, split_deal["enrollment"])
        assert enrollment.status is EnrollmentStatus.COMPLETED
        assert enrollment.ended_at == PAID_AT
        paid = session.scalar(
            select(func.sum(Payment.amount)).where(Payment.status == PaymentStatus.PAID)
        )
        assert paid == D("1000.00")
