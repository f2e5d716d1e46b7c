"""Payment plans as pure functions: build a schedule, preview a change of the remaining plan.

No database here. A schedule always sums to the contract value to the cent:

* PIF: one installment of the whole value, due on the start date (or ``first_due_date``).
* SPLIT: an optional down payment due on the start date, then ``installments`` equal amounts
  at a frequency. The first regular installment is due on the start date when there is no
  down payment, one period later when there is one, or on ``first_due_date`` when given.
  Leftover cents go one each on the last installments, so the last one always carries the
  remainder and no two regular installments differ by more than one cent.
* Monthly dates keep the anchor day and clamp it to the month's end (a plan anchored on
  Jan 31 is due Feb 28/29, then Mar 31, Apr 30 ...): they never drift.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal_desktop.errors import ValidationError
from portal_desktop.models.enums import PaymentFrequency, PlanType
from portal_desktop.services.common.fields import check_date, parse_enum
from portal_desktop.services.common.money import CENT, ZERO, parse_money

MAX_INSTALLMENTS = 36


@dataclass(frozen=True)
class ScheduledInstallment:
    """One line of a schedule: what is due when."""

    sequence: int
    due_date: dt.date
    amount: Decimal
    is_down_payment: bool = False


@dataclass(frozen=True)
class PlanChange:
    """A new plan for the unpaid part of an enrollment, before it is saved."""

    kept: tuple[ScheduledInstallment, ...]  # paid: stay as they are
    replaced: tuple[ScheduledInstallment, ...]  # unpaid: removed
    new: tuple[ScheduledInstallment, ...]  # replace them, same total

    @property
    def remaining(self) -> Decimal:
        return sum((item.amount for item in self.new), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.kept), ZERO) + self.remaining


# --- validation of plain values -------------------------------------------------------------


def check_installment_count(value: object, field: str = "installments") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"{value!r} is not a whole number of installments")
    if not 1 <= value <= MAX_INSTALLMENTS:
        raise ValidationError(field, f"{value} is not allowed; choose 1 to {MAX_INSTALLMENTS}")
    return value


# --- dates and amounts ----------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, its day clamped to the month's end (Jan 31 + 1 = Feb 28)."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    month = month_index + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def nth_due_date(anchor: dt.date, frequency: PaymentFrequency, periods: int) -> dt.date:
    """The date ``periods`` periods after ``anchor`` (always computed from the anchor)."""
    if frequency is PaymentFrequency.WEEKLY:
        return anchor + dt.timedelta(weeks=periods)
    if frequency is PaymentFrequency.BIWEEKLY:
        return anchor + dt.timedelta(weeks=2 * periods)
    return add_months(anchor, periods)


def split_evenly(total: Decimal, count: int) -> list[Decimal]:
    """``count`` amounts summing to ``total``: equal cents, the leftover cents on the last ones."""
    cents = int(total / CENT)
    base, leftover = divmod(cents, count)
    return [
        (Decimal(base + (1 if index >= count - leftover else 0)) * CENT).quantize(CENT)
        for index in range(count)
    ]


def _regular_installments(
    total: Decimal,
    count: int,
    frequency: PaymentFrequency,
    anchor: dt.date,
    first_period: int,
    first_sequence: int,
) -> list[ScheduledInstallment]:
    cents = int(total / CENT)
    if count > cents:
        most = f"choose at most {cents}" if cents > 1 else "choose 1"
        raise ValidationError(
            "installments",
            f"{total:,} cannot be split into {count} installments of at least 0.01 each; "
            f"{most} installment{'s' if cents > 1 else ''}",
        )
    return [
        ScheduledInstallment(
            sequence=first_sequence + index,
            due_date=nth_due_date(anchor, frequency, first_period + index),
            amount=amount,
        )
        for index, amount in enumerate(split_evenly(total, count))
    ]


# --- the public functions -------------------------------------------------------------------


def build_schedule(
    contract_value: Decimal | int | str,
    plan_type: PlanType | str,
    start_date: dt.date,
    installments: int = 1,
    frequency: PaymentFrequency | str = PaymentFrequency.MONTHLY,
    down_payment: Decimal | int | str = ZERO,
    first_due_date: dt.date | None = None,
) -> list[ScheduledInstallment]:
    """The installments of a new plan, in order; see the module's docstring for the rules."""
    value = parse_money(contract_value, "contract_value")
    plan = parse_enum(plan_type, PlanType, "plan_type")
    start = check_date(start_date, "start_date")
    count = check_installment_count(installments)
    every = parse_enum(frequency, PaymentFrequency, "frequency")
    down = parse_money(down_payment, "down_payment", allow_zero=True, maximum=None)
    if first_due_date is not None and check_date(first_due_date, "first_due_date") < start:
        raise ValidationError(
            "first_due_date",
            f"{first_due_date.isoformat()} is before the start date {start.isoformat()}",
        )
    if plan is PlanType.PIF:
        if count != 1:
            raise ValidationError(
                "installments", f"a PIF plan has exactly one installment, not {count}; choose SPLIT"
            )
        if down:
            raise ValidationError(
                "down_payment", "a PIF plan has no down payment; choose SPLIT for one"
            )
        return [ScheduledInstallment(1, first_due_date or start, value)]
    if down >= value:
        raise ValidationError(
            "down_payment",
            f"{down:,} must be less than the contract value {value:,}; "
            "for a single payment choose PIF",
        )
    schedule: list[ScheduledInstallment] = []
    if down:
        schedule.append(ScheduledInstallment(1, start, down, is_down_payment=True))
    anchor = first_due_date or start
    first_period = 1 if down and first_due_date is None else 0
    schedule += _regular_installments(
        value - down, count, every, anchor, first_period, len(schedule) + 1
    )
    return schedule


def preview_plan_change(
    paid: Sequence[ScheduledInstallment],
    unpaid: Sequence[ScheduledInstallment],
    installments: int,
    frequency: PaymentFrequency | str,
    first_due_date: dt.date,
) -> PlanChange:
    """Spread what is still unpaid over a new plan; paid installments stay as they are.

    The total and the paid part do not change. New installments are numbered after the
    highest kept sequence.
    """
    count = check_installment_count(installments)
    every = parse_enum(frequency, PaymentFrequency, "frequency")
    anchor = check_date(first_due_date, "first_due_date")
    remaining = sum((item.amount for item in unpaid), ZERO)
    if remaining <= 0:
        raise ValidationError(
            "installments", "nothing is left to pay on this plan; there is nothing to change"
        )
    first_sequence = max((item.sequence for item in paid), default=0) + 1
    new = _regular_installments(remaining, count, every, anchor, 0, first_sequence)
    return PlanChange(kept=tuple(paid), replaced=tuple(unpaid), new=tuple(new))
