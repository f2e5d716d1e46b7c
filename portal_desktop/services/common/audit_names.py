"""What the audit trail calls a record: "lead Jane Doe", "Jane Doe's payment of $997.00",
"program Closers Academy" — read for many records at once (one query per table), never the
record's UUID. A record deleted since is named from the values its audit row kept."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from portal_desktop.models import (
    AdCampaign,
    AppSetting,
    AuditEntry,
    EmailBroadcast,
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
from portal_desktop.models.enums import AuditAction

RecordRef = tuple[str, uuid.UUID]

# A foreign key field of a snapshot → the table it points at.
REFERENCES = {
    "lead_id": "leads",
    "student_id": "students",
    "program_id": "programs",
    "enrollment_id": "enrollments",
    "installment_id": "installments",
    "sales_call_id": "sales_calls",
    "ad_campaign_id": "ad_campaigns",
    "owner_id": "team_members",
    "host_id": "team_members",
    "setter_id": "team_members",
    "closer_id": "team_members",
    "team_member_id": "team_members",
    "user_id": "users",
}

# How one record of a table is called when its name is unknown (deleted, or not named).
NOUNS = {
    "leads": "lead",
    "students": "student",
    "programs": "program",
    "enrollments": "enrollment",
    "installments": "installment",
    "payments": "payment",
    "sales_calls": "sales call",
    "team_members": "team member",
    "users": "user",
    "ad_campaigns": "campaign",
    "ad_performance": "ad performance day",
    "email_broadcasts": "email broadcast",
    "daily_metrics": "daily numbers",
    "app_settings": "setting",
}


@dataclass(frozen=True)
class Shown:
    """How values read: the installation's money, date and time formats (the caller's
    formatter; times in the installation's zone)."""

    money: Callable[[Decimal], str]
    day: Callable[[dt.date], str]
    moment: Callable[[dt.datetime], str]


def noun_of(table: str) -> str:
    return NOUNS.get(table, table.replace("_", " ").removesuffix("s"))


