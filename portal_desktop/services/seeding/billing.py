"""A closed deal's money: the enrollment, its installment schedule and the payments made.

The schedule is the app's own (``payment_plans.build_schedule``), so it follows the same
rules as a deal closed on screen. Payments follow ``collections``: one PAID payment per paid
installment, FAILED attempts (``paid_at`` = when tried) leave it due, a full refund (only on
a cancelled deal here) makes the payment REFUNDED and reopens the installment. Amounts are
whole cents while generating and become ``Decimal`` with two places in the rows.
"""

from __future__ import annotations

import datetime as dt
import uuid

from portal_desktop.models.enums import (
    EnrollmentStatus,
    InstallmentStatus,
    PaymentFrequency,
    PaymentMethod,
    PaymentStatus,
    PlanType,
)
from portal_desktop.services.billing.payment_plans import build_schedule
from portal_desktop.services.seeding.clock import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE
from portal_desktop.services.seeding.names import FAILURE_REASONS
from portal_desktop.services.seeding.randomness import Picker
from portal_desktop.services.seeding.tables import Row
from portal_desktop.services.seeding.tallies import Tallies
from portal_desktop.services.seeding.world import Member, ProgramInfo, World, money

GRACE_DAYS = 3  # the settings' default grace period before an unpaid installment is OVERDUE

_SPLIT_SHARE = 0.6
_CANCEL_SHARE = 0.03
_PARTIAL_REFUND_SHARE = 0.015
_GOOD, _LATE, _DEFAULTER = 0, 1, 2

_PAID = PaymentStatus.PAID.value
_FAILED = PaymentStatus.FAILED.value
_REFUNDED = PaymentStatus.REFUNDED.value
_CARD = PaymentMethod.CARD.value
_INSTALLMENT_PAID = InstallmentStatus.PAID.value
_INSTALLMENT_PENDING = InstallmentStatus.PENDING.value
_INSTALLMENT_OVERDUE = InstallmentStatus.OVERDUE.value


