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
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from portal_desktop.errors import ValidationError
from portal_desktop.models.enums import PaymentFrequency, PlanType

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_CONTRACT_VALUE = Decimal("10000000.00")
NUMERIC_MAX = Decimal("9999999999.99")  # the largest amount a NUMERIC(12,2) column holds
MAX_INSTALLMENTS = 36

E = TypeVar("E", bound=StrEnum)


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


def _shown(value: object) -> str:
    """``value`` as text short enough to quote in a message."""
    try:
        text = str(value).strip()
    except ValueError:  # an int too long to print
        return "that number"
    return text if len(text) <= 40 else f"{text[:37]}..."


def parse_money(
    value: object,
    field: str,
    *,
    allow_zero: bool = False,
    maximum: Decimal | None = MAX_CONTRACT_VALUE,
) -> Decimal:
    """An exact amount in cents from a Decimal, int or text, or a ValidationError on ``field``.

    The one parser of money typed, pasted or passed in: NaN, infinities, more than two
    decimals and anything a NUMERIC(12,2) column cannot hold (``maximum`` None still stops at
    :data:`NUMERIC_MAX`) are refused with a message; no other exception ever leaves it.
    """
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(
            field,
            f"{_shown(repr(value))} is not an exact amount; give a Decimal or text like 1234.50 "
            "(never a float)",
        )
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ValidationError(field, f"'{_shown(value)}' is not an amount like 1234.50")
    limit = NUMERIC_MAX if maximum is None else min(maximum, NUMERIC_MAX)
    # Bounds first, on the exact value: quantizing 1e400 to cents would overflow.
    if amount < 0 or (amount == 0 and not allow_zero):
        bound = "0 or more" if allow_zero else "more than 0"
        raise ValidationError(field, f"{_shown(value)} is not allowed; it must be {bound}")
    if amount > limit:
        raise ValidationError(field, f"{_shown(value)} is more than the maximum of {limit:,}")
    cents = amount.quantize(CENT)
    if amount != cents:
        raise ValidationError(
            field, f"{_shown(value)} has more than two decimals; round it to cents"
        )
    return cents.copy_abs() if cents == 0 else cents


def parse_enum(value: object, enum_cls: type[E], field: str) -> E:
    """An enum member from itself or its word, or a ValidationError listing the choices."""
    try:
        return enum_cls(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum_cls)
        raise ValidationError(field, f"'{value}' is not one of {choices}") from None


def check_date(value: object, field: str) -> dt.date:
    """A calendar date (not a datetime), or a ValidationError on ``field``."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError(field, f"{value!r} is not a date; give a date like 2024-03-31")
    return value


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
