"""The Enrollments screen's reads (no Qt here): the call-to-cash list and the detail panels.

``CALL_TO_CASH`` is one row per enrollment: student, program, plan, contract value, cash
collected, balance, next due date, status, closer and setter. The money figures are
correlated subqueries in the select, so they page, sort and total in SQL like any other
column. They add up (README, "Money figures: which means what"):

- paid: the amounts of the enrollment's PAID payments — what settled its installments (a
  full refund makes a payment REFUNDED and its installment owed again, so it leaves "paid");
- refunded: what was given back of those PAID payments (partial refunds);
- cash collected: what was received and kept — ``amount - refunded_amount`` of the payments
  received (PAID, or REFUNDED: received first), as KPIS.md counts ``cash_collected`` over
  all time; always paid - refunded;
- balance: what is still owed on the schedule, the unpaid installments' amounts (KPIS.md's
  receivables for this enrollment), 0 for a CANCELLED enrollment, whose unpaid installments
  are not owed any more (not owed);
- so contract value = paid + balance + not owed, and cash collected = paid - refunded;
- next due date: the earliest unpaid installment of an ACTIVE or DEFAULTED enrollment (an
  ended one owes nothing more on its schedule).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from portal_desktop.db.list_queries import ENROLLMENT_LOOKUPS, STUDENT_SEARCH, student_column
from portal_desktop.db.query_spec import (
    ChipGroup,
    ColumnKind,
    ListColumn,
    ListSpec,
    Lookup,
    SortOrder,
)
from portal_desktop.db.tables import (
    closer,
    enrollments,
    installments,
    payments,
    programs,
    setter,
    students,
)
from portal_desktop.models import (
    AdCampaign,
    AuditEntry,
    Enrollment,
    Installment,
    Lead,
    Payment,
    Program,
    Student,
    TeamMember,
)
from portal_desktop.models.enums import EnrollmentStatus, InstallmentStatus, PaymentStatus
from portal_desktop.models.types import Money

K = ColumnKind
ZERO = Decimal("0.00")
RECEIVED = (PaymentStatus.PAID, PaymentStatus.REFUNDED)
OWING = (EnrollmentStatus.ACTIVE, EnrollmentStatus.DEFAULTED)


def _payment_sum(value: Any, statuses: tuple[PaymentStatus, ...]) -> ColumnElement[Decimal]:
    """The sum of ``value`` over the enrollment's payments of these statuses."""
    total = (
        select(func.coalesce(func.sum(type_coerce(value, Money())), 0))
        .where(payments.c.enrollment_id == enrollments.c.id, payments.c.status.in_(statuses))
        .correlate(enrollments)
        .scalar_subquery()
    )
    return type_coerce(total, Money())


def _unpaid_schedule(owed: bool) -> ColumnElement[Decimal]:
    """The enrollment's unpaid installments: owed (``owed``), or not owed any more."""
    total = (
        select(func.coalesce(func.sum(installments.c.amount), 0))
        .where(
            installments.c.enrollment_id == enrollments.c.id,
            installments.c.status != InstallmentStatus.PAID,
        )
        .correlate(enrollments)
        .scalar_subquery()
    )
    cancelled = enrollments.c.status == EnrollmentStatus.CANCELLED
    return type_coerce(case((cancelled if owed else ~cancelled, 0), else_=total), Money())


def _next_due() -> ColumnElement[Any]:
    earliest = (
        select(func.min(installments.c.due_date))
        .where(
            installments.c.enrollment_id == enrollments.c.id,
            installments.c.status != InstallmentStatus.PAID,
        )
        .correlate(enrollments)
        .scalar_subquery()
    )
    return case((enrollments.c.status.in_(OWING), earliest), else_=None)


CASH_COLLECTED = _payment_sum(payments.c.amount - payments.c.refunded_amount, RECEIVED)
PAID = _payment_sum(payments.c.amount, (PaymentStatus.PAID,))
REFUNDED = _payment_sum(payments.c.refunded_amount, (PaymentStatus.PAID,))
BALANCE = _unpaid_schedule(owed=True)
NOT_OWED = _unpaid_schedule(owed=False)
NEXT_DUE = _next_due()

