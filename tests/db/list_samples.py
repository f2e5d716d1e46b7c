"""A plain list over enrollments for the tests of the list machinery (paging, totals, chips):
a simple spec whose rows are easy to compute by hand. Not a list the app shows — those are
in portal_desktop/db/lists.py."""

from __future__ import annotations

from sqlalchemy import Engine

from portal_desktop.db.engine import session_factory
from portal_desktop.db.list_queries import ENROLLMENT_LOOKUPS, STUDENT_SEARCH, student_column
from portal_desktop.db.query_spec import ChipGroup, ColumnKind, ListColumn, ListSpec, SortOrder
from portal_desktop.db.tables import closer, enrollments, programs
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.programs import create_program
from portal_desktop.services.seeding import seed_database

K = ColumnKind

ENROLLMENTS = ListSpec(
    name="enrollments_sample",
    title="Enrollments (sample)",
    noun="enrollment",
    base=enrollments,
    key=enrollments.c.id,
    lookups=ENROLLMENT_LOOKUPS,
    columns=(
        student_column(22),
        ListColumn("Program", programs.c.name, width=24),
        ListColumn("Plan", enrollments.c.plan_type, K.ENUM, width=7),
        ListColumn("Contract value", enrollments.c.contract_value, K.MONEY, width=13),
        ListColumn("Start date", enrollments.c.start_date, K.DATE, width=11),
        ListColumn("Status", enrollments.c.status, K.ENUM, width=11),
        ListColumn("Closer", closer.c.name, width=18),
    ),
    default_sort=SortOrder(4, descending=True),
    search_in=STUDENT_SEARCH,
    chips=(
        ChipGroup("status", "Status", enrollments.c.status, is_enum=True),
        ChipGroup("plan", "Plan", enrollments.c.plan_type, is_enum=True),
        ChipGroup("closer", "Closer", closer.c.name),
    ),
)


def seed_every_list(engine: Engine, leads: int = 60, seed: int = 3) -> Engine:
    """The demo data, plus a few audited writes: every list of db/lists.py has rows (the
    seed writes no audit trail)."""
    seed_database(engine, leads=leads, seed=seed)
    with session_factory(engine)() as session:
        for number, price in ((1, "1500"), (2, "990.50"), (3, "12000")):
            create_program(session, SYSTEM, f"Audited program {number}", price)
    return engine
