"""Rollup triggers note changed parents, not their children's days (issue 18)

Revision 0003's triggers noted, for a change that moves other rows' figures (a lead's
campaign, an enrollment's closer or status, a student's lead, a payment's installment), the
days those other rows were on *in the writer's snapshot*. A child moved by a transaction
that had not committed yet was still on its old day there; when the child's transaction
committed first and a report rebuilt its new day before the parent's commit, that day kept
the parent's old value and nothing noted it again.

Now such a trigger notes the changed record itself in ``rollup_dirty_parents`` (kind, id),
and ``services/reporting/rollups.py`` finds its children's days when it rebuilds — after the change
committed, in a snapshot that sees every child as committed by then. A child's own change
still notes its own old and new days. The notes are upserts in a fixed order, so two
writers noting the same days lock them in the same order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 11:30:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _revision_0003() -> ModuleType:
    """Revision 0003's trigger builders: to drop its triggers, and to put them back."""
    path = Path(__file__).with_name("0003_daily_rollups.py")
    spec = importlib.util.spec_from_file_location("portal_revision_0003", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Parent(NamedTuple):
    """A record the changed row stands for: its ``kind``, the changed row's column holding
    its id, the columns whose change moves the children's figures, and whether inserting
    or deleting the row notes it too."""

    kind: str
    key: str
    watched: tuple[str, ...]
    on_insert_delete: bool = False


class Tracked(NamedTuple):
    table: str
    timestamps: tuple[str, ...]  # UTC timestamps whose day is noted
    dates: tuple[str, ...]  # DATE columns noted as they are
    watched: tuple[str, ...]  # an UPDATE notes its own days when one of these changes
    parents: tuple[Parent, ...] = ()

    @property
    def has_own_days(self) -> bool:
        return bool(self.timestamps or self.dates)

    @property
    def update_columns(self) -> tuple[str, ...]:
        extra = [c for parent in self.parents for c in parent.watched if c not in self.watched]
        return self.watched + tuple(dict.fromkeys(extra))


TRACKED = (
    Tracked(
        "leads",
        ("created_at",),
        (),
        ("created_at", "source", "ad_campaign_id"),
        (Parent("lead", "id", ("ad_campaign_id",)),),  # its calls' and its cash's campaign
    ),
    Tracked(
        "sales_calls",
        ("scheduled_at",),
        (),
        ("scheduled_at", "outcome", "offer_made", "host_id", "setter_id", "lead_id"),
    ),
    Tracked(
        "enrollments",
        (),
        ("start_date",),
        ("start_date", "contract_value", "closer_id", "setter_id", "student_id", "status"),
        (
            Parent(
                "enrollment",
                "id",
                ("start_date", "closer_id", "setter_id", "student_id", "status"),
            ),
        ),
    ),
    Tracked("installments", (), ("due_date",), ("due_date", "amount", "enrollment_id")),
    Tracked(
        "payments",
        ("paid_at", "refunded_at"),
        (),
        (
            "paid_at",
            "refunded_at",
            "amount",
            "refunded_amount",
            "status",
            "enrollment_id",
            "installment_id",
        ),
        # the installment it pays: its due-date facts hold the PAID payment's day and amount
        (
            Parent(
                "installment",
                "installment_id",
                ("installment_id", "status", "amount", "paid_at"),
                on_insert_delete=True,
            ),
        ),
    ),
    Tracked("students", (), (), (), (Parent("student", "id", ("lead_id",)),)),
)


# --- SQLite: row triggers (one writer at a time) -----------------------------------------

_SKIP = "ON CONFLICT (kind, id) DO NOTHING"


def _sqlite_parent(parent: Parent, row: str, when: str) -> str:
    key = f"{row}.{parent.key}"
    return (
        f"INSERT INTO rollup_dirty_parents (kind, id) SELECT '{parent.kind}', {key} "
        f"WHERE {key} IS NOT NULL{when} {_SKIP}; "
    )


def _sqlite_triggers(spec: Tracked, old: ModuleType) -> list[str]:
    name, table = f"rollup_{spec.table}", spec.table
    statements = []
    for suffix, event, row in (("ai", "INSERT", "NEW"), ("ad", "DELETE", "OLD")):
        body = old._sqlite_note(old._sqlite_days(row, spec.timestamps, spec.dates))
        body += "".join(
            _sqlite_parent(parent, row, "") for parent in spec.parents if parent.on_insert_delete
        )
        if body:
            statements.append(
                f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {table} BEGIN {body}END"
            )
    own = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in spec.watched) or "0"
    days = [d for row in ("OLD", "NEW") for d in old._sqlite_days(row, spec.timestamps, spec.dates)]
    body = "".join(
        f"INSERT INTO rollup_dirty (day) SELECT {day} WHERE ({own}) AND {day} IS NOT NULL "
        f"{old._SQLITE_SKIP}; "
        for day in days
    )
    for parent in spec.parents:
        moved = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in parent.watched)
        body += "".join(_sqlite_parent(parent, row, f" AND ({moved})") for row in ("OLD", "NEW"))
    columns = ", ".join(spec.update_columns)
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in spec.update_columns)
    statements.append(
        f"CREATE TRIGGER {name}_au AFTER UPDATE OF {columns} ON {table} "
        f"WHEN {changed} BEGIN {body}END"
    )
    return statements