CALL_TO_CASH = ListSpec(
    name="enrollments",
    title="Enrollments",
    noun="enrollment",
    base=enrollments,
    key=enrollments.c.id,
    lookups=(
        *ENROLLMENT_LOOKUPS,
        Lookup(setter, enrollments.c.setter_id == setter.c.id),
    ),
    columns=(
        student_column(15),
        ListColumn("Program", programs.c.name, width=13),
        ListColumn("Plan", enrollments.c.plan_type, K.ENUM, width=5),
        ListColumn("Contract value", enrollments.c.contract_value, K.MONEY, width=10),
        ListColumn("Cash collected", CASH_COLLECTED, K.MONEY, width=10),
        ListColumn("Balance", BALANCE, K.MONEY, width=9),
        ListColumn("Next due", NEXT_DUE, K.DATE, width=9, null_text="—"),
        ListColumn("Status", enrollments.c.status, K.ENUM, width=11),
        ListColumn("Closer", closer.c.name, width=11, null_text="—"),
        ListColumn("Setter", setter.c.name, width=11, null_text="—"),
        ListColumn("Start date", enrollments.c.start_date, K.DATE, width=9),
    ),
    default_sort=SortOrder(10, descending=True),
    search_in=STUDENT_SEARCH,
    chips=(
        ChipGroup("status", "Status", enrollments.c.status, is_enum=True),
        ChipGroup("plan", "Plan", enrollments.c.plan_type, is_enum=True),
        ChipGroup("closer", "Closer", closer.c.name),
        ChipGroup("program", "Program", programs.c.name),
    ),
)
COLUMN = {column.title: number for number, column in enumerate(CALL_TO_CASH.columns)}


