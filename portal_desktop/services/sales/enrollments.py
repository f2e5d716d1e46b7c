"""Enrollments: closing a deal, and ending it (cancel, default, complete).

Changing the plan of an open enrollment is in :mod:`portal_desktop.services.billing.plan_changes`.

Closing a deal is one transaction: the buyer is found (the student linked to the lead, else
the student with the same email, case-insensitive) or created from the lead, linked to it
through ``students.lead_id``; then the enrollment and its schedule are written, each with an
audit row. Installments past due (plus the grace days) are OVERDUE from the start.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.errors import ConflictError, ValidationError
from portal_desktop.models import (
    Enrollment,
    Lead,
    Program,
    SalesCall,
    Student,
    TeamMember,
)
from portal_desktop.models.enums import (
    AuditAction,
    CallOutcome,
    EnrollmentStatus,
    PaymentFrequency,
    PlanType,
)
from portal_desktop.services.billing.ledger import (
    NOTES_LENGTH,
    add_schedule,
    complete_if_paid,
    enrollment_label,
    money,
    open_installments,
    require_status,
    set_status,
)
from portal_desktop.services.billing.payment_plans import build_schedule
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.fields import clean_email, clean_text, parse_enum
from portal_desktop.services.common.money import ZERO
from portal_desktop.services.common.phone import normalize_phone
from portal_desktop.services.common.records import add_new, check_version, conflicts_as, get_record
from portal_desktop.services.common.transaction import use_case

OPEN = (EnrollmentStatus.ACTIVE,)


@dataclass(frozen=True)
class NewStudent:
    """A buyer who is not in the database yet (a deal closed without a lead)."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True)
class DealTerms:
    """What was sold, for how much, and how it is paid."""

    program_id: uuid.UUID
    start_date: dt.date
    plan_type: PlanType | str = PlanType.PIF
    contract_value: Decimal | int | str | None = None  # None: the program's price
    installments: int = 1
    frequency: PaymentFrequency | str = PaymentFrequency.MONTHLY
    down_payment: Decimal | int | str = ZERO
    first_due_date: dt.date | None = None
    notes: str | None = None


# --- closing a deal -------------------------------------------------------------------------


@use_case
def close_deal(
    session: Session,
    actor: Actor,
    terms: DealTerms,
    *,
    sales_call_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
    new_student: NewStudent | None = None,
    closer_id: uuid.UUID | None = None,
    setter_id: uuid.UUID | None = None,
    today: dt.date | None = None,
) -> Enrollment:
    """Enroll the buyer (from a CLOSED_WON call, a lead, a student or a new student)."""
    actor.require(Permission.EDIT_ENROLLMENTS)
    program = get_record(session, Program, terms.program_id, "program_id")
    if not program.active:
        raise ValidationError(
            "program_id", f"'{program.name}' is no longer sold; reactivate it or pick another"
        )
    plan_type = parse_enum(terms.plan_type, PlanType, "plan_type")
    value = program.price if terms.contract_value is None else terms.contract_value
    schedule = build_schedule(
        value,
        plan_type,
        terms.start_date,
        terms.installments,
        terms.frequency,
        terms.down_payment,
        terms.first_due_date,
    )
    notes = clean_text("notes", terms.notes, max_length=NOTES_LENGTH)
    call = _won_call(session, sales_call_id)
    if call is not None:
        closer_id = closer_id or call.host_id
        setter_id = setter_id or call.setter_id
    closer = _member(session, closer_id, "closer_id")
    setter = _member(session, setter_id, "setter_id")
    with conflicts_as(
        "the same buyer was enrolled from another window or machine at the same moment — "
        "nothing was saved; refresh and check before closing again"
    ):
        student = _buyer(session, actor, call, lead_id, student_id, new_student)
        enrollment = add_new(
            session,
            Enrollment,
            student=student,
            program=program,
            plan_type=plan_type,
            contract_value=sum((item.amount for item in schedule), ZERO),
            start_date=terms.start_date,
            closer_id=closer.id if closer else None,
            setter_id=setter.id if setter else None,
            sales_call_id=call.id if call else None,
            down_payment=sum((i.amount for i in schedule if i.is_down_payment), ZERO),
            installment_count=sum(1 for item in schedule if not item.is_down_payment),
            payment_frequency=(
                None
                if plan_type is PlanType.PIF
                else parse_enum(terms.frequency, PaymentFrequency, "frequency")
            ),
            notes=notes,
        )
        audit.record(session, actor, AuditAction.CREATE, enrollment, summary="deal closed")
        add_schedule(session, actor, enrollment, schedule, today)
        session.flush()
    return enrollment


