"""Monthly rollups beside the daily ones (issue 16): a report over years sums one row per month
and dimensions instead of one per day (``models/rollups.py``'s ``MONTH_FACTS``,
``services/reporting/fact_ranges.py``). They are filled here from the daily facts as they
are; from now on the rollup rebuild (and on PostgreSQL its functions, installed again here)
rebuilds the months of every day it rebuilds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal_desktop.db.pg_grants import grants_added_in
from portal_desktop.models.rollups import MONTH_FACTS
from portal_desktop.services.common.date_ranges import DateRange, as_date
from portal_desktop.services.reporting.fact_ranges import month_span
from portal_desktop.services.reporting.rollup_functions import install_statements
from portal_desktop.services.reporting.rollup_sql import month_rebuild

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    for day_table, month_table in MONTH_FACTS.items():
        op.create_table(month_table.name, *(column._copy() for column in day_table.columns))
        op.create_index(f"ix_{month_table.name}_day", month_table.name, ["day"], unique=False)
    if dialect == "postgresql":
        for statement in [*grants_added_in(revision), *install_statements()]:
            op.execute(statement)
    days = [
        bind.execute(sa.select(sa.func.min(table.c.day), sa.func.max(table.c.day))).one()
        for table in MONTH_FACTS
    ]
    found = [as_date(day) for pair in days for day in pair if day is not None]
    if found:
        first, after = month_span(DateRange(min(found), max(found)))
        for statement in month_rebuild(first, after, dialect):
            bind.execute(statement)


def downgrade() -> None:
    for month_table in MONTH_FACTS.values():
        op.drop_index(f"ix_{month_table.name}_day", table_name=month_table.name)
        op.drop_table(month_table.name)