def id_filters(filters: dict[str, Any]) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``enrollment_id`` / ``student_id`` (ids or their text)."""
    found: list[ColumnElement[bool]] = []
    for key, column in (("enrollment_id", enrollments.c.id), ("student_id", students.c.id)):
        value = filters.get(key)
        if value:
            found.append(
                column == (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
            )
    return found


# --- the detail panels ----------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentLine:
    payment_id: uuid.UUID
    installment_sequence: int | None
    amount: Decimal
    status: str
    paid_at: Any
    method: str
    reference: str | None
    failure_reason: str | None
    refunded_amount: Decimal
    refunded_at: Any


@dataclass(frozen=True)
class AuditLine:
    at: Any
    username: str
    action: str
    entity: str
    summary: str


def enrollment_detail(session: Session, enrollment_id: uuid.UUID) -> dict[str, Any] | None:
    """One enrollment: its figures, payments (refunds included) and audit trail (plain data;
    the schedule comes from ``receivables.enrollment_schedule``)."""
    closer_member = TeamMember.__table__.alias("d_closer")
    setter_member = TeamMember.__table__.alias("d_setter")
    row = session.execute(
        select(
            Enrollment.id,
            Enrollment.version,
            Enrollment.student_id,
            Enrollment.plan_type,
            Enrollment.status,
            Enrollment.contract_value,
            Enrollment.start_date,
            Enrollment.payment_frequency,
            Enrollment.notes,
            Enrollment.sales_call_id,
            Student.first_name,
            Student.last_name,
            Student.email,
            Program.name.label("program"),
            closer_member.c.name.label("closer"),
            setter_member.c.name.label("setter"),
            CASH_COLLECTED.label("cash_collected"),
            PAID.label("paid"),
            REFUNDED.label("refunded"),
            BALANCE.label("balance"),
            NOT_OWED.label("not_owed"),
            NEXT_DUE.label("next_due"),
        )
        .join(Student, Enrollment.student_id == Student.id)
        .join(Program, Enrollment.program_id == Program.id)
        .outerjoin(closer_member, Enrollment.closer_id == closer_member.c.id)
        .outerjoin(setter_member, Enrollment.setter_id == setter_member.c.id)
        .where(Enrollment.id == enrollment_id)
    ).first()
    if row is None:
        return None
    detail = dict(row._mapping)
    detail["student"] = f"{row.first_name} {row.last_name}".strip() or row.email
    detail["payments"] = _payments(session, enrollment_id)
    detail["audit"] = audit_trail(session, enrollment_id)
    return detail


def _payments(session: Session, enrollment_id: uuid.UUID) -> list[PaymentLine]:
    rows = session.execute(
        select(Payment, Installment.sequence)
        .outerjoin(Installment, Payment.installment_id == Installment.id)
        .where(Payment.enrollment_id == enrollment_id)
        .order_by(Payment.paid_at.is_(None), Payment.paid_at, Payment.created_at)
    )
    return [
        PaymentLine(
            payment_id=row.Payment.id,
            installment_sequence=row.sequence,
            amount=row.Payment.amount,
            status=row.Payment.status.value,
            paid_at=row.Payment.paid_at or row.Payment.created_at,
            method=row.Payment.method.value,
            reference=row.Payment.reference,
            failure_reason=row.Payment.failure_reason,
            refunded_amount=row.Payment.refunded_amount,
            refunded_at=row.Payment.refunded_at,
        )
        for row in rows
    ]


def audit_trail(session: Session, enrollment_id: uuid.UUID) -> list[AuditLine]:
    """The audit rows of the enrollment, its installments and its payments, newest first.

    Installments and payments deleted by a plan change are found through the
    ``enrollment_id`` their audit row kept (old or new values)."""
    entry = AuditEntry.__table__
    key = str(enrollment_id)
    child_ids = (
        select(Installment.id)
        .where(Installment.enrollment_id == enrollment_id)
        .union(select(Payment.id).where(Payment.enrollment_id == enrollment_id))
    )
    rows = session.execute(
        select(entry.c.at, entry.c.username, entry.c.action, entry.c.entity, entry.c.summary)
        .where(
            or_(
                and_(entry.c.entity == "enrollments", entry.c.entity_id == enrollment_id),
                and_(
                    entry.c.entity.in_(("installments", "payments")),
                    entry.c.entity_id.in_(child_ids.scalar_subquery()),
                ),
                and_(
                    entry.c.entity.in_(("installments", "payments")),
                    entry.c.action == "DELETE",
                    func.coalesce(entry.c.old_values["enrollment_id"].as_string(), "").in_(
                        (key, key.replace("-", ""))
                    ),
                ),
            )
        )
        .order_by(entry.c.at.desc(), entry.c.id)
    )
    return [
        AuditLine(
            at=row.at,
            username=row.username,
            action=str(row.action),
            entity=row.entity,
            summary=row.summary or "",
        )
        for row in rows
    ]


def student_detail(session: Session, student_id: uuid.UUID) -> dict[str, Any] | None:
    """A student's contact details, the lead it came from (and its campaign) and its
    enrollments (plain data)."""
    student = session.get(Student, student_id)
    if student is None:
        return None
    detail: dict[str, Any] = {
        "id": student.id,
        "name": f"{student.first_name} {student.last_name}".strip() or student.email,
        "email": student.email,
        "phone": student.phone,
        "notes": student.notes,
        "created_at": student.created_at,
        "lead": None,
    }
    if student.lead_id is not None:
        lead = session.execute(
            select(
                Lead.id,
                Lead.source,
                Lead.campaign,
                Lead.medium,
                Lead.status,
                Lead.created_at,
                AdCampaign.name.label("ad_campaign"),
                AdCampaign.platform,
            )
            .outerjoin(AdCampaign, Lead.ad_campaign_id == AdCampaign.id)
            .where(Lead.id == student.lead_id)
        ).first()
        detail["lead"] = dict(lead._mapping) if lead is not None else None
    detail["enrollments"] = [
        dict(row._mapping)
        for row in session.execute(
            select(
                Enrollment.id,
                Program.name.label("program"),
                Enrollment.status,
                Enrollment.contract_value,
                CASH_COLLECTED.label("cash_collected"),
                Enrollment.start_date,
            )
            .join(Program, Enrollment.program_id == Program.id)
            .where(Enrollment.student_id == student_id)
            .order_by(Enrollment.start_date.desc())
        )
    ]
    return detail
