"""Per-member figures in SQL: the leaderboard of KPIS.md, and each member's reported numbers
(daily metrics) beside what the records credit to them, day by day."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, func, literal_column, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal_desktop.models import DailyMetric, Enrollment, Payment, SalesCall, TeamMember
from portal_desktop.models.enums import TeamRole
from portal_desktop.models.types import Money
from portal_desktop.services.common.date_ranges import DateRange, local_date
from portal_desktop.services.reporting.kpi_money import RECEIVED, Cash, cash_by_member
from portal_desktop.services.reporting.kpi_sales import (
    CLOSE,
    CallCounts,
    EnrollmentTotals,
    calls_by_member,
    enrollments_by_member,
)
from portal_desktop.services.reporting.kpi_sql import (
    ZERO,
    Credit,
    in_bounds,
    in_dates,
    money_text,
    ratio_number,
)


@dataclass(frozen=True)
class Credited:
    """What one member is credited with in one capacity (closer or setter)."""

    calls: CallCounts = field(default_factory=CallCounts)
    enrolled: EnrollmentTotals = field(default_factory=EnrollmentTotals)
    cash: Cash = field(default_factory=Cash)

    @property
    def contracted_revenue(self) -> Decimal:
        return self.enrolled.contracted_revenue

    @property
    def cash_collected(self) -> Decimal:
        return self.cash.net

    @property
    def is_empty(self) -> bool:
        return self == Credited()

    def to_json_dict(self) -> dict[str, Any]:
        """The leaderboard keys of KPIS.md, written as its JSON writes them."""
        calls = self.calls
        return {
            "calls_booked": calls.calls_booked,
            "calls_held": calls.calls_held,
            "show_rate": ratio_number(calls.show_rate),
            "offers": calls.offers,
            "closes": calls.closes,
            "close_rate": ratio_number(calls.close_rate),
            "contracted_revenue": money_text(self.contracted_revenue),
            "cash_collected": money_text(self.cash_collected),
        }


@dataclass(frozen=True)
class LeaderboardRow:
    """One team member's figures over a range, as closer (host) and as setter."""

    member_id: uuid.UUID
    name: str
    role: TeamRole
    active: bool
    as_closer: Credited
    as_setter: Credited

    @property
    def cash_collected(self) -> Decimal:
        return self.as_closer.cash_collected + self.as_setter.cash_collected

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "member_id": str(self.member_id),
            "name": self.name,
            "role": self.role.value,
            "active": self.active,
            "as_closer": self.as_closer.to_json_dict(),
            "as_setter": self.as_setter.to_json_dict(),
        }


def leaderboard_rows(session: Session, period: DateRange) -> list[LeaderboardRow]:
    """Active members, and inactive ones with figures in the range; most cash first.

    Three grouped queries over the daily facts (calls, enrollments, cash), each one UNION ALL
    of the closer and the setter grouping, plus the team list.
    """
    calls = calls_by_member(session, period)
    enrolled = enrollments_by_member(session, period.start, period.end)
    cash = cash_by_member(session, period)

    def credited(member_id: uuid.UUID, credit: Credit) -> Credited:
        key = (member_id, credit)
        return Credited(
            calls.get(key, CallCounts()),
            enrolled.get(key, EnrollmentTotals()),
            cash.get(key, Cash()),
        )

    members = session.execute(
        select(TeamMember.id, TeamMember.name, TeamMember.role, TeamMember.active)
    ).all()
    rows = [
        LeaderboardRow(
            member.id,
            member.name,
            member.role,
            member.active,
            credited(member.id, Credit.CLOSER),
            credited(member.id, Credit.SETTER),
        )
        for member in members
    ]
    shown = [
        row for row in rows if row.active or not (row.as_closer.is_empty and row.as_setter.is_empty)
    ]
    return sorted(
        shown,
        key=lambda row: (
            -row.cash_collected,
            -(row.as_closer.calls.closes + row.as_setter.calls.closes),
            row.name.lower(),
        ),
    )