class Biller:
    """Turns a won call into enrollment, installment and payment rows."""

    def __init__(self, world: World, tallies: Tallies) -> None:
        self._world = world
        self._tallies = tallies
        self._counts = Picker([3, 6, 12], [30, 45, 25])
        self._frequency = Picker(
            [PaymentFrequency.MONTHLY.value, PaymentFrequency.BIWEEKLY.value], [75, 25]
        )
        self._pif_discount = Picker([0, 5, 10], [60, 25, 15])  # percent off for paying in full
        self._split_premium = Picker([0, 5, 10, 15], [40, 30, 20, 10])  # percent on top
        self._profile = Picker([_GOOD, _LATE, _DEFAULTER], [83, 10, 7])
        self._method = Picker(
            [m.value for m in PaymentMethod], [78, 10, 10, 1, 1, 0]
        )  # CARD, BANK_TRANSFER, PAYPAL, CASH, CHECK, OTHER

    def enroll(
        self,
        out: dict[str, list[Row]],
        *,
        student_id: uuid.UUID,
        program: ProgramInfo,
        closed_us: int,
        closer: Member,
        setter: Member | None,
        call_id: uuid.UUID,
    ) -> int:
        """Append the deal's rows to ``out``; return its contract value in cents."""
        world, rng = self._world, self._world.rng
        window = world.window
        split = rng.random() < _SPLIT_SHARE
        dollars = program.price_cents // 100
        if split:
            count = self._counts.pick(rng)
            frequency: str | None = self._frequency.pick(rng)
            contract = dollars * (100 + self._split_premium.pick(rng))  # cents
            down = 0
            if rng.random() < 0.5:
                down = int(contract * (0.1 + 0.2 * rng.random())) // 10_000 * 10_000
        else:
            count, frequency, down = 1, None, 0
            contract = dollars * (100 - self._pif_discount.pick(rng))
        start_day = window.day_of(closed_us)
        schedule = _plan(window.date(start_day), window.first_day, contract, down, count, frequency)

        enrollment_id = world.ids(closed_us)
        state = _Payer(
            profile=self._profile.pick(rng),
            stop_after=1 + world.below(3),
            cancel_us=self._cancellation(closed_us),
            method=self._method.pick(rng),
        )
        last_event = closed_us
        for sequence, (due_day, amount, is_down) in enumerate(schedule, start=1):
            last_event = max(
                last_event,
                self._installment(
                    out, state, enrollment_id, closed_us, sequence, due_day, amount, is_down,
                    closer,
                ),
            )  # fmt: skip

        status, ended_us = _enrollment_status(world, state, len(schedule))
        ended = None if ended_us is None else window.datetime(ended_us)
        out["enrollments"].append(
            (enrollment_id, student_id, program.id,
             (PlanType.SPLIT if split else PlanType.PIF).value, money(contract),
             window.date(start_day), status, closer.id, setter.id if setter else None, call_id,
             money(down), count, frequency, ended, window.datetime(closed_us),
             window.datetime(max(last_event, ended_us or 0)), 1)
        )  # fmt: skip
        return contract

    def _cancellation(self, closed_us: int) -> int | None:
        """When the student cancels (within a month), or None; never in the future."""
        world = self._world
        if world.rng.random() >= _CANCEL_SHARE:
            return None
        cancel_us = closed_us + (3 + world.below(28)) * US_PER_DAY + world.below(8 * US_PER_HOUR)
        return cancel_us if cancel_us < world.window.today_us else None

    def _installment(
        self,
        out: dict[str, list[Row]],
        state: _Payer,
        enrollment_id: uuid.UUID,
        closed_us: int,
        sequence: int,
        due_day: int,
        amount: int,
        is_down: bool,
        closer: Member,
    ) -> int:
        """Append one installment and its payment attempts; return its last change time."""
        world, rng = self._world, self._world.rng
        window, today_us = world.window, world.window.today_us
        installment_id = world.ids(closed_us)
        pay_us, fail_us = self._attempts(state, closed_us, sequence, due_day)
        if state.cancel_us is not None:
            if pay_us is not None and pay_us >= state.cancel_us:
                pay_us = None
            if fail_us is not None and fail_us >= state.cancel_us:
                fail_us = None
        payments = out["payments"]
        if fail_us is not None and fail_us < today_us:
            fail_at = window.datetime(fail_us)
            payments.append(
                (world.ids(fail_us), enrollment_id, installment_id, money(amount), _FAILED,
                 fail_at, _CARD, _charge_reference(world, _CARD),
                 FAILURE_REASONS[world.below(5)], money(0), None, fail_at, fail_at, 1)
            )  # fmt: skip
        else:
            fail_us = None
        last_event = max(closed_us, fail_us or 0)
        payment_status = None
        if pay_us is not None and pay_us < today_us:
            payment_status, refunded, refunded_us = _PAID, 0, None
            if state.cancel_us is not None:
                payment_status, refunded, refunded_us = _REFUNDED, amount, state.cancel_us
            elif rng.random() < _PARTIAL_REFUND_SHARE:
                refunded_us = pay_us + (2 + world.below(29)) * US_PER_DAY
                if refunded_us < today_us:
                    share = 0.1 + 0.4 * rng.random()
                    refunded = min(amount, max(1_000, int(amount * share) // 1_000 * 1_000))
                else:
                    refunded_us = None
            paid_at = window.datetime(pay_us)
            refunded_at = None if refunded_us is None else window.datetime(refunded_us)
            payments.append(
                (world.ids(pay_us), enrollment_id, installment_id, money(amount), payment_status,
                 paid_at, state.method, _charge_reference(world, state.method), None,
                 money(refunded), refunded_at, paid_at, refunded_at or paid_at, 1)
            )  # fmt: skip
            self._tallies.cash_cents[closer.index][window.day_of(pay_us)] += amount
            last_event = max(pay_us, refunded_us or 0)
        if payment_status == _PAID:
            status = _INSTALLMENT_PAID
            state.paid += 1
            state.last_paid_us = max(state.last_paid_us, pay_us or 0)
        elif state.cancel_us is not None:
            # Refunded in full (owed again) or never paid; the overdue roll then leaves a
            # cancelled deal as it was on the day it was cancelled.
            status = _due_status(due_day, window.day_of(state.cancel_us))
        else:
            status = _due_status(due_day, window.day_of(today_us))
            if status == _INSTALLMENT_OVERDUE:
                state.overdue_days.append(due_day)
                last_event = max(last_event, window.day_start_us(due_day + GRACE_DAYS + 1))
        created = window.datetime(closed_us)
        out["installments"].append(
            (installment_id, enrollment_id, sequence, window.date(due_day), money(amount), status,
             is_down, created, window.datetime(last_event), 1)
        )  # fmt: skip
        return last_event

    def _attempts(
        self, state: _Payer, closed_us: int, sequence: int, due_day: int
    ) -> tuple[int | None, int | None]:
        """When the installment is paid and when a charge failed (either may be None)."""
        world, rng = self._world, self._world.rng
        can_fail = state.method == _CARD
        if sequence == 1 and due_day == world.window.day_of(closed_us):
            # Taken on the call, right after the close.
            pay_us = closed_us + (5 + world.below(25)) * US_PER_MINUTE
            failed = can_fail and rng.random() < 0.03
            return pay_us, (closed_us + US_PER_MINUTE if failed else None)
        due_us = world.window.day_start_us(due_day) + 14 * US_PER_HOUR + world.below(US_PER_HOUR)
        if state.profile == _GOOD:
            roll = rng.random()
            if roll < 0.97:
                return due_us + world.below(2 * US_PER_HOUR), None
            if roll < 0.99 and can_fail:
                return due_us + (1 + world.below(4)) * US_PER_DAY, due_us
            return due_us + (5 + world.below(11)) * US_PER_DAY, None
        if state.profile == _LATE:
            failed = can_fail and rng.random() < 0.4
            return due_us + (3 + world.below(38)) * US_PER_DAY, (due_us if failed else None)
        if sequence <= state.stop_after:
            return due_us + world.below(2 * US_PER_HOUR), None
        return None, (due_us if can_fail else None)


class _Payer:
    """How one student pays, and what happened so far."""

    __slots__ = ("cancel_us", "last_paid_us", "method", "overdue_days", "paid", "profile",
                 "stop_after")  # fmt: skip

    def __init__(self, profile: int, stop_after: int, cancel_us: int | None, method: str) -> None:
        self.profile = profile
        self.stop_after = stop_after
        self.cancel_us = cancel_us
        self.method = method
        self.paid = 0
        self.last_paid_us = 0
        self.overdue_days: list[int] = []


def _plan(
    start: dt.date,
    first_day: dt.date,
    contract: int,
    down: int,
    count: int,
    frequency: str | None,
) -> list[tuple[int, int, bool]]:
    """The app's schedule as (due day number, cents, is down payment) per installment."""
    schedule = build_schedule(
        money(contract),
        PlanType.PIF if frequency is None else PlanType.SPLIT,
        start,
        count,
        frequency or PaymentFrequency.MONTHLY,
        money(down),
    )
    return [
        ((item.due_date - first_day).days, int(item.amount.scaleb(2)), item.is_down_payment)
        for item in schedule
    ]


def _due_status(due_day: int, today: int) -> str:
    """An unpaid installment's status on day ``today`` (``finance_common.due_status``)."""
    return _INSTALLMENT_OVERDUE if due_day + GRACE_DAYS < today else _INSTALLMENT_PENDING


def _enrollment_status(world: World, state: _Payer, installments: int) -> tuple[str, int | None]:
    if state.cancel_us is not None:
        return EnrollmentStatus.CANCELLED.value, state.cancel_us
    if state.paid == installments:
        return EnrollmentStatus.COMPLETED.value, state.last_paid_us
    if state.profile == _DEFAULTER and len(state.overdue_days) >= 2:
        second = state.overdue_days[1]
        return EnrollmentStatus.DEFAULTED.value, world.window.day_start_us(
            second + GRACE_DAYS
        ) + 16 * US_PER_HOUR
    return EnrollmentStatus.ACTIVE.value, None


def _charge_reference(world: World, method: str) -> str | None:
    """What the processor or bank calls the charge."""
    if method == _CARD:
        return f"ch_{world.rng.getrandbits(96):024x}"
    if method == PaymentMethod.PAYPAL.value:
        return f"PAYID-{world.rng.getrandbits(64):016X}"
    if method == PaymentMethod.BANK_TRANSFER.value:
        return f"TRF-{world.below(10**8):08d}"
    if method == PaymentMethod.CHECK.value:
        return f"CHK-{1000 + world.below(9000)}"
    return None
