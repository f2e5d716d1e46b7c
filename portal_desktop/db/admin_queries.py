"""The Admin tab's lists and look-ups (no Qt here): users, programs and the audit trail.

The user list never selects ``users.password_hash``. The audit list pages over
``audit_log`` in SQL like every other list; its readable lines are made by
:mod:`portal_desktop.services.common.audit_summary` for the rows on screen.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.query_spec import (
    ChipGroup,
    ChipKind,
    ColumnKind,
    ListColumn,
    ListSpec,
    Lookup,
    SortOrder,
)
from portal_desktop.db.tables import programs, table_of, team, users
from portal_desktop.errors import NotFoundError
from portal_desktop.models import AuditEntry, Program, User

K = ColumnKind
audit = table_of(AuditEntry)
user_member = team.alias("user_member")

USERS = ListSpec(
    name="users",
    title="Users",
    noun="user",
    base=users,
    key=users.c.id,
    lookups=(Lookup(user_member, users.c.team_member_id == user_member.c.id),),
    columns=(
        ListColumn("Username", users.c.username, width=16),
        ListColumn("Full name", users.c.full_name, width=22),
        ListColumn("Email", users.c.email, width=26),
        ListColumn("Role", users.c.role, K.ENUM, width=11),
        ListColumn("Active", users.c.active, K.BOOL, width=7),
        ListColumn("Locked until", users.c.locked_until, K.DATETIME, width=16),
        ListColumn("Failed sign-ins", users.c.failed_logins, K.NUMBER, width=8),
        ListColumn("Team member", user_member.c.name, width=18, null_text="—"),
        ListColumn("Last sign-in", users.c.last_login_at, K.DATETIME, width=16, null_text="Never"),
    ),
    default_sort=SortOrder(0),
    search_in=(users.c.username, users.c.full_name, users.c.email),
    chips=(ChipGroup("role", "Role", users.c.role, is_enum=True),),
)

PROGRAMS = ListSpec(
    name="programs",
    title="Programs",
    noun="program",
    base=programs,
    key=programs.c.id,
    columns=(
        ListColumn("Program", programs.c.name, width=30),
        ListColumn("Price", programs.c.price, K.MONEY, width=12),
        ListColumn("Weeks", programs.c.duration_weeks, K.NUMBER, width=7, null_text="—"),
        ListColumn("Active", programs.c.active, K.BOOL, width=7),
        ListColumn("Description", programs.c.description, width=40),
    ),
    default_sort=SortOrder(0),
    search_in=(programs.c.name, programs.c.description),
)

AUDIT_TRAIL = ListSpec(
    name="audit_trail",
    title="Audit trail",
    noun="change",
    base=audit,
    key=audit.c.id,
    columns=(
        ListColumn("When", audit.c.at, K.DATETIME, width=16),
        ListColumn("User", audit.c.username, width=14),
        ListColumn("Action", audit.c.action, K.ENUM, width=9),
        ListColumn("Record", audit.c.entity, K.ENUM, width=14),
        ListColumn("Summary", audit.c.summary, width=60),
    ),
    default_sort=SortOrder(0, descending=True),
    search_in=(audit.c.summary, audit.c.username, audit.c.entity),
    chips=(
        ChipGroup("entity", "Record", audit.c.entity, is_enum=True),
        ChipGroup("action", "Action", audit.c.action, is_enum=True),
        ChipGroup("user", "User", audit.c.username),
        ChipGroup("at", "When", audit.c.at, kind=ChipKind.DATE_RANGE),
    ),
)


def audit_period(
    start: dt.date | None, end: dt.date | None, tz: dt.tzinfo | None
) -> list[ColumnElement[bool]]:
    """WHERE conditions for entries from ``start`` to ``end`` inclusive, as days in ``tz``
    (None: this machine's zone)."""

    def midnight(day: dt.date) -> dt.datetime:
        naive = dt.datetime.combine(day, dt.time())
        return (naive.astimezone() if tz is None else naive.replace(tzinfo=tz)).astimezone(dt.UTC)

    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(audit.c.at >= midnight(start))
    if end is not None:
        conditions.append(audit.c.at < midnight(end + dt.timedelta(days=1)))
    return conditions


# --- forms' look-ups ---------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    """What the admin dialogs show of a user (never the password hash)."""

    id: uuid.UUID
    username: str
    full_name: str
    role: str
    active: bool
    locked: bool


def load_user(session: Session, user_id: uuid.UUID, now: dt.datetime | None = None) -> UserRow:
    row = session.execute(
        select(
            User.id, User.username, User.full_name, User.role, User.active, User.locked_until
        ).where(User.id == user_id)
    ).one()
    now = now or clock.now()
    locked = row.locked_until is not None and row.locked_until > now
    return UserRow(row.id, row.username, row.full_name, str(row.role), row.active, locked)


@dataclass(frozen=True)
class ProgramRow:
    id: uuid.UUID
    name: str
    price: Decimal
    description: str | None
    duration_weeks: int | None
    active: bool
    version: int


def load_program(session: Session, program_id: uuid.UUID) -> ProgramRow:
    program = session.get(Program, program_id)
    if program is None:
        raise NotFoundError("This program no longer exists; reload the list of programs.")
    return ProgramRow(
        program.id,
        program.name,
        program.price,
        program.description,
        program.duration_weeks,
        program.active,
        program.version,
    )
