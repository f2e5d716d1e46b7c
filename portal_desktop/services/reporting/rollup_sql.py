"""The statements of the rollup rebuild that run on both databases and, rendered, inside
PostgreSQL's rollup functions (``rollups.py``, ``rollup_functions.py``): claiming the notes,
finding the noted parents' children, the span of the records, the facts' deletes and the
time zone they were built in."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, tuple_, union_all

from portal_desktop.models import Enrollment, Installment, Lead, Payment, SalesCall, Student
from portal_desktop.models.rollups import MONTH_FACTS, measures, rollup_state
from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.reporting.fact_ranges import month_of
from portal_desktop.services.reporting.kpi_sql import in_dates

TIME_ZONE_KEY = "time_zone"


def claim_statement(table: Any, dialect: str) -> Any:
    """Delete and return the notes of ``table`` whose writers have committed (PostgreSQL:
    a note a writer still holds is skipped, and stays for the next rebuild)."""
    claim = delete(table)
    key = tuple_(*table.primary_key.columns)
    if dialect == "postgresql":
        free = select(*table.primary_key.columns).with_for_update(skip_locked=True)
        claim = claim.where(key.in_(free))
    return claim.returning(*table.primary_key.columns)


def _payment_times(*where: Any) -> Select[Any]:
    return select(Payment.paid_at, Payment.refunded_at).where(*where)


IDS_PER_QUERY = 5000
CHILD_DAYS: dict[str, Callable[[list[uuid.UUID]], list[Select[Any]]]] = {
    "lead": lambda ids: [
        select(SalesCall.scheduled_at).where(SalesCall.lead_id.in_(ids)),
        _payment_times(
            Payment.enrollment_id.in_(
                select(Enrollment.id)
                .join(Student, Enrollment.student_id == Student.id)
                .where(Student.lead_id.in_(ids))
            )
        ),
    ],
    "student": lambda ids: [
        _payment_times(
            Payment.enrollment_id.in_(select(Enrollment.id).where(Enrollment.student_id.in_(ids)))
        )
    ],
    "enrollment": lambda ids: [
        _payment_times(Payment.enrollment_id.in_(ids)),
        select(Installment.due_date).where(Installment.enrollment_id.in_(ids)),
    ],
    "installment": lambda ids: [select(Installment.due_date).where(Installment.id.in_(ids))],
}
"""Per kind of noted parent: the queries of its children's timestamps and dates."""


def state_delete() -> Any:
    return delete(rollup_state).where(rollup_state.c.name == TIME_ZONE_KEY)


def state_insert(tz_key: str) -> Any:
    return insert(rollup_state).values({"name": TIME_ZONE_KEY, "value": tz_key})


def span_queries() -> tuple[Any, Any]:
    """The first and last timestamps, and dates, of the records the facts count."""
    times = union_all(
        select(func.min(Lead.created_at), func.max(Lead.created_at)),
        select(func.min(SalesCall.scheduled_at), func.max(SalesCall.scheduled_at)),
        select(func.min(Payment.paid_at), func.max(Payment.paid_at)),
        select(func.min(Payment.refunded_at), func.max(Payment.refunded_at)),
    )
    dates = union_all(
        select(func.min(Enrollment.start_date), func.max(Enrollment.start_date)),
        select(func.min(Installment.due_date), func.max(Installment.due_date)),
    )
    return times, dates


def month_rebuild(first: dt.date, after: dt.date, dialect: str) -> list[Any]:
    """Delete and sum again from the daily rows the monthly facts of the months from
    ``first`` to before ``after`` (first days of months)."""
    statements: list[Any] = []
    for day_table, month_table in MONTH_FACTS.items():
        sums = measures(day_table)
        summed = {"day", *(column.name for column in sums)}
        dimensions = [column for column in day_table.c if column.name not in summed]
        month = month_of(day_table.c.day, dialect).label("day")
        query = (
            select(month, *dimensions, *(func.sum(column).label(column.name) for column in sums))
            .where(day_table.c.day >= first, day_table.c.day < after)
            .group_by(month, *dimensions)
        )
        statements += [
            delete(month_table).where(month_table.c.day >= first, month_table.c.day < after),
            insert(month_table).from_select(list(query.selected_columns.keys()), query),
        ]
    return statements


def fact_delete(table: Any, period: DateRange) -> Any:
    return delete(table).where(in_dates(table.c.day, period.start, period.end))
