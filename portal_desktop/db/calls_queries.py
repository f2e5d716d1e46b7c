"""Look-ups for the Sales-calls screens (no Qt here): who a new call can be booked with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal_desktop.models import Lead, Student

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
