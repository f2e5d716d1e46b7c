"""Look-ups for the Sales-calls screens (no Qt here; plain data, safe across threads): who
a new call can be booked with, the programs a deal can be closed for, what a closed deal
created. (What needs the services' rules — a call's facts, the buyer — is in
:mod:`portal_desktop.services.sales.call_facts`.)"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal_desktop.models import Enrollment, Installment, Lead, Program, Student

FINDER_LIMIT = 20


@dataclass(frozen=True)
class Attendee:
    """A lead or a student a call can be booked with."""

    kind: str  # "lead" or "student"
    id: uuid.UUID
    label: str


def _name(first: str, last: str, email: str | None) -> str:
    name = f"{first} {last}".strip() or "(no name)"
    return f"{name} <{email}>" if email else name


def find_attendees(session: Session, text: str, limit: int = FINDER_LIMIT) -> list[Attendee]:
    """Leads, then students, whose first name, last name or email starts with ``text``
    (any case); at most ``limit`` of each."""
    words = text.strip()
    if not words:
        return []
    pattern = f"{words.replace('%', '').replace('_', '')}%"
    found: list[Attendee] = []
    for model, kind in ((Lead, "lead"), (Student, "student")):
        rows = session.execute(
            select(model.id, model.first_name, model.last_name, model.email, *_extra(model))
            .where(
                or_(
                    model.first_name.ilike(pattern),
                    model.last_name.ilike(pattern),
                    model.email.ilike(pattern),
                )
            )
            .order_by(model.last_name, model.first_name)
            .limit(limit)
        )
        for row in rows:
            label = _name(row.first_name, row.last_name, row.email)
            if kind == "lead":
                label = f"Lead: {label} · {row.status.value.lower()}"
            else:
                label = f"Student: {label}"
            found.append(Attendee(kind, row.id, label))
    return found


def _extra(model: type[Lead] | type[Student]) -> tuple:
    return (Lead.status,) if model is Lead else ()


def active_programs(session: Session) -> list[tuple[uuid.UUID, str, Decimal]]:
    """The programs a deal can be closed for: id, name, price."""
    rows = session.execute(
        select(Program.id, Program.name, Program.price)
        .where(Program.active.is_(True))
        .order_by(Program.name)
    )
    return [(row.id, row.name, row.price) for row in rows]


def student_name(student: Student) -> str:
    """A student's name as the calls screens show it (the email when unnamed)."""
    return f"{student.first_name} {student.last_name}".strip() or student.email


def deal_summary(session: Session, enrollment_id: uuid.UUID) -> dict[str, Any]:
    """What the wizard's last page says about a new enrollment (plain data)."""
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise LookupError(f"No enrollment with id {enrollment_id}.")
    installments = session.scalars(
        select(Installment)
        .where(Installment.enrollment_id == enrollment_id)
        .order_by(Installment.due_date, Installment.sequence)
    ).all()
    return {
        "enrollment_id": enrollment.id,
        "student_id": enrollment.student_id,
        "student": student_name(enrollment.student),
        "program": enrollment.program.name,
        "contract_value": enrollment.contract_value,
        "installment_count": len(installments),
        "installment_ids": [item.id for item in installments],
        "first_due": installments[0].due_date.isoformat() if installments else "",
    }
