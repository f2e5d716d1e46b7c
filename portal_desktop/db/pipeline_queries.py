"""What the Pipeline screen reads beyond the generic list: filters, the board, one lead.

Plain SQLAlchemy Core, no Qt: every function takes a Session (or builds conditions) and
returns plain tuples and dicts, so a worker thread may run it and hand the result to the UI.

A lead "converted" when a student points at it (``students.lead_id``). On the board a
converted lead sits in the Converted column only, whatever its status, so each lead is on
one card.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, exists, func, literal_column, select
from sqlalchemy.orm import Session

from portal_desktop.db.tables import leads, students, team
from portal_desktop.models import SalesCall
from portal_desktop.models.enums import LeadStatus

CONVERTED = "CONVERTED"
# The board's columns, left to right: the statuses, then the leads that became students.
BOARD_COLUMNS: tuple[str, ...] = (*(status.value for status in LeadStatus), CONVERTED)
BOARD_LIMIT = 200
CHOICES_LIMIT = 500

_has_student = exists().where(students.c.lead_id == leads.c.id)


def status_condition(status: str) -> ColumnElement[bool]:
    """The leads of one chip: a status (not yet converted) or CONVERTED."""
    if status == CONVERTED:
        return _has_student
    return (leads.c.status == LeadStatus(status).value) & ~_has_student


def filter_conditions(filters: Mapping[str, object]) -> list[ColumnElement[bool]]:
    """WHERE conditions for the screen's filters: ``status``, ``source``, ``campaign``."""
    conditions: list[ColumnElement[bool]] = []
    status = filters.get("status")
    if status:
        conditions.append(status_condition(str(status).upper()))
    for name in ("source", "campaign"):
        value = filters.get(name)
        if value:
            conditions.append(leads.c[name] == str(value))
    return conditions


def distinct_values(session: Session, column: str) -> list[str]:
    """The sources or campaigns in use, alphabetically (for the filter boxes)."""
    col = leads.c[column]
    query = select(col).where(col.is_not(None)).group_by(col).order_by(col).limit(CHOICES_LIMIT)
    return [str(value) for value in session.scalars(query)]


def _without_status(filters: Mapping[str, object] | None) -> list[ColumnElement[bool]]:
    return filter_conditions({k: v for k, v in (filters or {}).items() if k != "status"})


def column_counts(session: Session, filters: Mapping[str, object] | None = None) -> dict[str, int]:
    """How many leads each status chip (and board column) holds under the filters.

    Counted per status over the (status, created_at) index, less the converted leads, which
    are counted from the students (a few percent of the leads): no EXISTS probe per lead.
    """
    extra = _without_status(filters)
    status = leads.c.status
    totals = session.execute(select(status, func.count()).where(*extra).group_by(status))
    # Each student's lead's status (NULL when the lead fails the filters): driven from the
    # students, as a join would let SQLite scan every lead in status order instead.
    lead_status = select(status).where(leads.c.id == students.c.lead_id, *extra).scalar_subquery()
    per_student = select(lead_status.label("status")).where(students.c.lead_id.is_not(None))
    statuses = per_student.subquery("converted")
    converted = session.execute(
        select(statuses.c.status, func.count())
        .where(statuses.c.status.is_not(None))
        .group_by(statuses.c.status)
    )
    counts = {key: 0 for key in BOARD_COLUMNS}
    counts.update({str(key): int(count) for key, count in totals})
    for key, count in converted:
        counts[str(key)] -= int(count)
        counts[CONVERTED] += int(count)
    return counts


@dataclass(frozen=True)
class Card:
    """One lead on the board."""

    lead_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    source: str | None
    created_at: dt.datetime
    version: int


@dataclass(frozen=True)
class BoardColumn:
    """A column of the board: its newest cards and how many leads it really holds."""

    key: str
    total: int
    cards: tuple[Card, ...] = field(default_factory=tuple)


def _tie_breaker(session: Session) -> ColumnElement[Any]:
    """Newest first, ties by key: SQLite's rowid, which its created_at indexes hold."""
    if session.get_bind().dialect.name == "sqlite":
        return literal_column("leads.rowid", Integer)
    return leads.c.id


def board(
    session: Session, filters: Mapping[str, object] | None = None, limit: int = BOARD_LIMIT
) -> list[BoardColumn]:
    """Every column of the board: the newest ``limit`` leads each, and the true COUNT."""
    extra = _without_status(filters)
    totals = column_counts(session, filters)
    columns = []
    for key in BOARD_COLUMNS:
        conditions = [status_condition(key), *extra]
        rows = session.execute(
            select(
                leads.c.id,
                leads.c.first_name,
                leads.c.last_name,
                leads.c.email,
                leads.c.phone,
                leads.c.source,
                leads.c.created_at,
                leads.c.version,
            )
            .where(*conditions)
            .order_by(leads.c.created_at.desc(), _tie_breaker(session).desc())
            .limit(limit)
        )
        cards = tuple(
            Card(
                lead_id=row.id,
                name=f"{row.first_name} {row.last_name}".strip(),
                email=row.email,
                phone=row.phone,
                source=row.source,
                created_at=row.created_at,
                version=row.version,
            )
            for row in rows
        )
        columns.append(BoardColumn(key, totals[key], cards))
    return columns


@dataclass(frozen=True)
class CallEntry:
    """A sales call in a lead's timeline."""

    scheduled_at: dt.datetime
    host: str
    outcome: str | None
    offer_made: bool
    duration_minutes: int
    notes: str | None


def lead_detail(session: Session, lead_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything the detail panel shows about one lead, or None if it is gone."""
    owner = team.alias("detail_owner")
    row = (
        session.execute(
            select(leads, owner.c.name.label("owner_name"))
            .select_from(leads.outerjoin(owner, leads.c.owner_id == owner.c.id))
            .where(leads.c.id == lead_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    detail = dict(row)
    detail["student_id"] = session.scalar(
        select(students.c.id).where(students.c.lead_id == lead_id)
    )
    calls = session.execute(
        select(SalesCall, team.c.name)
        .join(team, SalesCall.host_id == team.c.id)
        .where(SalesCall.lead_id == lead_id)
        .order_by(SalesCall.scheduled_at.desc())
    )
    detail["calls"] = [
        CallEntry(
            scheduled_at=call.scheduled_at,
            host=host,
            outcome=call.outcome.value if call.outcome else None,
            offer_made=call.offer_made,
            duration_minutes=call.duration_minutes,
            notes=call.notes,
        )
        for call, host in calls
    ]
    return detail


def lead_id_by_email(session: Session, email: str) -> uuid.UUID | None:
    """The lead holding this email (any case), for the duplicate-email link."""
    return session.scalar(
        select(leads.c.id).where(func.lower(leads.c.email) == email.strip().lower()).limit(1)
    )


def owner_choices(session: Session) -> list[tuple[uuid.UUID, str]]:
    """Active team members by name, for the owner box."""
    query = select(team.c.id, team.c.name).where(team.c.active.is_(True)).order_by(team.c.name)
    return [(row.id, row.name) for row in session.execute(query)]
