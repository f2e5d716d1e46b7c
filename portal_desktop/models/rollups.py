"""Daily rollups: the reports' additive figures per local day, kept beside the records.

Reports and charts over long ranges read these small tables instead of every lead, call and
payment. Each row holds the KPIS.md counts and sums of one local day (the installation's
time zone) for one combination of the dimensions the screens group by; a range's figure is
the SUM over its days. They are derived data: ``services/reporting/rollups.py`` rebuilds the days
that
changed, and triggers (migration 0003) note those days in ``rollup_dirty`` whenever a lead,
call, enrollment, installment, payment or student is written, whoever writes it.

None of these tables is an entity (no id, no version, no audit): they can be dropped and
rebuilt from the records at any time.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, String, Table, Uuid

from portal_desktop.models.base import Base
from portal_desktop.models.types import Money

_metadata = Base.metadata


def _count(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default="0")


def _money(name: str) -> Column[object]:
    return Column(name, Money(), nullable=False, server_default="0")


lead_day_facts = Table(
    "lead_day_facts",
    _metadata,
    Column("day", Date, nullable=False),
    Column("source", String(120)),
    Column("ad_campaign_id", Uuid),
    _count("leads"),
    Index("ix_lead_day_facts_day", "day"),
)
"""Leads created per local day, by source and attributed campaign."""

call_day_facts = Table(
    "call_day_facts",
    _metadata,
    Column("day", Date, nullable=False),
    Column("host_id", Uuid),
    Column("setter_id", Uuid),
    Column("ad_campaign_id", Uuid),
    _count("booked"),
    _count("held"),
    _count("no_shows"),
    _count("offers"),
    _count("closes"),
    Index("ix_call_day_facts_day", "day"),
)
"""Booked calls per local scheduled day, by host, setter and the lead's campaign (KPIS.md's
calls_booked and, of those, held, no-shows, offers and closes)."""

enrollment_day_facts = Table(
    "enrollment_day_facts",
    _metadata,
    Column("day", Date, nullable=False),
    Column("closer_id", Uuid),
    Column("setter_id", Uuid),
    _count("enrollments"),
    _money("contracted"),
    Index("ix_enrollment_day_facts_day", "day"),
)
"""Enrollments per start date, by closer and setter, with their contract values."""

cash_day_facts = Table(
    "cash_day_facts",
    _metadata,
    Column("day", Date, nullable=False),
    Column("closer_id", Uuid),
    Column("setter_id", Uuid),
    Column("ad_campaign_id", Uuid),
    _money("received"),
    _money("refunds"),
    Index("ix_cash_day_facts_day", "day"),
)
"""Cash per local day, by the enrollment's closer and setter and the student's lead's
campaign: ``received`` by ``paid_at`` (PAID or REFUNDED), ``refunds`` by ``refunded_at``."""

installment_due_facts = Table(
    "installment_due_facts",
    _metadata,
    Column("day", Date, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("paid_day", Date),
    _money("amount"),
    _money("settled"),
    _money("paid"),
    Index("ix_installment_due_facts_day", "day"),
)
"""Installments of enrollments not cancelled, per due date (``day``), enrollment start date
and local day of their PAID payment (NULL: none): ``amount``; ``settled``, the part of the
amount that payment covers (never more than the amount); ``paid``, the payment's amount.
An installment's unpaid balance as of a day is ``amount - settled`` when paid by then, else
``amount`` (KPIS.md receivables); collection uses ``paid``."""


def _by_month(day_table: Table) -> Table:
    """The same figures summed per calendar month: ``day`` is the month's first day."""
    name = day_table.name.replace("_day_", "_month_")
    return Table(
        name,
        _metadata,
        *(column._copy() for column in day_table.columns),
        Index(f"ix_{name}_day", "day"),
    )


lead_month_facts = _by_month(lead_day_facts)
call_month_facts = _by_month(call_day_facts)
enrollment_month_facts = _by_month(enrollment_day_facts)
cash_month_facts = _by_month(cash_day_facts)

MONTH_FACTS: dict[Table, Table] = {
    lead_day_facts: lead_month_facts,
    call_day_facts: call_month_facts,
    enrollment_day_facts: enrollment_month_facts,
    cash_day_facts: cash_month_facts,
}
"""Per daily fact table, its monthly sums (migration 0010): a report over many months reads
one row per month and dimensions instead of one per day; the days at either end that do not
make a whole month still come from the daily table. They are rebuilt from the daily rows
whenever those are (``services/reporting/rollups.py``), in the same transaction."""


def measures(table: Table) -> list[Column[object]]:
    """A fact table's summed columns (the others, but ``day``, are its dimensions)."""
    return [column for column in table.columns if column.server_default is not None]


rollup_dirty = Table(
    "rollup_dirty",
    _metadata,
    Column("day", Date, primary_key=True),
)
"""Days whose records changed since the facts were built: UTC dates of the changed
timestamps and the dates of date columns (each means its neighbouring local days too)."""

rollup_dirty_parents = Table(
    "rollup_dirty_parents",
    _metadata,
    Column("kind", String(20), primary_key=True),
    Column("id", Uuid, primary_key=True),
)
"""Records whose change moves the figures of other records (``kind``: lead, student,
enrollment, installment). The days of those other records are found when the facts are
rebuilt — after the change committed — not by the trigger: in the writer's snapshot a
child moved by a transaction not committed yet would still be on its old day (issue 18)."""

rollup_state = Table(
    "rollup_state",
    _metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)
"""What the facts were built with: ``time_zone`` (a change of time zone rebuilds them)."""

FACT_TABLES = (
    lead_day_facts,
    call_day_facts,
    enrollment_day_facts,
    cash_day_facts,
    installment_due_facts,
)
"""The daily facts, rebuilt from the records."""

ALL_FACT_TABLES = (*FACT_TABLES, *MONTH_FACTS.values())
