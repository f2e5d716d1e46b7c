"""The audit trail as a manager reads it: one line per change.

"Refund $200.00 on Jane Doe's payment of $997.00", "Changed lead Jane Doe: Status New →
Qualified", "Deleted lead Sam Lee (deleted with 2 sales call(s))". Records are called by
name (:mod:`audit_names`), enum codes by their labels ("Card", not CARD), money and times in
the installation's formats and zone (the caller's :class:`Shown`). How a value reads follows
its column's type in the model, so a new column needs no entry here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Date, Enum, select

from portal_desktop.models import AuditEntry, Entity
from portal_desktop.models.types import Money, UTCDateTime
from portal_desktop.services.common.audit_names import (
    REFERENCES,
    RecordRef,
    Shown,
    as_uuid,
    name_from_values,
    record_names,
)
from portal_desktop.services.common.fields import iso_moment
from portal_desktop.services.common.words import enum_label

# At most this many changed fields are spelled out in the one line; the rest are counted.
MAX_FIELDS_IN_LINE = 3
_QUIET = {"id", "version", "created_at", "updated_at"}
_VERBS = {"CREATE": "Created", "UPDATE": "Changed", "DELETE": "Deleted"}


@dataclass(frozen=True)
class AuditFacts:
    """What an audit row holds, as read from ``audit_log``."""

    action: str
    entity: str
    entity_id: uuid.UUID | None
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None
    note: str | None = None  # the writer's own words ("deal closed", "overdue roll")


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry, as read: its label and its value before and after."""

    field: str
    old: str
    new: str


def field_label(name: str) -> str:
    """``team_member_id`` → "Team member", ``refunded_amount`` → "Refunded amount"."""
    words = name.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _column(table: str, name: str) -> Any:
    found = Entity.metadata.tables.get(table)
    return None if found is None else found.columns.get(name)


def value_text(
    table: str, name: str, value: Any, shown: Shown, names: Mapping[RecordRef, str]
) -> str:
    """One snapshot value as a person reads it, following the column's type."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name in REFERENCES:
        key = as_uuid(value)
        found = names.get((REFERENCES[name], key)) if key else None
        return found.removeprefix("user ") if found else "(removed)"
    column = _column(table, name)
    kind = None if column is None else column.type
    text = str(value)
    if isinstance(kind, Enum):
        return enum_label(text)
    if isinstance(kind, UTCDateTime) and (when := iso_moment(text)) is not None:
        return shown.moment(when)
    if isinstance(kind, Date):
        try:
            return shown.day(dt.date.fromisoformat(text))
        except ValueError:
            return text
    if isinstance(kind, Money):
        try:
            return shown.money(Decimal(text))
        except InvalidOperation:
            return text
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return text


def field_changes(
    facts: AuditFacts, shown: Shown, names: Mapping[RecordRef, str]
) -> list[FieldChange]:
    """The fields an entry names, in a stable order, with their values before and after."""
    old, new = facts.old or {}, facts.new or {}
    fields = sorted((set(old) | set(new)) - _QUIET)
    return [
        FieldChange(
            field_label(name),
            value_text(facts.entity, name, old[name], shown, names) if name in old else "",
            value_text(facts.entity, name, new[name], shown, names) if name in new else "",
        )
        for name in fields
    ]


def references(facts: AuditFacts) -> set[RecordRef]:
    """The records an entry names: its own and every foreign key in its values."""
    refs: set[RecordRef] = set()
    if facts.entity_id is not None:
        refs.add((facts.entity, facts.entity_id))
    for values in (facts.old, facts.new):
        for name, value in (values or {}).items():
            key = as_uuid(value) if name in REFERENCES and value else None
            if key is not None:
                refs.add((REFERENCES[name], key))
    return refs


def _refund(facts: AuditFacts, shown: Shown, record: str) -> str | None:
    """ "Refund $200.00 on Jane Doe's payment of $997.00" for a payment's refund."""
    old, new = facts.old or {}, facts.new or {}
    if facts.entity != "payments" or "refunded_amount" not in new:
        return None
    try:
        step = Decimal(str(new["refunded_amount"])) - Decimal(str(old.get("refunded_amount", 0)))
    except InvalidOperation:
        return None
    return f"Refund {shown.money(step)} on {record}" if step > 0 else None