@dataclass(frozen=True)
class DayCheck:
    """One member's day: the numbers they reported beside those the records credit to them.

    ``reported_*`` are None when no daily metric was entered for the day. Recorded closes are
    their CLOSED_WON calls as host scheduled that local day; recorded cash is the payments
    received that local day (PAID, or later REFUNDED) on enrollments they closed.
    """

    member_id: uuid.UUID
    member_name: str
    day: dt.date
    reported_closes: int | None
    reported_cash: Decimal | None
    recorded_closes: int
    recorded_cash: Decimal

    @property
    def reported(self) -> bool:
        return self.reported_closes is not None

    @property
    def differs(self) -> bool:
        return self.explanation != ""

    @property
    def explanation(self) -> str:
        """Empty when reported and recorded agree; else what differs, in words."""
        if not self.reported:
            return (
                f"no numbers reported, but the records show {_closes(self.recorded_closes)} "
                f"and {self.recorded_cash:,.2f} cash"
            )
        problems = []
        if self.reported_closes != self.recorded_closes:
            problems.append(
                f"reported {_closes(self.reported_closes or 0)}, the records show "
                f"{_closes(self.recorded_closes)}"
            )
        if self.reported_cash != self.recorded_cash:
            gap = (self.reported_cash or ZERO) - self.recorded_cash
            side = "more" if gap > 0 else "less"
            problems.append(
                f"reported {self.reported_cash or ZERO:,.2f} cash, the records show "
                f"{self.recorded_cash:,.2f} ({abs(gap):,.2f} {side} reported than recorded)"
            )
        return "; ".join(problems)


def _zeros(*zeros: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """The report columns (reports, reported closes, reported cash) of a records row."""
    names = ("reports", "reported_closes", "reported_cash")
    return [zero.label(name) for zero, name in zip(zeros, names, strict=True)]


def _closes(count: int) -> str:
    return f"{count} close" if count == 1 else f"{count} closes"


def day_checks(
    session: Session,
    period: DateRange,
    tz: zoneinfo.ZoneInfo,
    member_id: uuid.UUID | None = None,
) -> list[DayCheck]:
    """Every (member, local day) of the range with a report or a recorded close or cash.

    One query: the reports, the closes grouped by host and local day, and the cash grouped by
    closer and local day, stacked with UNION ALL and summed per member and day.
    """
    bounds = period.utc_bounds(tz)
    dialect = session.get_bind().dialect.name
    zero_int = literal_column("0", Integer())
    zero_money = literal_column("0", Money())

    reports = select(
        DailyMetric.team_member_id.label("member_id"),
        DailyMetric.date.label("day"),
        literal_column("1", Integer()).label("reports"),
        DailyMetric.closes.label("reported_closes"),
        DailyMetric.cash.label("reported_cash"),
        zero_int.label("recorded_closes"),
        zero_money.label("recorded_cash"),
    ).where(in_dates(DailyMetric.date, period.start, period.end))
    call_day = local_date(SalesCall.scheduled_at, tz, bounds, dialect).label("day")
    closes = (
        select(
            SalesCall.host_id.label("member_id"),
            call_day,
            *_zeros(zero_int, zero_int, zero_money),
            func.count().label("recorded_closes"),
            zero_money.label("recorded_cash"),
        )
        .where(CLOSE, in_bounds(SalesCall.scheduled_at, bounds))
        .group_by(SalesCall.host_id, call_day)
    )
    pay_day = local_date(Payment.paid_at, tz, bounds, dialect).label("day")
    cash = (
        select(
            Enrollment.closer_id.label("member_id"),
            pay_day,
            *_zeros(zero_int, zero_int, zero_money),
            zero_int.label("recorded_closes"),
            func.sum(Payment.amount).label("recorded_cash"),
        )
        .select_from(Payment)
        .join(Enrollment, Payment.enrollment_id == Enrollment.id)
        .where(RECEIVED, in_bounds(Payment.paid_at, bounds), Enrollment.closer_id.is_not(None))
        .group_by(Enrollment.closer_id, pay_day)
    )
    if member_id is not None:
        reports = reports.where(DailyMetric.team_member_id == member_id)
        closes = closes.where(SalesCall.host_id == member_id)
        cash = cash.where(Enrollment.closer_id == member_id)
    stacked = union_all(reports, closes, cash).subquery("stacked")
    query = (
        select(
            stacked.c.member_id,
            TeamMember.name,
            stacked.c.day,
            func.sum(stacked.c.reports).label("reports"),
            func.sum(stacked.c.reported_closes).label("reported_closes"),
            func.sum(stacked.c.reported_cash).label("reported_cash"),
            func.sum(stacked.c.recorded_closes).label("recorded_closes"),
            func.sum(stacked.c.recorded_cash).label("recorded_cash"),
        )
        .join(TeamMember, TeamMember.id == stacked.c.member_id)
        .group_by(stacked.c.member_id, TeamMember.name, stacked.c.day)
        .order_by(stacked.c.day, TeamMember.name)
    )
    return [
        DayCheck(
            member_id=row.member_id,
            member_name=row.name,
            day=row.day,
            reported_closes=row.reported_closes if row.reports else None,
            reported_cash=row.reported_cash if row.reports else None,
            recorded_closes=row.recorded_closes,
            recorded_cash=row.recorded_cash,
        )
        for row in session.execute(query)
    ]
