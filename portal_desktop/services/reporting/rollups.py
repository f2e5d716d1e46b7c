"""Keeping the daily rollups (``models/rollups.py``) equal to the records.

Triggers note the days whose records changed in ``rollup_dirty`` (migrations 0003, 0004),
and in ``rollup_dirty_parents`` the records whose change moves other records' figures (a
lead's campaign moves its calls' and its cash's; an enrollment's closer, status or start
date its payments' and installments'; a student's lead its payments'; a payment its
installment's). Before a report reads the facts, :func:`fresh_snapshot` finds the days of
those other records — now, after the change committed, not in the writer's snapshot, where
a child moved by a transaction not committed yet was still on its old day — and rebuilds
every noted day and its neighbours (a UTC date touches three local days) from the records,
with the KPI report's own predicates (``kpi_sales`` / ``kpi_money``), then opens the
report's snapshot.

Why that is exact under any interleaving of committed writers: a rebuild claims only notes
whose writer has committed (an uncommitted note is invisible or locked: ``SKIP LOCKED``),
and reads the records after claiming them. A figure of a day depends on a record either
through the record's own days — noted by the record's own change, old and new — or through
a parent; a parent's change is claimed after it committed and resolved to its children
where they are then, and a child that moves later notes its own days when it does. A
rebuild inside a writer's own transaction (an import, a campaign re-link) also claims that
writer's notes before it commits; it holds the advisory lock until then, so no other
rebuild can read a child committed meanwhile without the writer's change.
When the facts were built in another time zone than the installation's (or never), every
day is rebuilt.

Concurrency. SQLite has one writer at a time: the rebuild is a write. On PostgreSQL the
rebuild runs in its own READ COMMITTED transaction before the report's snapshot, under an
advisory lock (one rebuilder at a time); it claims the noted days with ``FOR UPDATE SKIP
LOCKED``, so a day a writer is still noting (its trigger holds the row) stays noted and is
rebuilt next time instead of being lost — and if that writer commits before the report's
snapshot begins, :func:`fresh_snapshot` sees the day still noted and rebuilds again.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import uuid
import zoneinfo
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    case,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased

from portal_desktop.models import Enrollment, Installment, Lead, Payment, SalesCall, Student
from portal_desktop.models.rollups import (
    ALL_FACT_TABLES,
    FACT_TABLES,
    call_day_facts,
    cash_day_facts,
    enrollment_day_facts,
    installment_due_facts,
    lead_day_facts,
    rollup_dirty,
    rollup_dirty_parents,
    rollup_state,
)
from portal_desktop.models.types import Money
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.date_ranges import DateRange, as_date, local_date
from portal_desktop.services.reporting.fact_ranges import month_span
from portal_desktop.services.reporting.kpi_money import (
    RECEIVED,
    open_enrollment,
    paid_payment_of_installment,
)
from portal_desktop.services.reporting.kpi_sales import BOOKED, CLOSE, HELD, NO_SHOW, OFFER
from portal_desktop.services.reporting.kpi_sql import (
    Bounds,
    consistent_reads,
    count_if,
    in_bounds,
    in_dates,
    money_sum,
)
from portal_desktop.services.reporting.rollup_sql import (
    CHILD_DAYS,
    IDS_PER_QUERY,
    TIME_ZONE_KEY,
    claim_statement,
    fact_delete,
    month_rebuild,
    span_queries,
    state_delete,
    state_insert,
)

MERGE_GAP_DAYS = 7  # pieces (noted days ± 1) this close are rebuilt as one
MAX_PIECES = 24  # more pieces than this: one piece from the first to the last day
_LOCK_KEY = 0x706F7274616C  # "portal": the advisory lock of the rebuild (PostgreSQL)
ONE_DAY = dt.timedelta(days=1)
SNAPSHOT_ATTEMPTS = 3  # rebuilds tried before a report reads what it has


def fresh_snapshot(session: Session) -> None:
    """Before a report: bring the facts up to date, then read one snapshot (PostgreSQL).

    A day a writer was still noting when the rebuild ran was left for later (SKIP LOCKED);
    if the report's snapshot still sees a noted day, that writer has committed in between:
    the snapshot is dropped and the rebuild run again (a few times, a few milliseconds
    apart), so the report does not show that day's figures as they were before.
    """
    outermost = not session.in_transaction()
    for attempt in range(1, SNAPSHOT_ATTEMPTS + 1):
        refresh_rollups(session)
        consistent_reads(session)
        if not outermost or attempt == SNAPSHOT_ATTEMPTS or not _anything_noted(session):
            return
        session.rollback()
        time.sleep(0.02 * attempt)


def refresh_rollups(session: Session) -> int:
    """Rebuild the facts of every noted day (all days after a time-zone change).

    Commits when the session was not in a transaction (the report's snapshot must start
    after the rebuild); inside a transaction it works within it — except in a PostgreSQL
    REPEATABLE READ one, which already read the facts as they were. Returns how many local
    days were rebuilt.
    """
    dialect = session.get_bind().dialect.name
    outermost = not session.in_transaction()
    if not outermost and dialect == "postgresql" and _snapshot_open(session):
        return 0
    tz = load_settings(session).tz
    if _built_in(session) == tz.key and not _anything_noted(session):
        if outermost:
            session.commit()
        return 0
    if dialect == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
        rebuilt = _refresh_through_functions(session, tz)
        if outermost:
            session.commit()
        return rebuilt
    paid_span = _paid_span(session, tz)
    if _built_in(session) != tz.key:
        rebuilt = _rebuild_everything(session, tz, dialect, paid_span)
    else:
        rebuilt = sum(
            _rebuild(session, tz, dialect, piece, paid_span)
            for piece in pieces(_claim_noted_days(session, dialect))
        )
    if outermost:
        session.commit()
    return rebuilt


def _refresh_through_functions(session: Session, tz: zoneinfo.ZoneInfo) -> int:
    """PostgreSQL: the same rebuild, by the owner's functions (``rollup_functions.py``), so
    a role that may only read the facts still gets them complete."""
    if _built_in(session) != tz.key:
        session.execute(select(func.portal_rollup_reset(tz.key)))
        first, last = session.execute(text("SELECT * FROM portal_rollup_span()")).one()
        periods = [] if first is None else [DateRange(first, last)]
    else:
        periods = pieces(session.scalars(select(func.portal_rollup_claim_days())))
    return sum(
        session.scalar(select(func.portal_rollup_rebuild(period.start, period.end))) or 0
        for period in periods
    )


def pieces(days: Iterable[dt.date]) -> list[DateRange]:
    """The local days to rebuild for noted days: each with its neighbours, close ones merged."""
    merged: list[list[dt.date]] = []
    for day in sorted(set(days)):
        first, last = day - ONE_DAY, day + ONE_DAY
        if merged and (first - merged[-1][1]).days <= MERGE_GAP_DAYS:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    if len(merged) > MAX_PIECES:
        merged = [[merged[0][0], merged[-1][1]]]
    return [DateRange(first, last) for first, last in merged]


def _snapshot_open(session: Session) -> bool:
    return session.connection().get_isolation_level() != "READ COMMITTED"


def _built_in(session: Session) -> str | None:
    return session.execute(
        select(rollup_state.c.value).where(rollup_state.c.name == TIME_ZONE_KEY)
    ).scalar()


def _anything_noted(session: Session) -> bool:
    return any(
        session.execute(select(table.c[0]).limit(1)).first() is not None
        for table in (rollup_dirty, rollup_dirty_parents)
    )


def _claim(session: Session, dialect: str, table: Any) -> list[Row[Any]]:
    return list(session.execute(claim_statement(table, dialect)))


def _claim_noted_days(session: Session, dialect: str) -> set[dt.date]:
    """The noted days, and the days of the children of the noted parents as they are now."""
    days = {as_date(day) for (day,) in _claim(session, dialect, rollup_dirty)}
    parents: dict[str, list[uuid.UUID]] = {}
    for kind, record_id in _claim(session, dialect, rollup_dirty_parents):
        parents.setdefault(kind, []).append(record_id)
    for kind, ids in parents.items():
        for start in range(0, len(ids), IDS_PER_QUERY):
            for query in CHILD_DAYS[kind](ids[start : start + IDS_PER_QUERY]):
                days.update(
                    _utc_day(value)
                    for row in session.execute(query)
                    for value in row
                    if value is not None
                )
    return days


def _rebuild_everything(
    session: Session, tz: zoneinfo.ZoneInfo, dialect: str, paid_span: Bounds
) -> int:
    for table in (rollup_dirty, rollup_dirty_parents):
        _claim(session, dialect, table)
    for table in ALL_FACT_TABLES:
        session.execute(delete(table))
    span = _span(session)
    rebuilt = 0 if span is None else _rebuild(session, tz, dialect, span, paid_span)
    session.execute(state_delete())
    session.execute(state_insert(tz.key))
    return rebuilt


def _span(session: Session) -> DateRange | None:
    """Every local day any record falls on (with a day's margin for the time zone)."""
    times_query, dates_query = span_queries()
    times = session.execute(times_query).all()
    found = [_utc_day(value) for row in times for value in row if value is not None]
    dates = session.execute(dates_query).all()
    found += [as_date(value) for row in dates for value in row if value is not None]
    if not found:
        return None
    return DateRange(min(found) - ONE_DAY, max(found) + ONE_DAY)


def _paid_span(session: Session, tz: zoneinfo.ZoneInfo) -> Bounds:
    """UTC bounds around every ``paid_at``: where SQLite's local-day CASE must be right."""
    first, last = session.execute(
        select(func.min(Payment.paid_at), func.max(Payment.paid_at))
    ).one()
    if first is None:
        return DateRange(dt.date(2000, 1, 1), dt.date(2000, 1, 1)).utc_bounds(tz)
    return DateRange(_utc_day(first) - ONE_DAY, _utc_day(last) + ONE_DAY).utc_bounds(tz)


def _utc_day(value: Any) -> dt.date:
    """The UTC date of a timestamp read back from SQL (or a date as it is)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _rebuild(
    session: Session, tz: zoneinfo.ZoneInfo, dialect: str, period: DateRange, paid_span: Bounds
) -> int:
    for table in FACT_TABLES:
        session.execute(fact_delete(table, period))
    for table, query in fact_queries(period, tz, dialect, paid_span):
        session.execute(insert(table).from_select(list(query.selected_columns.keys()), query))
    for statement in month_rebuild(*month_span(period), dialect):
        session.execute(statement)
    return period.days


def fact_queries(
    period: DateRange, tz: zoneinfo.ZoneInfo, dialect: str, paid_span: Bounds | None = None
) -> list[tuple[Any, Select[Any]]]:
    """(fact table, the INSERT's SELECT) for every fact of the period's local days."""
    bounds = period.utc_bounds(tz)
    paid_span = bounds if paid_span is None else paid_span  # PostgreSQL does not use it

    def day_of(column: Any) -> Any:
        return local_date(column, tz, bounds, dialect).label("day")

    cash = functools.partial(_cash, day_of, bounds)

    created = day_of(Lead.created_at)
    leads = (
        select(created, Lead.source, Lead.ad_campaign_id, func.count().label("leads"))
        .where(in_bounds(Lead.created_at, bounds))
        .group_by(created, Lead.source, Lead.ad_campaign_id)
    )
    scheduled = day_of(SalesCall.scheduled_at)
    calls = (
        select(
            scheduled,
            SalesCall.host_id,
            SalesCall.setter_id,
            Lead.ad_campaign_id,
            func.count().label("booked"),
            count_if(HELD).label("held"),
            count_if(NO_SHOW).label("no_shows"),
            count_if(OFFER).label("offers"),
            count_if(CLOSE).label("closes"),
        )
        .select_from(SalesCall)
        .outerjoin(Lead, SalesCall.lead_id == Lead.id)
        .where(in_bounds(SalesCall.scheduled_at, bounds), BOOKED)
        .group_by(scheduled, SalesCall.host_id, SalesCall.setter_id, Lead.ad_campaign_id)
    )
    enrollments = (
        select(
            Enrollment.start_date.label("day"),
            Enrollment.closer_id,
            Enrollment.setter_id,
            func.count().label("enrollments"),
            money_sum(Enrollment.contract_value).label("contracted"),
        )
        .where(in_dates(Enrollment.start_date, period.start, period.end))
        .group_by(Enrollment.start_date, Enrollment.closer_id, Enrollment.setter_id)
    )
    return [
        (lead_day_facts, leads),
        (call_day_facts, calls),
        (enrollment_day_facts, enrollments),
        (cash_day_facts, cash(Payment.paid_at, Payment.amount, "received", RECEIVED)),
        (cash_day_facts, cash(Payment.refunded_at, Payment.refunded_amount, "refunds")),
        (installment_due_facts, _installments(period, paid_span, tz, dialect)),
    ]


def _installments(
    period: DateRange, paid_span: Bounds, tz: zoneinfo.ZoneInfo, dialect: str
) -> Select[Any]:
    """Installments due in the period (enrollments not cancelled) by due date, start date
    and local day of their PAID payment."""
    paid = aliased(Payment, name="paid")
    paid_day = local_date(paid.paid_at, tz, paid_span, dialect).label("paid_day")
    payment = func.coalesce(paid.amount, 0, type_=Money())
    settled = case((payment < Installment.amount, payment), else_=Installment.amount)
    return (
        select(
            Installment.due_date.label("day"),
            Enrollment.start_date,
            paid_day,
            money_sum(Installment.amount).label("amount"),
            money_sum(settled).label("settled"),
            money_sum(payment).label("paid"),
        )
        .select_from(Installment)
        .join(Enrollment, Installment.enrollment_id == Enrollment.id)
        .outerjoin(paid, paid_payment_of_installment(paid))
        .where(open_enrollment(), in_dates(Installment.due_date, period.start, period.end))
        .group_by(Installment.due_date, Enrollment.start_date, paid_day)
    )


def _cash(
    day_of: Any, bounds: Bounds, when: Any, amount: Any, column: str, *only: Any
) -> Select[Any]:
    """Payments (meeting ``only``) by the local day of ``when``: the sum of ``amount`` into
    the fact column ``column``."""
    day = day_of(when)
    return (
        select(
            day,
            Enrollment.closer_id,
            Enrollment.setter_id,
            Lead.ad_campaign_id,
            money_sum(amount).label(column),
        )
        .select_from(Payment)
        .join(Enrollment, Payment.enrollment_id == Enrollment.id)
        .join(Student, Enrollment.student_id == Student.id)
        .outerjoin(Lead, Student.lead_id == Lead.id)
        .where(in_bounds(when, bounds), *only)
        .group_by(day, Enrollment.closer_id, Enrollment.setter_id, Lead.ad_campaign_id)
    )
