"""Sales KPIs in SQL: leads, the call funnel and contracted revenue (see KPIS.md).

The predicates below define the KPIs on the records; ``services/reporting/rollups.py`` applies them
to
build the daily facts, and the readers here sum those facts over the range's days (the
per-member versions, for the leaderboard, grouped by host/closer and by setter).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models import SalesCall
from portal_desktop.models.enums import CallOutcome
from portal_desktop.models.rollups import call_day_facts, enrollment_day_facts, lead_day_facts
from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.reporting.fact_ranges import facts_in
from portal_desktop.services.reporting.kpi_sql import (
    Credit,
    by_member,
    int_sum,
    money_sum,
    ratio,
)

# A booked call: scheduled, and neither cancelled nor moved (pending calls count).
BOOKED: ColumnElement[bool] = or_(
    SalesCall.outcome.is_(None),
    SalesCall.outcome.not_in([CallOutcome.CANCELLED, CallOutcome.RESCHEDULED]),
)
# Of the booked calls: held = it happened (an outcome other than NO_SHOW).
HELD: ColumnElement[bool] = and_(
    SalesCall.outcome.is_not(None), SalesCall.outcome != CallOutcome.NO_SHOW
)
NO_SHOW: ColumnElement[bool] = SalesCall.outcome == CallOutcome.NO_SHOW
# An offer is always made on a call closed won or lost, whatever the flag says.
OFFER: ColumnElement[bool] = and_(
    HELD,
    or_(
        SalesCall.offer_made.is_(True),
        SalesCall.outcome.in_([CallOutcome.CLOSED_WON, CallOutcome.CLOSED_LOST]),
    ),
)
CLOSE: ColumnElement[bool] = SalesCall.outcome == CallOutcome.CLOSED_WON


@dataclass(frozen=True)
class LeadCounts:
    leads: int = 0
    paid_leads: int = 0


@dataclass(frozen=True)
class CallCounts:
    """The funnel of booked calls, with the ratios KPIS.md defines on it."""

    calls_booked: int = 0
    calls_held: int = 0
    no_shows: int = 0
    offers: int = 0
    closes: int = 0

    @property
    def show_rate(self) -> Decimal | None:
        return ratio(self.calls_held, self.calls_held + self.no_shows)

    @property
    def offer_rate(self) -> Decimal | None:
        return ratio(self.offers, self.calls_held)

    @property
    def close_rate(self) -> Decimal | None:
        return ratio(self.closes, self.calls_held)

    @property
    def offer_close_rate(self) -> Decimal | None:
        return ratio(self.closes, self.offers)


@dataclass(frozen=True)
class EnrollmentTotals:
    enrollments: int = 0
    contracted_revenue: Decimal = Decimal("0.00")

    @property
    def aov(self) -> Decimal | None:
        return ratio(self.contracted_revenue, self.enrollments)


def fact_call_columns(facts: Any) -> list[ColumnElement[Any]]:
    """The funnel summed from call facts' columns ``facts`` (``call_day_facts`` or
    :func:`facts_in`'s rows of it; booked calls only, by construction)."""
    return [
        int_sum(facts.booked).label("calls_booked"),
        int_sum(facts.held).label("calls_held"),
        int_sum(facts.no_shows).label("no_shows"),
        int_sum(facts.offers).label("offers"),
        int_sum(facts.closes).label("closes"),
    ]


def _enrollment_columns(facts: Any) -> list[ColumnElement[Any]]:
    return [
        int_sum(facts.enrollments).label("enrollments"),
        money_sum(facts.contracted).label("contracted_revenue"),
    ]


def lead_counts(session: Session, period: DateRange) -> LeadCounts:
    """``leads`` and ``paid_leads`` created in the range."""
    facts = facts_in(lead_day_facts, period.start, period.end).c
    paid = case((facts.ad_campaign_id.is_not(None), facts.leads), else_=0)
    row = session.execute(
        select(int_sum(facts.leads).label("leads"), int_sum(paid).label("paid_leads"))
    ).one()
    return LeadCounts(**row._asdict())


def call_counts(session: Session, period: DateRange) -> tuple[CallCounts, int]:
    """The call funnel of the range, and how many booked calls were with paid leads."""
    facts = facts_in(call_day_facts, period.start, period.end).c
    paid = case((facts.ad_campaign_id.is_not(None), facts.booked), else_=0)
    row = session.execute(select(*fact_call_columns(facts), int_sum(paid).label("paid"))).one()
    values = row._asdict()
    paid_calls = values.pop("paid")
    return CallCounts(**values), paid_calls


def enrollment_totals(session: Session, start: dt.date, end: dt.date) -> EnrollmentTotals:
    """Enrollments starting in the range (any status) and their contract values."""
    facts = facts_in(enrollment_day_facts, start, end).c
    row = session.execute(select(*_enrollment_columns(facts))).one()
    return EnrollmentTotals(**row._asdict())


def calls_by_member(
    session: Session, period: DateRange
) -> dict[tuple[uuid.UUID, Credit], CallCounts]:
    """The call funnel per member: as host (closer) and as setter."""
    rows_in = facts_in(call_day_facts, period.start, period.end)
    facts = rows_in.c

    def build(query: Select[Any]) -> Select[Any]:
        return query.select_from(rows_in)

    rows = session.execute(
        by_member(fact_call_columns(facts), facts.host_id, facts.setter_id, build)
    ).mappings()
    return {(row["member_id"], Credit(row["credit"])): _counts(row) for row in rows}


def enrollments_by_member(
    session: Session, start: dt.date, end: dt.date
) -> dict[tuple[uuid.UUID, Credit], EnrollmentTotals]:
    """Enrollments starting in the range per member: as closer and as setter."""
    rows_in = facts_in(enrollment_day_facts, start, end)
    facts = rows_in.c

    def build(query: Select[Any]) -> Select[Any]:
        return query.select_from(rows_in)

    rows = session.execute(
        by_member(_enrollment_columns(facts), facts.closer_id, facts.setter_id, build)
    ).mappings()
    return {
        (row["member_id"], Credit(row["credit"])): EnrollmentTotals(
            row["enrollments"], row["contracted_revenue"]
        )
        for row in rows
    }


def _counts(row: Any) -> CallCounts:
    return CallCounts(
        row["calls_booked"], row["calls_held"], row["no_shows"], row["offers"], row["closes"]
    )