def _won_call(session: Session, sales_call_id: uuid.UUID | None) -> SalesCall | None:
    if sales_call_id is None:
        return None
    call = get_record(session, SalesCall, sales_call_id, "sales_call_id", lock=True)
    if call.outcome is not CallOutcome.CLOSED_WON:
        outcome = call.outcome.value if call.outcome else "not logged yet"
        raise ValidationError(
            "sales_call_id",
            f"the call's outcome is {outcome}; log it as CLOSED_WON before closing the deal",
        )
    existing = session.scalar(select(Enrollment).where(Enrollment.sales_call_id == call.id))
    if existing is not None:
        raise ConflictError(
            f"this call was already closed into {enrollment_label(existing)} "
            f"(started {existing.start_date.isoformat()}) — nothing was recorded"
        )
    return call


def _member(session: Session, member_id: uuid.UUID | None, field: str) -> TeamMember | None:
    return None if member_id is None else get_record(session, TeamMember, member_id, field)


def _buyer(
    session: Session,
    actor: Actor,
    call: SalesCall | None,
    lead_id: uuid.UUID | None,
    student_id: uuid.UUID | None,
    new_student: NewStudent | None,
) -> Student:
    """Who bought: the given student, the call's or lead's student, or a new one."""
    if call is not None:
        for field, given, on_call in (
            ("lead_id", lead_id, call.lead_id),
            ("student_id", student_id, call.student_id),
        ):
            if given is not None and given != on_call:
                raise ValidationError(field, "is not the one of the sales call; leave it empty")
        lead_id, student_id = call.lead_id, call.student_id
        if lead_id is not None:  # the lead's student wins over the call's (a converted lead)
            student_id = None
    if student_id is not None:
        return get_record(session, Student, student_id, "student_id")
    if lead_id is not None:
        return _student_of_lead(session, actor, get_record(session, Lead, lead_id, "lead_id"))
    if new_student is not None:
        return _student_from_details(session, actor, new_student)
    raise ValidationError(
        "student", "say who bought: a sales call, a lead, a student, or a new student's details"
    )


def student_by_email(session: Session, email: str | None) -> Student | None:
    """The student on file with this email (trimmed, any case): the one a deal closed for
    a buyer with this email goes to (None: a new student would be created)."""
    text = (email or "").strip()
    if not text:
        return None
    return session.scalar(select(Student).where(func.lower(Student.email) == text.lower()))


def student_of_lead(session: Session, lead: Lead) -> Student | None:
    """The student a deal closed for ``lead`` goes to: the one linked to it, else the one
    with its email (None: a new student is made from the lead)."""
    linked = session.scalar(select(Student).where(Student.lead_id == lead.id))
    return linked if linked is not None else student_by_email(session, lead.email)


def _student_of_lead(session: Session, actor: Actor, lead: Lead) -> Student:
    """The lead's student (linked, or same email; linked now), or a new one made from it."""
    student = student_of_lead(session, lead)
    if student is not None:
        if student.lead_id is None:
            old = audit.snapshot(student)
            student.lead_id = lead.id
            audit.record(session, actor, AuditAction.UPDATE, student, old=old)
        return student
    email = clean_email("email", lead.email)
    if email is None:
        raise ValidationError(
            "email", f"lead {lead.first_name} {lead.last_name} has no email; add one first"
        )
    # The lead's fields were checked when the lead was saved: copied as they are.
    return _create_student(
        session,
        actor,
        Student(
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=email,
            phone=lead.phone,
            lead_id=lead.id,
        ),
    )


