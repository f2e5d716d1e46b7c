"""Reads for the Team tab that are not lists: a month of reported numbers, a member's day,
and a member's editable details. Every function returns plain data (safe across threads)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop.models import DailyMetric, TeamMember
from portal_desktop.models.enums import TeamRole

Member = tuple[uuid.UUID, str, bool]  # id, name, active


@dataclass(frozen=True)
class DayNumbers:
    """One member's reported numbers for one day."""

    member_id: uuid.UUID
    day: dt.date
    calls: int
    conversations: int
    booked: int
    offers: int
    closes: int
    cash: Decimal
    notes: str | None


@dataclass(frozen=True)
class MemberDetails:
    """What the member dialog edits, and the version it saw."""

    member_id: uuid.UUID
    name: str
    role: TeamRole
    email: str | None
    phone: str | None
    commission_rate: Decimal | None
    active: bool
    version: int


def _numbers(metric: DailyMetric) -> DayNumbers:
    return DayNumbers(
        metric.team_member_id,
        metric.date,
        metric.calls,
        metric.conversations,
        metric.booked,
        metric.offers,
        metric.closes,
        metric.cash,
        metric.notes,
    )


def month_numbers(
    session: Session, first: dt.date, last: dt.date, member_id: uuid.UUID | None = None
) -> list[DayNumbers]:
    """Every reported day in ``[first, last]`` (of one member when given), by day."""
    query = (
        select(DailyMetric)
        .where(DailyMetric.date >= first, DailyMetric.date <= last)
        .order_by(DailyMetric.date)
    )
    if member_id is not None:
        query = query.where(DailyMetric.team_member_id == member_id)
    return [_numbers(metric) for metric in session.scalars(query)]


def day_numbers(session: Session, member_id: uuid.UUID, day: dt.date) -> DayNumbers | None:
    """The member's numbers for the day, or None when nothing was entered."""
    metric = session.scalar(
        select(DailyMetric).where(DailyMetric.team_member_id == member_id, DailyMetric.date == day)
    )
    return None if metric is None else _numbers(metric)


def member_details(session: Session, member_id: uuid.UUID) -> MemberDetails | None:
    """The member's editable details, or None when they were deleted meanwhile."""
    member = session.get(TeamMember, member_id)
    if member is None:
        return None
    return MemberDetails(
        member.id,
        member.name,
        TeamRole(member.role),
        member.email,
        member.phone,
        member.commission_rate,
        bool(member.active),
        member.version,
    )


def load_members(session: Session) -> list[Member]:
    """Every team member by name (inactive ones too: old calls name them)."""
    rows = session.execute(
        select(TeamMember.id, TeamMember.name, TeamMember.active).order_by(TeamMember.name)
    )
    return [(row.id, row.name, bool(row.active)) for row in rows]
