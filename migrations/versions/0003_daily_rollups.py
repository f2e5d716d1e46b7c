"""Daily rollups for reports and charts, and the triggers that note which days changed

Five fact tables (leads, booked calls, enrollments and cash per local day, installments
per due date; see
``portal_desktop/models/rollups.py``), ``rollup_dirty`` (the days whose records changed) and
``rollup_state`` (the time zone the facts were built in). ``services/reporting/rollups.py`` rebuilds
the facts of the noted days before a report reads them; as this revision leaves
``rollup_state`` empty, the first report after it builds every day.

The triggers note days whoever writes (the app, an import, psql): for each written row, the
UTC date of its timestamps (``leads.created_at``, ``sales_calls.scheduled_at``,
``payments.paid_at`` / ``refunded_at``) or its dates (``enrollments.start_date``,
``installments.due_date``, and a payment's installment's due date); for a change that moves
other rows' figures (a lead's campaign, an enrollment's closer, setter, student or status, a
student's lead), also the days of those rows (the lead's calls, the payments, the
installments).

SQLite: row triggers with ``ON CONFLICT DO NOTHING`` (one writer at a time). PostgreSQL: statement
triggers with transition tables, so a COPY of a million rows notes its days in one
statement; ``ON CONFLICT … DO UPDATE`` locks the noted day until the writer commits, which
keeps a rebuild running at the same moment from forgetting the change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 22:40:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

from portal_desktop.models import types as pdt

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class Dependent(NamedTuple):
    """Other rows whose days move when a row changes: ``FROM`` text, the condition tying
    them to the changed row (``{row}``: its alias), their timestamp and date columns, and
    whether inserting or deleting the row moves them too (else only an UPDATE does)."""

    source: str
    condition: str
    timestamps: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    on_insert_delete: bool = False


class Tracked(NamedTuple):
    table: str
    timestamps: tuple[str, ...]  # UTC timestamps whose day is noted
    dates: tuple[str, ...]  # DATE columns noted as they are
    watched: tuple[str, ...]  # an UPDATE matters only when one of these changes
    dependents: tuple[Dependent, ...] = ()

    @property
    def has_own_days(self) -> bool:
        """Whether inserting or deleting a row notes days (its own columns)."""
        return bool(self.timestamps or self.dates)


_PAYMENT_TIMES = ("p.paid_at", "p.refunded_at")
TRACKED = (
    Tracked(
        "leads",
        ("created_at",),
        (),
        ("created_at", "source", "ad_campaign_id"),
        (
            Dependent("sales_calls c", "c.lead_id = {row}.id", ("c.scheduled_at",)),
            Dependent(
                "students s JOIN enrollments e ON e.student_id = s.id "
                "JOIN payments p ON p.enrollment_id = e.id",
                "s.lead_id = {row}.id",
                _PAYMENT_TIMES,
            ),
        ),
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
            Dependent("payments p", "p.enrollment_id = {row}.id", _PAYMENT_TIMES),
            Dependent("installments i", "i.enrollment_id = {row}.id", dates=("i.due_date",)),
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
        (
            Dependent(
                "installments i",
                "i.id = {row}.installment_id",
                dates=("i.due_date",),
                on_insert_delete=True,
            ),
        ),
    ),
    Tracked(
        "students",
        (),
        (),
        ("lead_id",),
        (
            Dependent(
                "enrollments e JOIN payments p ON p.enrollment_id = e.id",
                "e.student_id = {row}.id",
                _PAYMENT_TIMES,
            ),
        ),
    ),
)


def _dependents(spec: Tracked, update: bool) -> list[Dependent]:
    return [dep for dep in spec.dependents if update or dep.on_insert_delete]


# --- SQLite: row triggers ---------------------------------------------------------------

# Not INSERT OR IGNORE: inside a trigger fired by a foreign-key action (ON DELETE SET NULL)
# SQLite applies the outer statement's ABORT instead, and a day noted twice fails the DELETE.
# An upsert clause is kept as written (the WHERE before it keeps the parser unambiguous).
_SQLITE_SKIP = "ON CONFLICT (day) DO NOTHING"


def _sqlite_days(row: str, timestamps: tuple[str, ...], dates: tuple[str, ...]) -> list[str]:
    return [f"date({row}.{c})" for c in timestamps] + [f"{row}.{c}" for c in dates]


def _sqlite_note(days: list[str]) -> str:
    return "".join(
        f"INSERT INTO rollup_dirty (day) SELECT {day} WHERE {day} IS NOT NULL {_SQLITE_SKIP}; "
        for day in days
    )


def _sqlite_dependents(deps: list[Dependent], rows: tuple[str, ...]) -> str:
    return "".join(
        f"INSERT INTO rollup_dirty (day) SELECT {day} FROM {dep.source} "
        f"WHERE {dep.condition.format(row=row)} AND {day} IS NOT NULL {_SQLITE_SKIP}; "
        for dep in deps
        for row in rows
        for day in [f"date({c})" for c in dep.timestamps] + list(dep.dates)
    )


def _sqlite_triggers(spec: Tracked) -> list[str]:
    name, table = f"rollup_{spec.table}", spec.table
    statements = []
    if spec.has_own_days:
        for suffix, event, row in (("ai", "INSERT", "NEW"), ("ad", "DELETE", "OLD")):
            body = _sqlite_note(_sqlite_days(row, spec.timestamps, spec.dates))
            body += _sqlite_dependents(_dependents(spec, update=False), (row,))
            statements.append(
                f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {table} BEGIN {body}END"
            )
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in spec.watched)
    days = [day for row in ("OLD", "NEW") for day in _sqlite_days(row, spec.timestamps, spec.dates)]
    body = _sqlite_note(days) + _sqlite_dependents(_dependents(spec, True), ("OLD", "NEW"))
    statements.append(
        f"CREATE TRIGGER {name}_au AFTER UPDATE OF {', '.join(spec.watched)} ON {table} "
        f"WHEN {changed} BEGIN {body}END"
    )
    return statements


# --- PostgreSQL: statement triggers with transition tables ------------------------------

_UPSERT = "ON CONFLICT (day) DO UPDATE SET day = EXCLUDED.day"


def _pg_days(row: str, timestamps: tuple[str, ...], dates: tuple[str, ...]) -> list[str]:
    days = [f"({row}.{column} AT TIME ZONE 'UTC')::date" for column in timestamps]
    return days + [f"{row}.{column}" for column in dates]


def _pg_dependents(
    deps: list[Dependent], source: str, rows: tuple[str, ...], where: str
) -> list[str]:
    return [
        f"SELECT {day} AS d FROM {source}, {dep.source} "
        f"WHERE {where}{dep.condition.format(row=row)}"
        for dep in deps
        for row in rows
        for day in [f"({c} AT TIME ZONE 'UTC')::date" for c in dep.timestamps] + list(dep.dates)
    ]


def _pg_note(selects: list[str]) -> str:
    union = " UNION ".join(selects)
    return (
        f"INSERT INTO rollup_dirty (day) SELECT DISTINCT d FROM ({union}) AS noted "
        f"WHERE d IS NOT NULL {_UPSERT};"
    )


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$BEGIN {body} RETURN NULL; END$$"
    )


def _pg_triggers(spec: Tracked) -> list[str]:
    name, table = f"rollup_{spec.table}", spec.table
    statements = []
    if spec.has_own_days:
        for event, kind in (("INSERT", "NEW"), ("DELETE", "OLD")):
            function = f"{name}_{event.lower()}"
            selects = [
                f"SELECT {day} AS d FROM changed_rows r"
                for day in _pg_days("r", spec.timestamps, spec.dates)
            ]
            selects += _pg_dependents(_dependents(spec, False), "changed_rows r", ("r",), "")
            statements += [
                _pg_function(function, _pg_note(selects)),
                f"CREATE TRIGGER {function} AFTER {event} ON {table} "
                f"REFERENCING {kind} TABLE AS changed_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {function}()",
            ]
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in spec.watched)
    joined = "old_rows o JOIN new_rows n ON n.id = o.id"
    selects = [
        f"SELECT {day} AS d FROM {joined} WHERE {changed}"
        for row in ("o", "n")
        for day in _pg_days(row, spec.timestamps, spec.dates)
    ]
    selects += _pg_dependents(_dependents(spec, True), joined, ("o", "n"), f"({changed}) AND ")
    function = f"{name}_update"
    statements += [
        _pg_function(function, _pg_note(selects)),
        f"CREATE TRIGGER {function} AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {function}()",
    ]
    return statements


def _pg_drops(spec: Tracked) -> list[str]:
    events = ("insert", "delete", "update") if spec.has_own_days else ("update",)
    return [
        statement
        for event in events
        for statement in (
            f"DROP TRIGGER IF EXISTS rollup_{spec.table}_{event} ON {spec.table}",
            f"DROP FUNCTION IF EXISTS rollup_{spec.table}_{event}()",
        )
    ]


def _sqlite_drops(spec: Tracked) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS rollup_{spec.table}_{s}" for s in ("ai", "ad", "au")]


# --- tables ------------------------------------------------------------------------------


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def _money(name: str) -> sa.Column:
    return sa.Column(name, pdt.Money(), server_default="0", nullable=False)


def _facts(name: str, dimensions: list[sa.Column], values: list[sa.Column]) -> None:
    op.create_table(name, sa.Column("day", sa.Date(), nullable=False), *dimensions, *values)
    op.create_index(f"ix_{name}_day", name, ["day"], unique=False)


def upgrade() -> None:
    _facts(
        "lead_day_facts",
        [sa.Column("source", sa.String(length=120)), sa.Column("ad_campaign_id", sa.Uuid())],
        [_count("leads")],
    )
    _facts(
        "call_day_facts",
        [
            sa.Column("host_id", sa.Uuid()),
            sa.Column("setter_id", sa.Uuid()),
            sa.Column("ad_campaign_id", sa.Uuid()),
        ],
        [_count(name) for name in ("booked", "held", "no_shows", "offers", "closes")],
    )
    _facts(
        "enrollment_day_facts",
        [sa.Column("closer_id", sa.Uuid()), sa.Column("setter_id", sa.Uuid())],
        [_count("enrollments"), _money("contracted")],
    )
    _facts(
        "cash_day_facts",
        [
            sa.Column("closer_id", sa.Uuid()),
            sa.Column("setter_id", sa.Uuid()),
            sa.Column("ad_campaign_id", sa.Uuid()),
        ],
        [_money("received"), _money("refunds")],
    )
    op.create_table(
        "installment_due_facts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("paid_day", sa.Date()),
        *[_money(name) for name in ("amount", "settled", "paid")],
    )
    op.create_index("ix_installment_due_facts_day", "installment_due_facts", ["day"])
    op.create_table(
        "rollup_dirty",
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_rollup_dirty")),
    )
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rollup_state")),
    )
    make = _sqlite_triggers if op.get_bind().dialect.name == "sqlite" else _pg_triggers
    for spec in TRACKED:
        for statement in make(spec):
            op.execute(statement)


def downgrade() -> None:
    drops = _sqlite_drops if op.get_bind().dialect.name == "sqlite" else _pg_drops
    for spec in TRACKED:
        for statement in drops(spec):
            op.execute(statement)
    for name in ("rollup_state", "rollup_dirty"):
        op.drop_table(name)
    facts = ("installment_due_facts", "cash_day_facts", "enrollment_day_facts")
    for name in (*facts, "call_day_facts", "lead_day_facts"):
        op.drop_index(f"ix_{name}_day", table_name=name)
        op.drop_table(name)
