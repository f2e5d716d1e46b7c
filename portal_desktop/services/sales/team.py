"""The sales team: members, their self-reported daily numbers, the leaderboard, and the check
of reported numbers against the records.

* Members: ADMIN creates, edits and deletes them (a member who hosted calls or is credited on
  enrollments cannot be deleted: deactivate them instead).
* Daily metrics: one row per member per day (a unique constraint); entering a day again
  updates it. SALES enter their own numbers only, ADMIN anyone's. Counts and cash are
  non-negative; closes > offers or offers > conversations is saved with a warning (numbers
  typed at the end of a day are sometimes inconsistent, and refusing them loses the rest).
* The leaderboard and the reported-vs-recorded check: see kpi_team.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal_desktop.errors import ConflictError, PermissionDeniedError, ValidationError
from portal_desktop.models import DailyMetric, Enrollment, SalesCall, TeamMember
from portal_desktop.models.enums import AuditAction, TeamRole
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.ledger import check_not_future
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.date_ranges import make_range
from portal_desktop.services.common.fields import (
    check_date,
    clean_email,
    clean_fields,
    clean_text,
    parse_enum,
)
from portal_desktop.services.common.money import parse_money
from portal_desktop.services.common.phone import normalize_phone
from portal_desktop.services.common.records import (
    add_record,
    apply_changes,
    as_id,
    check_version,
    flush_as,
    get_record,
    upsert_record,
)
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.reporting.kpi_sql import consistent_reads
from portal_desktop.services.reporting.kpi_team import (
    DayCheck,
    LeaderboardRow,
    day_checks,
    leaderboard_rows,
)
from portal_desktop.services.reporting.rollups import fresh_snapshot

MAX_DAILY_COUNT = 100_000
MAX_DAILY_CASH = Decimal("10000000.00")
NAME_LENGTH = 200
NOTES_LENGTH = 2000


# --- field checks ---------------------------------------------------------------------------


def check_count(value: object, field: str, *, maximum: int = MAX_DAILY_COUNT) -> int:
    """A whole number from 0 to ``maximum``, or a ValidationError on ``field``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"{value!r} is not a whole number; give 0 or more")
    if value < 0:
        raise ValidationError(field, f"{value} is negative; give 0 or more")
    if value > maximum:
        raise ValidationError(field, f"{value:,} is more than the maximum of {maximum:,}")
    return value


def check_rate(value: object, field: str = "commission_rate") -> Decimal | None:
    """A commission rate from 0 to 1 with at most 4 decimals (0.125 = 12.5 %), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(field, f"{value!r} is not a rate; give a Decimal or text like 0.10")
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        raise ValidationError(field, f"'{value}' is not a rate like 0.10") from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
        raise ValidationError(field, f"{value} is not between 0 and 1 (0.10 is 10 %)")
    if rate != rate.quantize(Decimal("0.0001")):
        raise ValidationError(field, f"{value} has more than 4 decimals; round it")
    return rate


def _active(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("active", f"{value!r} is not true or false")
    return value


_FIELDS: dict[str, Callable[[object], Any]] = {
    "name": lambda value: clean_text("name", value, max_length=NAME_LENGTH, required=True),
    "email": lambda value: clean_email("email", value),
    "phone": lambda value: normalize_phone(_optional_text("phone", value)),
    "role": lambda value: parse_enum(value, TeamRole, "role"),
    "active": _active,
    "commission_rate": check_rate,
}


def _optional_text(field: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    return value


def _clean(values: dict[str, object]) -> dict[str, Any]:
    return clean_fields(_FIELDS, values, "a team member")


# --- members --------------------------------------------------------------------------------


def get_team_member(
    session: Session, member_id: object, field: str = "team_member_id"
) -> TeamMember:
    """The member with this id, or NotFoundError naming ``field``."""
    return get_record(session, TeamMember, member_id, field)


def list_team_members(session: Session, *, include_inactive: bool = False) -> list[TeamMember]:
    """Members by name (active ones only unless asked)."""
    query = select(TeamMember).order_by(TeamMember.name)
    if not include_inactive:
        query = query.where(TeamMember.active.is_(True))
    return list(session.scalars(query))


@use_case
def create_team_member(
    session: Session,
    actor: Actor,
    *,
    name: str,
    role: TeamRole | str,
    email: str | None = None,
    phone: str | None = None,
    commission_rate: Decimal | str | None = None,
    active: bool = True,
) -> TeamMember:
    """A new closer, setter or DM setter (ADMIN)."""
    actor.require(Permission.MANAGE_TEAM)
    values = _clean(
        {
            "name": name,
            "role": role,
            "email": email,
            "phone": phone,
            "commission_rate": commission_rate,
            "active": active,
        }
    )
    return add_record(session, actor, TeamMember(**values), lambda _member: session.flush())


@use_case
def update_team_member(
    session: Session,
    actor: Actor,
    member_id: uuid.UUID,
    expected_version: int | None = None,
    **changes: object,
) -> TeamMember:
    """Change a member's details (ADMIN); ``expected_version``: the version the caller saw."""
    actor.require(Permission.MANAGE_TEAM)
    values = _clean(changes)
    member = get_team_member(session, member_id)
    check_version(member, expected_version, f"The team member {member.name}")

    def flush(changed: TeamMember) -> None:
        flush_as(session, f"{changed.name} was changed elsewhere at the same time; try again")

    return apply_changes(session, actor, member, values, flush)