def person(first: str | None, last: str | None, fallback: str = "") -> str:
    return " ".join(part for part in (first, last) if part) or fallback


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _lead_or_student(conn: Connection, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    names: dict[uuid.UUID, str] = {}
    for model in (Lead, Student):
        rows = conn.execute(
            select(model.id, model.first_name, model.last_name, model.email).where(
                model.id.in_(ids)
            )
        )
        names.update({r.id: person(r.first_name, r.last_name, r.email or "") for r in rows})
    return names


def _plain(column: Any, prefix: str) -> Callable[[Connection, set[uuid.UUID], Shown], dict]:
    """A reader of ``prefix + name`` for tables named by one column."""
    table = column.class_

    def read(conn: Connection, ids: set[uuid.UUID], _shown: Shown) -> dict[uuid.UUID, str]:
        rows = conn.execute(select(table.id, column).where(table.id.in_(ids)))
        return {row[0]: f"{prefix}{row[1]}" for row in rows}

    return read


def _people(model: Any, noun: str) -> Callable[[Connection, set[uuid.UUID], Shown], dict]:
    def read(conn: Connection, ids: set[uuid.UUID], _shown: Shown) -> dict[uuid.UUID, str]:
        rows = conn.execute(
            select(model.id, model.first_name, model.last_name, model.email).where(
                model.id.in_(ids)
            )
        )
        return {r.id: f"{noun} {person(r.first_name, r.last_name, r.email or '')}" for r in rows}

    return read


def _users(conn: Connection, ids: set[uuid.UUID], _shown: Shown) -> dict[uuid.UUID, str]:
    rows = conn.execute(select(User.id, User.username, User.full_name).where(User.id.in_(ids)))
    return {r.id: f"user {r.full_name or r.username}" for r in rows}


def _buyer_rows(conn: Connection, model: Any, ids: set[uuid.UUID], *extra: Any) -> Any:
    return conn.execute(
        select(model.id, Student.first_name, Student.last_name, Student.email, *extra)
        .join(Enrollment, Enrollment.id == model.enrollment_id)
        .join(Student, Student.id == Enrollment.student_id)
        .where(model.id.in_(ids))
    )


def _enrollments(conn: Connection, ids: set[uuid.UUID], _shown: Shown) -> dict[uuid.UUID, str]:
    rows = conn.execute(
        select(Enrollment.id, Student.first_name, Student.last_name, Student.email, Program.name)
        .join(Student, Student.id == Enrollment.student_id)
        .join(Program, Program.id == Enrollment.program_id)
        .where(Enrollment.id.in_(ids))
    )
    return {
        r.id: f"{_possessive(person(r.first_name, r.last_name, r.email))} enrollment in {r.name}"
        for r in rows
    }


def _payments(conn: Connection, ids: set[uuid.UUID], shown: Shown) -> dict[uuid.UUID, str]:
    rows = _buyer_rows(conn, Payment, ids, Payment.amount)
    return {
        r.id: f"{_possessive(person(r.first_name, r.last_name, r.email))} payment of "
        f"{shown.money(r.amount)}"
        for r in rows
    }


def _installments(conn: Connection, ids: set[uuid.UUID], shown: Shown) -> dict[uuid.UUID, str]:
    rows = _buyer_rows(
        conn, Installment, ids, Installment.sequence, Installment.amount, Installment.due_date
    )
    return {
        r.id: f"{_possessive(person(r.first_name, r.last_name, r.email))} installment "
        f"#{r.sequence} of {shown.money(r.amount)} due {shown.day(r.due_date)}"
        for r in rows
    }


def _calls(conn: Connection, ids: set[uuid.UUID], shown: Shown) -> dict[uuid.UUID, str]:
    rows = conn.execute(
        select(SalesCall.id, SalesCall.lead_id, SalesCall.student_id, SalesCall.scheduled_at)
        .where(SalesCall.id.in_(ids))
    ).all()  # fmt: skip
    people = _lead_or_student(conn, {r.lead_id or r.student_id for r in rows} - {None})
    return {
        r.id: f"the call with {people.get(r.lead_id or r.student_id, 'someone')} on "
        f"{shown.moment(r.scheduled_at)}"
        for r in rows
    }


READERS: dict[str, Callable[[Connection, set[uuid.UUID], Shown], dict[uuid.UUID, str]]] = {
    "leads": _people(Lead, "lead"),
    "students": _people(Student, "student"),
    "programs": _plain(Program.name, "program "),
    "team_members": _plain(TeamMember.name, ""),
    "ad_campaigns": _plain(AdCampaign.name, "campaign "),
    "email_broadcasts": _plain(EmailBroadcast.subject, "broadcast "),
    "app_settings": _plain(AppSetting.key, "setting "),
    "users": _users,
    "enrollments": _enrollments,
    "payments": _payments,
    "installments": _installments,
    "sales_calls": _calls,
}


def record_names(conn: Connection, refs: Iterable[RecordRef], shown: Shown) -> dict[RecordRef, str]:
    """The names of these records as they are now (records not found are left out)."""
    by_table: dict[str, set[uuid.UUID]] = defaultdict(set)
    for table, record_id in refs:
        if table in READERS:
            by_table[table].add(record_id)
    names: dict[RecordRef, str] = {}
    for table, ids in by_table.items():
        for record_id, name in READERS[table](conn, ids, shown).items():
            names[(table, record_id)] = name
    gone = {ref for ref in refs if ref not in names}
    return names | _deleted_names(conn, gone) if gone else names


def _deleted_names(conn: Connection, refs: set[RecordRef]) -> dict[RecordRef, str]:
    """Records deleted since, named from the values their DELETE audit row kept."""
    rows = conn.execute(
        select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.old_values).where(
            AuditEntry.action == AuditAction.DELETE,
            AuditEntry.entity_id.in_({record_id for _table, record_id in refs}),
        )
    )
    return {
        (row.entity, row.entity_id): name_from_values(row.entity, row.old_values)
        for row in rows
        if (row.entity, row.entity_id) in refs
    }


def name_from_values(table: str, values: Mapping[str, Any] | None) -> str:
    """A record's name from its audit snapshot (for a deleted record): "lead Jane Doe"."""
    values = values or {}
    noun = noun_of(table)
    if "first_name" in values or "last_name" in values:
        return f"{noun} {person(values.get('first_name'), values.get('last_name'), '?')}"
    for key in ("name", "subject", "username", "key"):
        if values.get(key):
            return f"{noun} {values[key]}"
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None
