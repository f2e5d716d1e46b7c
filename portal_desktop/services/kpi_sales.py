"""Sales KPIs in SQL: leads, the call funnel and contracted revenue (see KPIS.md).

One query per table, conditional aggregates for the individual KPIs; the per-member versions
(leaderboard) reuse the same aggregate columns grouped by host/closer and by setter.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models import Enrollment, Lead, SalesCall
from portal_desktop.models.enums import CallOutcome
from portal_desktop.services.kpi_sql import (
    Bounds,
    Credit,
    by_member,
    count_if,
    in_bounds,
    in_dates,
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


def _call_columns() -> list[ColumnElement[Any]]:
    return [
        func.count().label("calls_booked"),
        count_if(HELD).label("calls_held"),
        count_if(NO_SHOW).label("no_shows"),
        count_if(OFFER).label("offers"),
        count_if(CLOSE).label("closes"),
    ]


def _enrollment_columns() -> list[ColumnElement[Any]]:
    return [
        func.count().label("enrollments"),
        money_sum(Enrollment.contract_value).label("contracted_revenue"),
    ]


def lead_counts(session: Session, bounds: Bounds) -> LeadCounts:
    """``leads`` and ``paid_leads`` created in the range."""
    row = session.execute(
        select(
            func.count().label("leads"),
            count_if(Lead.ad_campaign_id.is_not(None)).label("paid_leads"),
        ).where(in_bounds(Lead.created_at, bounds))
    ).one()
    return LeadCounts(**row._asdict())


def call_counts(session: Session, bounds: Bounds) -> tuple[CallCounts, int]:
    """The call funnel of the range, and how many booked calls were with paid leads."""
    row = session.execute(
        select(*_call_columns(), count_if(Lead.ad_campaign_id.is_not(None)).label("paid"))
        .select_from(SalesCall)
        .outerjoin(Lead, SalesCall.lead_id == Lead.id)
        .where(in_bounds(SalesCall.scheduled_at, bounds), BOOKED)
    ).one()
    values = row._asdict()
    paid = values.pop("paid")
    return CallCounts(**values), paid


def enrollment_totals(session: Session, start: dt.date, end: dt.date) -> EnrollmentTotals:
    """Enrollments starting in the range (any status) and their contract values."""
    row = session.execute(
        select(*_enrollment_columns()).where(in_dates(Enrollment.start_date, start, end))
    ).one()
    return EnrollmentTotals(**row._asdict())


def calls_by_member(session: Session, bounds: Bounds) -> dict[tuple[uuid.UUID, Credit], CallCounts]:
    """The call funnel per member: as host (closer) and as setter."""

    def build(query: Select[Any]) -> Select[Any]:
        return query.select_from(SalesCall).where(in_bounds(SalesCall.scheduled_at, bounds), BOOKED)

    rows = session.execute(
        by_member(_call_columns(), SalesCall.host_id, SalesCall.setter_id, build)
    ).mappings()
    return {(row["member_id"], Credit(row["credit"])): _counts(row) for row in rows}


def enrollments_by_member(
    session: Session, start: dt.date, end: dt.date
) -> dict[tuple[uuid.UUID, Credit], EnrollmentTotals]:
    """Enrollments starting in the range per member: as closer and as setter."""

    def build(query: Select[Any]) -> Select[Any]:
        return query.select_from(Enrollment).where(in_dates(Enrollment.start_date, start, end))

    rows = session.execute(
        by_member(_enrollment_columns(), Enrollment.closer_id, Enrollment.setter_id, build)
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