# --- PostgreSQL: statement triggers with transition tables --------------------------------


def _pg_note(table: str, columns: tuple[str, ...], selects: list[str]) -> str:
    """Upsert into ``table`` the distinct ``columns`` (the last never NULL) the ``selects``
    give, in their order: writers noting the same rows lock them in the same order. An
    existing note is updated, not skipped, so it stays locked until the writer commits and
    a rebuild meanwhile leaves it for later (``SKIP LOCKED``)."""
    if not selects:
        return ""
    names, first = ", ".join(columns), columns[0]
    return (
        f"INSERT INTO {table} ({names}) SELECT DISTINCT {names} "
        f"FROM ({' UNION '.join(selects)}) AS noted WHERE {columns[-1]} IS NOT NULL "
        f"ORDER BY {names} ON CONFLICT ({names}) DO UPDATE SET {first} = EXCLUDED.{first};"
    )


def _pg_notes(days: list[str], parents: list[str]) -> str:
    """A trigger's body: note the days and the parents its selects give."""
    return _pg_note("rollup_dirty", ("day",), days) + _pg_note(
        "rollup_dirty_parents", ("kind", "id"), parents
    )


def _pg_trigger(spec: Tracked, event: str, referencing: str, body: str) -> list[str]:
    function = f"rollup_{spec.table}_{event.lower()}"
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$BEGIN {body} RETURN NULL; END$$",
        f"CREATE TRIGGER {function} AFTER {event} ON {spec.table} REFERENCING {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def _pg_triggers(spec: Tracked, old: ModuleType) -> list[str]:
    statements = []
    for event, kind in (("INSERT", "NEW"), ("DELETE", "OLD")):
        days = [
            f"SELECT {day} AS day FROM changed_rows r"
            for day in old._pg_days("r", spec.timestamps, spec.dates)
        ]
        parents = [
            f"SELECT '{parent.kind}'::text AS kind, r.{parent.key} AS id FROM changed_rows r"
            for parent in spec.parents
            if parent.on_insert_delete
        ]
        body = _pg_notes(days, parents)
        if body:
            referencing = f"{kind} TABLE AS changed_rows"
            statements += _pg_trigger(spec, event, referencing, body)
    joined = "old_rows o JOIN new_rows n ON n.id = o.id"
    own = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in spec.watched)
    days = [
        f"SELECT {day} AS day FROM {joined} WHERE {own}"
        for row in ("o", "n")
        for day in old._pg_days(row, spec.timestamps, spec.dates)
    ]
    parents = [
        f"SELECT '{parent.kind}'::text AS kind, {row}.{parent.key} AS id FROM {joined} "
        f"WHERE {' OR '.join(f'o.{c} IS DISTINCT FROM n.{c}' for c in parent.watched)}"
        for parent in spec.parents
        for row in ("o", "n")
    ]
    referencing = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
    body = _pg_notes(days, parents)
    statements += _pg_trigger(spec, "UPDATE", referencing, body)
    return statements


def _pg_drops(spec: Tracked) -> list[str]:
    return [
        statement
        for event in ("insert", "delete", "update")
        for statement in (
            f"DROP TRIGGER IF EXISTS rollup_{spec.table}_{event} ON {spec.table}",
            f"DROP FUNCTION IF EXISTS rollup_{spec.table}_{event}()",
        )
    ]


def _sqlite_drops(spec: Tracked) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS rollup_{spec.table}_{s}" for s in ("ai", "ad", "au")]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    old = _revision_0003()
    sqlite = op.get_bind().dialect.name == "sqlite"
    for spec in TRACKED:
        _run(_sqlite_drops(spec) if sqlite else _pg_drops(spec))
    op.create_table(
        "rollup_dirty_parents",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id", name=op.f("pk_rollup_dirty_parents")),
    )
    for spec in TRACKED:
        _run(_sqlite_triggers(spec, old) if sqlite else _pg_triggers(spec, old))


def downgrade() -> None:
    old = _revision_0003()
    sqlite = op.get_bind().dialect.name == "sqlite"
    for spec in TRACKED:
        _run(_sqlite_drops(spec) if sqlite else _pg_drops(spec))
    op.drop_table("rollup_dirty_parents")
    for spec in old.TRACKED:
        _run(old._sqlite_triggers(spec) if sqlite else old._pg_triggers(spec))
