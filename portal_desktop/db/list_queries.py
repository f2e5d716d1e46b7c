"""The Pipeline, Sales-calls and Team lists, and the parts the other lists are built from.

Every list the app shows is registered once, by name, in :mod:`portal_desktop.db.lists`
(the screens, ``portal-desktop export`` and the tests take them from there); the lists of
the other screens live beside those screens' reads (enrollments_queries, payments_queries,
marketing_queries, admin_queries).

Each list reads a lightweight row projection (plain tuples), never ORM objects, and names
what a reader expects beside the ids: a sales call shows the lead's (or student's) name and
its host's; an enrollment shows the student, program and closer. ``users.password_hash`` is
never selected.
"""

from __future__ import annotations

from sqlalchemy import func

from portal_desktop.db.lead_stage import STAGES
from portal_desktop.db.query_spec import (
    ChipGroup,
    ChipKind,
    ColumnKind,
    ListColumn,
    ListSpec,
    Lookup,
    SortOrder,
)
from portal_desktop.db.tables import (
    call_lead,
    call_student,
    calls,
    closer,
    enrollments,
    full_name,
    host,
    installments,
    leads,
    owner,
    person_columns,
    programs,
    setter,
    students,
    team,
)

K = ColumnKind


PIPELINE = ListSpec(
    name="pipeline",
    title="Pipeline",
    noun="lead",
    base=leads,
    key=leads.c.id,
    lookups=(Lookup(owner, leads.c.owner_id == owner.c.id),),
    columns=(
        ListColumn(
            "Name",
            full_name(leads.c.first_name, leads.c.last_name),
            sort_by=(leads.c.last_name, leads.c.first_name),
            width=22,
        ),
        # lower(email) and (status, created_at) are what the indexes hold.
        ListColumn("Email", leads.c.email, sort_by=(func.lower(leads.c.email),), width=30),
        ListColumn("Phone", leads.c.phone, width=15),
        ListColumn(
            "Status", leads.c.status, K.ENUM, sort_by=(leads.c.status, leads.c.created_at), width=12
        ),
        ListColumn("Source", leads.c.source, width=9),
        ListColumn("Campaign", leads.c.campaign, width=30),
        ListColumn("Owner", owner.c.name, width=16),
        ListColumn("Created", leads.c.created_at, K.DATETIME, width=16),
    ),
    default_sort=SortOrder(7, descending=True),
    search_in=person_columns(leads),
    fts_table="leads_search",
    chips=(
        ChipGroup("status", "Status", leads.c.status, is_enum=True),
        ChipGroup("source", "Source", leads.c.source),
        ChipGroup("owner", "Owner", owner.c.name),
        ChipGroup("created", "Created", leads.c.created_at, ChipKind.DATE_RANGE),
        STAGES,  # the Pipeline tab's chips and its board's columns (db/lead_stage.py)
    ),
)

_CALL_LAST = func.coalesce(call_lead.c.last_name, call_student.c.last_name)
_CALL_FIRST = func.coalesce(call_lead.c.first_name, call_student.c.first_name)

SALES_CALLS = ListSpec(
    name="sales_calls",
    title="Sales calls",
    noun="sales call",
    base=calls,
    key=calls.c.id,
    lookups=(
        Lookup(call_lead, calls.c.lead_id == call_lead.c.id),
        Lookup(call_student, calls.c.student_id == call_student.c.id),
        Lookup(host, calls.c.host_id == host.c.id, outer=False),
        Lookup(setter, calls.c.setter_id == setter.c.id),
    ),
    columns=(
        ListColumn("Scheduled", calls.c.scheduled_at, K.DATETIME, width=16),
        ListColumn(
            "Lead / student",
            full_name(_CALL_FIRST, _CALL_LAST),
            sort_by=(_CALL_LAST, _CALL_FIRST),
            width=22,
        ),
        ListColumn("Host", host.c.name, width=18),
        ListColumn("Setter", setter.c.name, width=18),
        ListColumn(
            "Outcome",
            calls.c.outcome,
            K.ENUM,
            sort_by=(calls.c.outcome, calls.c.scheduled_at),
            width=13,
            null_text="Pending",
        ),
        ListColumn("Offer made", calls.c.offer_made, K.BOOL, width=9),
        ListColumn("Minutes", calls.c.duration_minutes, K.NUMBER, width=7),
    ),
    default_sort=SortOrder(0, descending=True),
    search_in=(*person_columns(call_lead), *person_columns(call_student), host.c.name),
)


def student_column(width: int) -> ListColumn:
    """The student's full name, sorted by last then first name."""
    return ListColumn(
        "Student",
        full_name(students.c.first_name, students.c.last_name),
        sort_by=(students.c.last_name, students.c.first_name),
        width=width,
    )


# An enrollment's student, program and closer; an installment's enrollment, student and
# program: the lists built on these tables (here, payments_queries, enrollments_queries)
# start from them.
ENROLLMENT_LOOKUPS: tuple[Lookup, ...] = (
    Lookup(students, enrollments.c.student_id == students.c.id, outer=False),
    Lookup(programs, enrollments.c.program_id == programs.c.id, outer=False),
    Lookup(closer, enrollments.c.closer_id == closer.c.id),
)
INSTALLMENT_LOOKUPS: tuple[Lookup, ...] = (
    Lookup(enrollments, installments.c.enrollment_id == enrollments.c.id, outer=False),
    Lookup(students, enrollments.c.student_id == students.c.id, outer=False),
    Lookup(programs, enrollments.c.program_id == programs.c.id, outer=False),
)
# What the search box looks in on a list of a student's enrollments or installments.
STUDENT_SEARCH = (*person_columns(students), programs.c.name)

TEAM = ListSpec(
    name="team",
    title="Team",
    noun="team member",
    base=team,
    key=team.c.id,
    columns=(
        ListColumn("Name", team.c.name, width=22),
        ListColumn("Role", team.c.role, K.ENUM, width=11),
        ListColumn("Email", team.c.email, width=28),
        ListColumn("Phone", team.c.phone, width=16),
        ListColumn("Active", team.c.active, K.BOOL, width=7),
        ListColumn(
            "Commission", team.c.commission_rate, K.PERCENT, width=11, null_text="Role default"
        ),
        ListColumn("Since", team.c.created_at, K.DATETIME, width=16),
    ),
    default_sort=SortOrder(0),
    search_in=(team.c.name, team.c.email, team.c.phone),
)

# What migration 0002 adds beside the models' schema (FTS5 tables on SQLite, trigram
# indexes on PostgreSQL): a schema comparison should leave these names out.
SEARCH_INDEX_PREFIXES = ("leads_search",)
SEARCH_INDEX_NAMES = frozenset(
    f"ix_leads_{column}_trgm" for column in ("first_name", "last_name", "email", "phone")
)


def is_search_index_object(name: str | None) -> bool:
    """Whether a table or index name belongs to the search indexes of migration 0002."""
    return bool(name) and (
        name in SEARCH_INDEX_NAMES or str(name).startswith(SEARCH_INDEX_PREFIXES)
    )