def _student_from_details(session: Session, actor: Actor, details: NewStudent) -> Student:
    email = clean_email("email", details.email)
    if email is None:
        raise ValidationError("email", "is required to enroll a new student")
    found = student_by_email(session, email)
    if found is not None:
        return found
    student = Student(
        first_name=clean_text("first_name", details.first_name, max_length=120, required=True),
        last_name=clean_text("last_name", details.last_name, max_length=120) or "",
        email=email,
        phone=normalize_phone(details.phone),
    )
    return _create_student(session, actor, student)


def _create_student(session: Session, actor: Actor, student: Student) -> Student:
    actor.require(Permission.EDIT_STUDENTS)
    session.add(student)
    audit.record(session, actor, AuditAction.CREATE, student)
    return student


# --- ending an enrollment -------------------------------------------------------------------


def _end(
    session: Session,
    actor: Actor,
    enrollment_id: uuid.UUID,
    status: EnrollmentStatus,
    allowed: tuple[EnrollmentStatus, ...],
    doing: str,
    reason: str | None,
    expected_version: int | None,
) -> Enrollment:
    actor.require(Permission.END_ENROLLMENTS)
    enrollment = get_record(session, Enrollment, enrollment_id, "enrollment_id", lock=True)
    check_version(enrollment, expected_version, enrollment_label(enrollment))
    require_status(enrollment, allowed, doing)
    text = clean_text("reason", reason, max_length=500)
    note = f"{status.value.lower()}: {text}" if text else None
    with conflicts_as(f"{enrollment_label(enrollment)} was changed elsewhere — try again"):
        set_status(session, actor, enrollment, status, clock.now(), note)
    return enrollment


@use_case
def cancel_enrollment(
    session: Session,
    actor: Actor,
    enrollment_id: uuid.UUID,
    reason: str | None = None,
    *,
    expected_version: int | None = None,
) -> Enrollment:
    """CANCELLED (ADMIN): nothing more is owed; unpaid installments stay for the record."""
    return _end(
        session,
        actor,
        enrollment_id,
        EnrollmentStatus.CANCELLED,
        (EnrollmentStatus.ACTIVE, EnrollmentStatus.DEFAULTED),
        "be cancelled",
        reason,
        expected_version,
    )


@use_case
def mark_defaulted(
    session: Session,
    actor: Actor,
    enrollment_id: uuid.UUID,
    reason: str | None = None,
    *,
    expected_version: int | None = None,
) -> Enrollment:
    """DEFAULTED (ADMIN): the student stopped paying; what is unpaid is still owed."""
    return _end(
        session,
        actor,
        enrollment_id,
        EnrollmentStatus.DEFAULTED,
        OPEN,
        "be marked defaulted",
        reason,
        expected_version,
    )


@use_case
def complete_enrollment(session: Session, actor: Actor, enrollment_id: uuid.UUID) -> Enrollment:
    """COMPLETED, when every installment is paid (payments do this by themselves too)."""
    actor.require(Permission.EDIT_ENROLLMENTS)
    enrollment = get_record(session, Enrollment, enrollment_id, "enrollment_id", lock=True)
    require_status(
        enrollment, (EnrollmentStatus.ACTIVE, EnrollmentStatus.DEFAULTED), "be completed"
    )
    count, total = open_installments(session, enrollment.id)
    if count:
        raise ValidationError(
            "status",
            f"{enrollment_label(enrollment)} still has {count} unpaid installment(s) "
            f"totalling {money(total)}; record their payments first",
        )
    with conflicts_as(f"{enrollment_label(enrollment)} was changed elsewhere — try again"):
        complete_if_paid(session, actor, enrollment, clock.now())
    return enrollment
