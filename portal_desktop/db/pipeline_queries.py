"""What the Pipeline screen reads beyond the generic list: filters, the board, one lead.

Plain SQLAlchemy Core, no Qt: every function takes a Session (or builds conditions) and
returns plain tuples and dicts, so a worker thread may run it and hand the result to the UI.

A lead's *stage* (``db/lead_stage.py``) is its status until a student points at it, then
CONVERTED: the board's column (each lead is on one card) and the list's chip.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, func, literal_column, select
from sqlalchemy.orm import Session

from portal_desktop.db.lead_stage import BOARD_COLUMNS, STAGES, status_condition
from portal_desktop.db.lead_stage import CONVERTED as CONVERTED  # the screens' name for it
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.query_spec import ListQuery
from portal_desktop.db.tables import leads, students, team
from portal_desktop.models import SalesCall

BOARD_LIMIT = 200
CHOICES_LIMIT = 500


def filter_conditions(filters: Mapping[str, object]) -> list[ColumnElement[bool]]:
    """WHERE conditions for the screen's boxes, ``source`` and ``campaign`` (a ``status``
    is a stage chip, :data:`STAGES`, applied by the list's query)."""
    conditions: list[ColumnElement[bool]] = []
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


def stage_counts(session: Session, query: ListQuery) -> dict[str, int]:
    """How many leads each stage chip (and board column) holds under ``query``'s search,
    filters and other chips: the PIPELINE spec's own chip statement, for this group."""
    statement = query.group_counts_statement(session.get_bind().dialect.name, only=STAGES.key)
    counts = dict.fromkeys(BOARD_COLUMNS, 0)
    for _group, key, count in session.execute(statement) if statement is not None else ():
        counts[str(key)] = int(count)
    return counts


def board_query(filters: Mapping[str, object] | None = None) -> ListQuery:
    """The PIPELINE list under the board's filters (source, campaign; never a stage)."""
    return PIPELINE.query().with_filters(*filter_conditions(filters or {}))


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
    extra = filter_conditions(filters or {})
    totals = stage_counts(session, board_query(filters))
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


def lead_fields(session: Session, lead_id: uuid.UUID) -> dict[str, Any] | None:
    """One lead's columns and its owner's name (``owner_name``), or None if it is gone."""
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
    return None if row is None else dict(row)


def lead_detail(session: Session, lead_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything the detail panel shows about one lead, or None if it is gone."""
    detail = lead_fields(session, lead_id)
    if detail is None:
        return None
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