@use_case
def delete_team_member(session: Session, actor: Actor, member_id: uuid.UUID) -> None:
    """Delete a member with no history: never credited with a call or an enrollment, no daily
    numbers (ADMIN). Anyone else is deactivated instead, so their history stays."""
    actor.require(Permission.DELETE_RECORDS)
    member = get_team_member(session, member_id)
    history = session.scalar(
        select(
            exists().where((SalesCall.host_id == member.id) | (SalesCall.setter_id == member.id))
            | exists().where(
                (Enrollment.closer_id == member.id) | (Enrollment.setter_id == member.id)
            )
            | exists().where(DailyMetric.team_member_id == member.id)
        )
    )
    if history:
        raise ConflictError(
            f"{member.name} is credited on sales calls or enrollments or has daily numbers, and "
            "deleting them would lose that history; deactivate them instead (active = false)"
        )
    audit.record(session, actor, AuditAction.DELETE, member)
    session.delete(member)
    session.flush()


# --- daily metrics --------------------------------------------------------------------------


@dataclass(frozen=True)
class UpsertResult:
    """The saved daily metric, whether it was new, and warnings about its numbers."""

    metric: DailyMetric
    warnings: tuple[str, ...]
    created: bool


def metric_warnings(conversations: int, offers: int, closes: int) -> tuple[str, ...]:
    """Numbers that can be saved but are probably wrong."""
    warnings = []
    if closes > offers:
        warnings.append(
            f"closes ({closes}) is more than offers ({offers}): every close needs an offer"
        )
    if offers > conversations:
        warnings.append(
            f"offers ({offers}) is more than conversations ({conversations}): "
            "every offer is made in a conversation"
        )
    return tuple(warnings)


def _require_metrics_access(actor: Actor, member_id: uuid.UUID) -> None:
    if actor.can(Permission.EDIT_ANY_METRICS):
        return
    actor.require(Permission.EDIT_OWN_METRICS)
    if actor.team_member_id != member_id:
        raise PermissionDeniedError(
            f"{actor.username} may only enter their own daily numbers; ask an administrator "
            "to enter another member's"
        )


@use_case
def upsert_daily_metric(
    session: Session,
    actor: Actor,
    team_member_id: uuid.UUID,
    day: dt.date,
    calls: int,
    conversations: int,
    booked: int,
    offers: int,
    closes: int,
    cash: Decimal | int | str,
    notes: str | None = None,
) -> UpsertResult:
    """Save a member's numbers for a day: the one row of that member and day, new or updated."""
    member_key = as_id(team_member_id, "team_member_id")
    _require_metrics_access(actor, member_key)
    day = check_date(day, "day")
    counts = {
        field: check_count(value, field)
        for field, value in (
            ("calls", calls),
            ("conversations", conversations),
            ("booked", booked),
            ("offers", offers),
            ("closes", closes),
        )
    }
    amount = parse_money(cash, "cash", allow_zero=True, maximum=MAX_DAILY_CASH)
    note = clean_text("notes", notes, max_length=NOTES_LENGTH)
    check_not_future(session, day)
    member = get_team_member(session, member_key)

    def flush(_metric: DailyMetric) -> None:
        flush_as(
            session,
            f"{member.name}'s numbers for {day.isoformat()} were saved elsewhere at the same "
            "time; reload them and try again",
        )

    metric, created = upsert_record(
        session,
        actor,
        DailyMetric,
        {"team_member_id": member.id, "date": day},
        {**counts, "cash": amount, "notes": note},
        flush,
    )
    warnings = metric_warnings(counts["conversations"], counts["offers"], counts["closes"])
    return UpsertResult(metric, warnings, created)


def daily_metrics(
    session: Session, team_member_id: uuid.UUID, start: dt.date, end: dt.date
) -> list[DailyMetric]:
    """A member's reported days in ``[start, end]``, oldest first."""
    period = make_range(start, end)
    return list(
        session.scalars(
            select(DailyMetric)
            .where(
                DailyMetric.team_member_id == team_member_id,
                DailyMetric.date >= period.start,
                DailyMetric.date <= period.end,
            )
            .order_by(DailyMetric.date)
        )
    )


# --- reports --------------------------------------------------------------------------------


@use_case
def leaderboard(
    session: Session, actor: Actor, start: dt.date, end: dt.date
) -> list[LeaderboardRow]:
    """Each member's calls, closes, revenue and cash over the range, as closer and as setter."""
    actor.require(Permission.VIEW_REPORTS)
    period = make_range(start, end)
    fresh_snapshot(session)
    return leaderboard_rows(session, period)


@use_case
def reported_vs_recorded(
    session: Session,
    actor: Actor,
    start: dt.date,
    end: dt.date,
    team_member_id: uuid.UUID | None = None,
) -> list[DayCheck]:
    """Per member and local day: reported closes and cash beside the recorded ones.

    ADMIN sees every member (or ``team_member_id``); SALES see their own days only.
    """
    if not actor.can(Permission.EDIT_ANY_METRICS):
        actor.require(Permission.EDIT_OWN_METRICS)
        if actor.team_member_id is None or team_member_id not in (None, actor.team_member_id):
            raise PermissionDeniedError(
                f"{actor.username} may only compare their own numbers; ask an administrator"
            )
        team_member_id = actor.team_member_id
    period = make_range(start, end)
    consistent_reads(session)
    settings = load_settings(session)
    member_key = None if team_member_id is None else as_id(team_member_id, "team_member_id")
    return day_checks(session, period, settings.tz, member_key)
