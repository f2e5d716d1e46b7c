"""Commissions: earned on cash actually collected in a period, clawed back by refunds.

For each member and each capacity (closer of the enrollment, setter of the enrollment):

* cash credited = payments received in the period (PAID, or REFUNDED: received first) on
  the enrollments they closed / set — the same cash as KPIS.md's ``cash_collected``;
* clawback base = refunds made in the period on those enrollments, whenever the payment was;
* rate = the member's own ``commission_rate`` when set (for both capacities), else the
  installation's default for the capacity (``closer_commission_rate`` /
  ``setter_commission_rate``);
* earned = received * rate and clawback = refunds * rate, each rounded half-up to the cent;
  commission = earned - clawback (negative when refunds outweigh new cash: owed back).

The figures come from one SQL query (payments grouped per closer and per setter); Python
only multiplies the per-member totals by the rates.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models import TeamMember
from portal_desktop.models.enums import TeamRole
from portal_desktop.models.types import CENT
from portal_desktop.services.accounts.settings import Settings, load_settings
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.date_ranges import make_range
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.reporting.kpi_money import Cash, cash_by_member
from portal_desktop.services.reporting.kpi_sql import ZERO, Credit, money_text
from portal_desktop.services.reporting.rollups import fresh_snapshot


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CommissionLine:
    """One member's commission in one capacity."""

    credit: Credit
    cash: Cash
    rate: Decimal
    rate_is_override: bool

    @property
    def earned(self) -> Decimal:
        return _cents(self.cash.received * self.rate)

    @property
    def clawback(self) -> Decimal:
        return _cents(self.cash.refunds * self.rate)

    @property
    def commission(self) -> Decimal:
        return self.earned - self.clawback

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "cash_received": money_text(self.cash.received),
            "refunds": money_text(self.cash.refunds),
            "net_cash": money_text(self.cash.net),
            "rate": str(self.rate),
            "rate_source": "member" if self.rate_is_override else "default",
            "earned": money_text(self.earned),
            "clawback": money_text(self.clawback),
            "commission": money_text(self.commission),
        }


@dataclass(frozen=True)
class MemberCommission:
    member_id: uuid.UUID
    name: str
    role: TeamRole
    as_closer: CommissionLine
    as_setter: CommissionLine

    @property
    def commission(self) -> Decimal:
        return self.as_closer.commission + self.as_setter.commission

    @property
    def lines(self) -> tuple[CommissionLine, CommissionLine]:
        return self.as_closer, self.as_setter


@dataclass(frozen=True)
class CommissionReport:
    start: dt.date
    end: dt.date
    currency: str
    closer_rate: Decimal
    setter_rate: Decimal
    members: list[MemberCommission]

    def _sum(self, pick: Any) -> Decimal:
        return sum((pick(line) for row in self.members for line in row.lines), ZERO)

    @property
    def earned(self) -> Decimal:
        return self._sum(lambda line: line.earned)

    @property
    def clawback(self) -> Decimal:
        return self._sum(lambda line: line.clawback)

    @property
    def commission(self) -> Decimal:
        return self._sum(lambda line: line.commission)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "currency": self.currency,
            "default_rates": {"closer": str(self.closer_rate), "setter": str(self.setter_rate)},
            "members": [
                {
                    "member_id": str(row.member_id),
                    "name": row.name,
                    "role": row.role.value,
                    "as_closer": row.as_closer.to_json_dict(),
                    "as_setter": row.as_setter.to_json_dict(),
                    "commission": money_text(row.commission),
                }
                for row in self.members
            ],
            "totals": {
                "earned": money_text(self.earned),
                "clawback": money_text(self.clawback),
                "commission": money_text(self.commission),
            },
        }


def default_rate(settings: Settings, credit: Credit) -> Decimal:
    if credit is Credit.CLOSER:
        return settings.closer_commission_rate
    return settings.setter_commission_rate


def _visible_member(actor: Actor) -> uuid.UUID | None:
    """None: every member; else the only member whose commission the actor may see."""
    actor.require(Permission.VIEW_FINANCE)
    if actor.can(Permission.MANAGE_TEAM):
        return None
    if actor.team_member_id is None:
        raise PermissionDeniedError(
            f"{actor.username} is not linked to a team member, so has no commission to see; "
            "ask an administrator"
        )
    return actor.team_member_id


@use_case
def commission_report(
    session: Session, actor: Actor, start: dt.date, end: dt.date
) -> CommissionReport:
    """Per member: cash credited as closer and as setter, rates, commission and clawback.

    ADMIN sees everyone; SALES see their own line only. Members listed: the active ones and
    anyone with cash or refunds credited in the period; the highest commission first.
    """
    only = _visible_member(actor)
    period = make_range(start, end)
    fresh_snapshot(session)
    settings = load_settings(session)
    cash = cash_by_member(session, period)
    query = select(TeamMember)
    if only is not None:
        query = query.where(TeamMember.id == only)

    def line(member: TeamMember, credit: Credit) -> CommissionLine:
        override = member.commission_rate
        rate = override if override is not None else default_rate(settings, credit)
        return CommissionLine(
            credit, cash.get((member.id, credit), Cash()), rate, override is not None
        )

    rows = [
        MemberCommission(
            member.id,
            member.name,
            member.role,
            line(member, Credit.CLOSER),
            line(member, Credit.SETTER),
        )
        for member in session.scalars(query)
        if member.active or (member.id, Credit.CLOSER) in cash or (member.id, Credit.SETTER) in cash
    ]
    rows.sort(key=lambda row: (-row.commission, row.name.lower()))
    return CommissionReport(
        start,
        end,
        settings.currency,
        settings.closer_commission_rate,
        settings.setter_commission_rate,
        rows,
    )
