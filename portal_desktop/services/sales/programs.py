"""Programs: the products that are sold (ADMIN creates and edits them; everyone lists them).

A program that was sold cannot be deleted (enrollments refer to it): deactivate it instead,
which stops new deals on it and keeps its history.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop.errors import ValidationError
from portal_desktop.models import Program
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.fields import clean_text
from portal_desktop.services.common.money import parse_money
from portal_desktop.services.common.records import (
    add_record,
    check_version,
    conflicts_as,
    flush_as,
    get_record,
)
from portal_desktop.services.common.transaction import use_case

MAX_DURATION_WEEKS = 520
_EDITABLE = ("name", "description", "price", "duration_weeks", "active")


def _name(session: Session, value: object, program_id: uuid.UUID | None) -> str:
    name = clean_text("name", value, max_length=200, required=True) or ""
    clash = session.scalar(
        select(Program.id).where(func.lower(Program.name) == name.lower(), Program.id != program_id)
    )
    if clash is not None:
        raise ValidationError("name", f"a program named '{name}' already exists; choose another")
    return name


def _duration(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("duration_weeks", f"{value!r} is not a whole number of weeks")
    if not 1 <= value <= MAX_DURATION_WEEKS:
        raise ValidationError(
            "duration_weeks", f"{value} is not allowed; choose 1 to {MAX_DURATION_WEEKS} weeks"
        )
    return value


def _active(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("active", f"{value!r} is not true or false")
    return value


def _clean(session: Session, field: str, value: object, program_id: uuid.UUID | None) -> object:
    if field == "name":
        return _name(session, value, program_id)
    if field == "description":
        return clean_text("description", value, max_length=4000)
    if field == "price":
        return parse_money(value, "price", allow_zero=True)
    if field == "duration_weeks":
        return _duration(value)
    if field == "active":
        return _active(value)
    raise ValidationError(field, f"is not a field of a program; use one of {', '.join(_EDITABLE)}")


@use_case
def create_program(
    session: Session,
    actor: Actor,
    name: str,
    price: object,
    *,
    description: str | None = None,
    duration_weeks: int | None = None,
    active: bool = True,
) -> Program:
    """A new program (ADMIN)."""
    actor.require(Permission.MANAGE_PROGRAMS)
    values = {
        field: _clean(session, field, value, None)
        for field, value in zip(
            _EDITABLE, (name, description, price, duration_weeks, active), strict=True
        )
    }
    message = f"a program named '{values['name']}' was just created elsewhere"
    return add_record(session, actor, Program(**values), lambda _: flush_as(session, message))


@use_case
def update_program(
    session: Session,
    actor: Actor,
    program_id: uuid.UUID,
    *,
    expected_version: int | None = None,
    **changes: object,
) -> Program:
    """Change a program's fields (ADMIN); ``active=False`` stops new deals on it."""
    actor.require(Permission.MANAGE_PROGRAMS)
    program = get_record(session, Program, program_id, "program_id", lock=True)
    check_version(program, expected_version, f"program '{program.name}'")
    cleaned = {field: _clean(session, field, value, program.id) for field, value in changes.items()}
    old = audit.snapshot(program)
    for field, value in cleaned.items():
        setattr(program, field, value)
    with conflicts_as(f"program '{program.name}' was changed elsewhere — refresh and try again"):
        audit.record(session, actor, AuditAction.UPDATE, program, old=old)
    return program


@use_case
def list_programs(session: Session, *, include_inactive: bool = False) -> list[Program]:
    """Programs by name (the active ones unless asked otherwise); anyone may list them."""
    query = select(Program).order_by(Program.name)
    if not include_inactive:
        query = query.where(Program.active.is_(True))
    return list(session.scalars(query))
