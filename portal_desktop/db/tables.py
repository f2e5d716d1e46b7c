"""The table handles the list queries read, and the small expressions they share (no Qt).

Every ``db/*_queries.py`` module takes its tables and aliases from here, so one name means
one :class:`~sqlalchemy.Table` (or one alias) everywhere.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func

from portal_desktop.models import (
    AdCampaign,
    Base,
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


def table_of(entity: type[Base]) -> Table:
    """The Core table of a mapped class."""
    return cast(Table, entity.__table__)


def full_name(first: ColumnElement[Any], last: ColumnElement[Any]) -> ColumnElement[str]:
    """``first last`` with no stray blank when one part is empty."""
    return func.trim(first + " " + last)


def person_columns(table: Any) -> tuple[ColumnElement[Any], ...]:
    """What the search box looks in for a person: names, email, phone."""
    return (table.c.first_name, table.c.last_name, table.c.email, table.c.phone)


leads = table_of(Lead)
calls = table_of(SalesCall)
students = table_of(Student)
programs = table_of(Program)
enrollments = table_of(Enrollment)
installments = table_of(Installment)
payments = table_of(Payment)
team = table_of(TeamMember)
campaigns = table_of(AdCampaign)
users = table_of(User)

owner = team.alias("owner")
host = team.alias("host")
setter = team.alias("setter")
closer = team.alias("closer")
linked_member = team.alias("linked_member")
call_lead = leads.alias("call_lead")
call_student = students.alias("call_student")