def summary_line(facts: AuditFacts, shown: Shown, names: Mapping[RecordRef, str]) -> str:
    """The one line of an entry (see the module docstring)."""
    key = (facts.entity, facts.entity_id) if facts.entity_id else None
    record = (names.get(key) if key else None) or name_from_values(
        facts.entity, facts.old or facts.new
    )
    note = f" ({facts.note})" if facts.note else ""
    if facts.entity_id is None and facts.note:  # a whole import, a bulk link
        return facts.note[:1].upper() + facts.note[1:]
    if facts.action != "UPDATE":
        return f"{_VERBS.get(facts.action, enum_label(facts.action))} {record}{note}"
    if (refund := _refund(facts, shown, record)) is not None:
        return refund + note
    changes = field_changes(facts, shown, names)
    said = "; ".join(f"{c.field} {c.old} → {c.new}" for c in changes[:MAX_FIELDS_IN_LINE])
    more = len(changes) - MAX_FIELDS_IN_LINE
    said += f"; {more} more" if more > 0 else ""
    head = record[:1].upper() + record[1:]
    return f"{head}: {said}{note}" if said else f"Changed {record}{note}"


def facts_of(row: Any) -> AuditFacts:
    return AuditFacts(
        str(row.action), row.entity, row.entity_id, row.old_values, row.new_values, row.summary
    )


def read_facts(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AuditFacts]:
    """The audit rows of these ids, in one query."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = conn.execute(
        select(
            AuditEntry.id, AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
            AuditEntry.old_values, AuditEntry.new_values, AuditEntry.summary,
        ).where(AuditEntry.id.in_(wanted))
    )  # fmt: skip
    return {row.id: facts_of(row) for row in rows}


def summaries(conn: Connection, ids: Sequence[uuid.UUID], shown: Shown) -> dict[uuid.UUID, str]:
    """The one line of each of these audit rows: one query for the rows, one per table named."""
    facts = read_facts(conn, ids)
    refs = set().union(*(references(f) for f in facts.values())) if facts else set()
    names = record_names(conn, refs, shown)
    return {entry_id: summary_line(f, shown, names) for entry_id, f in facts.items()}


@dataclass(frozen=True)
class AuditDetail:
    """One entry as the audit panel shows it: its line, who and when, and its fields."""

    at: dt.datetime
    username: str
    action: str
    line: str
    changes: list[FieldChange]


def describe(conn: Connection, entry_id: uuid.UUID, shown: Shown) -> AuditDetail | None:
    """One entry's line and its fields, before and after (None if there is no such entry)."""
    table = AuditEntry.__table__
    row = conn.execute(select(table).where(table.c.id == entry_id)).mappings().first()
    if row is None:
        return None
    facts = AuditFacts(
        str(row["action"]), row["entity"], row["entity_id"], row["old_values"],
        row["new_values"], row["summary"],
    )  # fmt: skip
    names = record_names(conn, references(facts), shown)
    return AuditDetail(
        row["at"], row["username"], facts.action, summary_line(facts, shown, names),
        field_changes(facts, shown, names),
    )  # fmt: skip


def readable_rows(shown: Shown, column: int) -> Callable[[Connection, list[Any]], list[Any]]:
    """A list's ``finish``: the audit rows' ``column`` replaced by their one line (the rows
    end with the audit row's id)."""

    def finish(conn: Connection, rows: list[Any]) -> list[Any]:
        lines = summaries(conn, [row[-1] for row in rows], shown)
        return [
            (*row[:column], lines.get(row[-1], row[column]), *row[column + 1 :]) for row in rows
        ]

    return finish
