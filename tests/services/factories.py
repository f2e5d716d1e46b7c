"""Small ORM factories for service tests: sensible defaults, every field overridable.

Each ``make_*`` adds the row to the given session and flushes (the caller commits), and
returns the entity. Names and emails get a counter so rows never clash.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop.errors import ValidationError
from portal_desktop.models import (
    AuditEntry,
    Enrollment,
    Installment,
    Lead,
    Payment,
    Program,
    SalesCall,
    Student,
    TeamMember,
    User,
)
from portal_desktop.models.enums import TeamRole, UserRole
from portal_desktop.services.common.context import Actor

_numbers = itertools.count(1)


def _next() -> int:
    return next(_numbers)


def _save(session: Session, entity: Any) -> Any:
    session.add(entity)
    session.flush()
    return entity


def make_team_member(session: Session, **fields: Any) -> TeamMember:
    n = _next()
    values: dict[str, Any] = {
        "name": f"Member {n}",
        "email": f"member{n}@example.com",
        "role": TeamRole.CLOSER,
    }
    return _save(session, TeamMember(**(values | fields)))


def make_program(session: Session, **fields: Any) -> Program:
    n = _next()
    values: dict[str, Any] = {"name": f"Program {n}", "price": Decimal("3000.00")}
    return _save(session, Program(**(values | fields)))


def make_lead(session: Session, **fields: Any) -> Lead:
    n = _next()
    values: dict[str, Any] = {
        "first_name": "Lee",
        "last_name": f"Lead{n}",
        "email": f"lead{n}@example.com",
        "phone": "+15555550100",
        "source": "facebook",
    }
    return _save(session, Lead(**(values | fields)))


def make_student(session: Session, **fields: Any) -> Student:
    n = _next()
    values: dict[str, Any] = {
        "first_name": "Stu",
        "last_name": f"Dent{n}",
        "email": f"student{n}@example.com",
        "phone": "+15555550199",
    }
    return _save(session, Student(**(values | fields)))


def make_sales_call(session: Session, **fields: Any) -> SalesCall:
    """A call with a lead (made when neither lead nor student is given) and a host."""
    values: dict[str, Any] = {"scheduled_at": dt.datetime(2024, 1, 10, 15, 0, tzinfo=dt.UTC)}
    values |= fields
    if "host_id" not in values and "host" not in values:
        values["host"] = make_team_member(session)
    if not {"lead", "lead_id", "student", "student_id"} & values.keys():
        values["lead"] = make_lead(session)
    return _save(session, SalesCall(**values))


def make_user(session: Session, role: UserRole = UserRole.ADMIN, **fields: Any) -> User:
    n = _next()
    values: dict[str, Any] = {
        "username": f"user{n}",
        "full_name": f"User {n}",
        "role": role,
        "password_hash": "not-a-real-hash",
    }
    return _save(session, User(**(values | fields)))


def actor_of(user: User) -> Actor:
    """The actor a signed-in user acts as (audit rows then carry the user's id)."""
    return Actor(
        user_id=user.id, username=user.username, role=user.role, team_member_id=user.team_member_id
    )


def count_rows(session: Session, *models: type[Any]) -> dict[str, int]:
    """How many rows each table holds (to check a failed call wrote nothing)."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in models
    }


def audit_rows(session: Session, entity: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    return list(session.scalars(query))


def make_enrollment(
    session: Session,
    actor: Actor,
    *,
    start_date: dt.date = dt.date(2024, 1, 15),
    today: dt.date | None = None,
    student: Student | None = None,
    program: Program | None = None,
    **terms: Any,
) -> Enrollment:
    """An enrollment with its schedule, closed through the real service (commits).

    ``terms``: the fields of DealTerms (plan_type, contract_value, installments, …).
    """
    from portal_desktop.services.sales.enrollments import DealTerms, close_deal

    student = student or make_student(session)
    program = program or make_program(session)
    deal = DealTerms(program_id=program.id, start_date=start_date, **terms)
    return close_deal(session, actor, deal, student_id=student.id, today=today or start_date)


def table_state(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the people and money tables (and the audit count), to compare before and
    after a call that must change nothing."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    for model in (Student, Lead, Enrollment, Installment, Payment, Program, SalesCall):
        columns = [column for column in model.__table__.columns if column.name != "updated_at"]
        rows = session.execute(select(*columns).order_by(model.__table__.c.id)).all()
        state[model.__tablename__] = [tuple(row) for row in rows]
    state["audit_log"] = [(session.scalar(select(func.count()).select_from(AuditEntry)),)]
    return state


def schedule_of(session, enrollment_id) -> list[tuple]:
    return [
        (row.sequence, row.due_date.isoformat(), str(row.amount), row.status.value)
        for row in session.scalars(
            select(Installment)
            .where(Installment.enrollment_id == enrollment_id)
            .order_by(Installment.due_date, Installment.sequence)
        )
    ]


def assert_refused(sessions, call, error=ValidationError, field=None, words=None, case=""):
    """``call(session)`` raises ``error`` (naming ``field``, saying ``words``) and leaves the
    database unchanged. ``case`` labels failures when several cases run in one test."""
    with sessions() as session:
        before = table_state(session)
    with sessions() as session, pytest.raises(error) as caught:
        call(session)
    message = str(caught.value)
    if field is not None:
        named = getattr(caught.value, "field", None) or message.split(":", 1)[0]
        assert named == field, f"{case}: {message!r} does not name {field}"
    if words is not None:
        assert words in message, f"{case}: {message!r} does not say {words!r}"
    with sessions() as session:
        assert table_state(session) == before, f"{case}: the database changed"
    return caught.value
