"""Payment plans: exact schedules (examples and hypothesis properties), dates, bad input."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal_desktop.errors import ValidationError
from portal_desktop.models import Enrollment, Installment
from portal_desktop.models.enums import PaymentFrequency, PlanType
from portal_desktop.services.billing.payment_plans import (
    ScheduledInstallment,
    add_months,
    build_schedule,
    preview_plan_change,
    split_evenly,
)
from tests.services.factories import make_program, make_student

D = Decimal
MONTHLY, WEEKLY, BIWEEKLY = (
    PaymentFrequency.MONTHLY,
    PaymentFrequency.WEEKLY,
    PaymentFrequency.BIWEEKLY,
)


def amounts(schedule: list[ScheduledInstallment]) -> list[str]:
    return [str(item.amount) for item in schedule]


def dates(schedule: list[ScheduledInstallment]) -> list[str]:
    return [item.due_date.isoformat() for item in schedule]


# --- examples -------------------------------------------------------------------------------


def test_pif_is_one_installment_due_on_the_start_date() -> None:
    schedule = build_schedule(D("4997.00"), PlanType.PIF, dt.date(2024, 3, 15))
    assert schedule == [ScheduledInstallment(1, dt.date(2024, 3, 15), D("4997.00"))]
    later = build_schedule("100", "PIF", dt.date(2024, 3, 15), first_due_date=dt.date(2024, 4, 1))
    assert dates(later) == ["2024-04-01"] and amounts(later) == ["100.00"]


def test_split_puts_the_leftover_cent_on_the_last_installment() -> None:
    schedule = build_schedule(D("1000.00"), PlanType.SPLIT, dt.date(2024, 1, 10), 3)
    assert amounts(schedule) == ["333.33", "333.33", "333.34"]
    assert dates(schedule) == ["2024-01-10", "2024-02-10", "2024-03-10"]
    assert [item.sequence for item in schedule] == [1, 2, 3]


def test_several_leftover_cents_go_one_each_on_the_last_installments() -> None:
    # 10 cents in 4: 2 each leaves 2 cents, on the last two; never 2,2,2,4.
    assert [str(a) for a in split_evenly(D("0.10"), 4)] == ["0.02", "0.02", "0.03", "0.03"]
    assert [str(a) for a in split_evenly(D("100.00"), 7)] == [
        "14.28",
        "14.28",
        "14.28",
        "14.29",
        "14.29",
        "14.29",
        "14.29",
    ]


def test_down_payment_on_start_then_monthly_anchored_on_the_31st() -> None:
    schedule = build_schedule(D("5000.00"), "SPLIT", dt.date(2024, 1, 31), 4, MONTHLY, "1000")
    assert dates(schedule) == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]
    assert amounts(schedule) == ["1000.00", "1000.00", "1000.00", "1000.00", "1000.00"]
    assert [item.is_down_payment for item in schedule] == [True, False, False, False, False]


def test_a_plan_started_on_jan_31_is_due_feb_28_in_a_common_year() -> None:
    schedule = build_schedule(D("300.00"), PlanType.SPLIT, dt.date(2023, 1, 31), 3)
    assert dates(schedule) == ["2023-01-31", "2023-02-28", "2023-03-31"]


def test_monthly_dates_cross_the_year_end() -> None:
    schedule = build_schedule(D("400"), PlanType.SPLIT, dt.date(2024, 11, 30), 4)
    assert dates(schedule) == ["2024-11-30", "2024-12-30", "2025-01-30", "2025-02-28"]


def test_weekly_and_biweekly_dates() -> None:
    weekly = build_schedule(D("90"), PlanType.SPLIT, dt.date(2024, 2, 26), 3, WEEKLY)
    assert dates(weekly) == ["2024-02-26", "2024-03-04", "2024-03-11"]
    biweekly = build_schedule(D("90"), PlanType.SPLIT, dt.date(2024, 2, 26), 3, BIWEEKLY, "30")
    assert dates(biweekly) == ["2024-02-26", "2024-03-11", "2024-03-25", "2024-04-08"]
    assert amounts(biweekly) == ["30.00", "20.00", "20.00", "20.00"]


def test_first_due_date_moves_the_regular_installments_not_the_down_payment() -> None:
    schedule = build_schedule(
        D("1000"), PlanType.SPLIT, dt.date(2024, 5, 2), 2, MONTHLY, D("100"), dt.date(2024, 5, 31)
    )
    assert dates(schedule) == ["2024-05-02", "2024-05-31", "2024-06-30"]
    assert amounts(schedule) == ["100.00", "450.00", "450.00"]


def test_add_months_clamps_and_never_drifts() -> None:
    anchor = dt.date(2024, 1, 31)
    assert [add_months(anchor, n).isoformat() for n in range(5)] == [
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
        "2024-04-30",
        "2024-05-31",
    ]
    assert add_months(dt.date(2023, 12, 15), 1) == dt.date(2024, 1, 15)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"contract_value": 100.0}, "contract_value", "float"),
        ({"contract_value": D("100.001")}, "contract_value", "more than two decimals"),
        ({"contract_value": "12,50"}, "contract_value", "not an amount"),
        ({"contract_value": "NaN"}, "contract_value", "not an amount"),
        ({"contract_value": 0}, "contract_value", "more than 0"),
        ({"contract_value": D("-5")}, "contract_value", "more than 0"),
        ({"contract_value": D("10000000.01")}, "contract_value", "maximum"),
        ({"contract_value": True}, "contract_value", "not an exact amount"),
        ({"plan_type": "LAYAWAY"}, "plan_type", "not one of PIF, SPLIT"),
        ({"installments": 0}, "installments", "1 to 36"),
        ({"installments": 37}, "installments", "1 to 36"),
        ({"installments": "3"}, "installments", "not a whole number"),
        ({"frequency": "DAILY"}, "frequency", "not one of WEEKLY"),
        ({"start_date": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}, "start_date", "not a date"),
        ({"start_date": "2024-01-01"}, "start_date", "not a date"),
        ({"down_payment": D("1000")}, "down_payment", "less than the contract value"),
        ({"down_payment": D("-1")}, "down_payment", "0 or more"),
        ({"first_due_date": dt.date(2023, 12, 31)}, "first_due_date", "before the start date"),
        ({"plan_type": "PIF", "installments": 2}, "installments", "exactly one installment"),
        (
            {"plan_type": "PIF", "installments": 1, "down_payment": D("10")},
            "down_payment",
            "no down",
        ),
    ],
)
def test_bad_terms_name_the_field_and_the_problem(kwargs, field, words) -> None:
    terms = {
        "contract_value": D("1000"),
        "plan_type": PlanType.SPLIT,
        "start_date": dt.date(2024, 1, 1),
        "installments": 3,
    } | kwargs
    with pytest.raises(ValidationError) as caught:
        build_schedule(**terms)
    assert caught.value.field == field
    assert words in caught.value.problem


def test_preview_plan_change_keeps_the_paid_part_and_the_total() -> None:
    start = dt.date(2024, 1, 15)
    schedule = build_schedule(D("1000.00"), PlanType.SPLIT, start, 4, MONTHLY, D("100.00"))
    paid, unpaid = schedule[:2], schedule[2:]  # 100 + 225 paid; 675 left
    change = preview_plan_change(paid, unpaid, 4, WEEKLY, dt.date(2024, 6, 3))
    assert change.kept == tuple(paid) and change.replaced == tuple(unpaid)
    assert amounts(list(change.new)) == ["168.75", "168.75", "168.75", "168.75"]
    assert dates(list(change.new)) == ["2024-06-03", "2024-06-10", "2024-06-17", "2024-06-24"]
    assert [item.sequence for item in change.new] == [3, 4, 5, 6]
    assert change.remaining == D("675.00") and change.total == D("1000.00")
    with pytest.raises(ValidationError) as caught:
        preview_plan_change(schedule, [], 2, MONTHLY, dt.date(2024, 6, 3))
    assert caught.value.field == "installments" and "nothing is left" in caught.value.problem


def test_a_plan_change_under_a_cent_each_is_refused() -> None:
    start = dt.date(2024, 1, 15)
    schedule = build_schedule(D("1000.00"), PlanType.SPLIT, start, 4, MONTHLY, D("999.95"))
    with pytest.raises(ValidationError) as caught:
        preview_plan_change(schedule[:1], schedule[1:], 10, MONTHLY, dt.date(2024, 6, 3))
    assert caught.value.problem == (
        "0.05 cannot be split into 10 installments of at least 0.01 each; "
        "choose at most 5 installments"
    )


# --- properties -----------------------------------------------------------------------------

CENTS = st.integers(min_value=1, max_value=1_000_000_000)  # $0.01 … $10,000,000.00
COUNTS = st.integers(min_value=1, max_value=36)
DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))


@st.composite
def split_terms(draw: st.DrawFn) -> dict:
    cents = draw(CENTS)
    with_down = draw(st.booleans()) and cents > 1
    return {
        "contract_value": D(cents) / 100,
        "plan_type": PlanType.SPLIT,
        "start_date": draw(DAYS),
        "installments": draw(COUNTS),
        "frequency": draw(st.sampled_from(list(PaymentFrequency))),
        "down_payment": D(draw(st.integers(1, cents - 1))) / 100 if with_down else D(0),
    }


@given(split_terms())
@example(
    {
        "contract_value": D("0.01"),
        "plan_type": PlanType.SPLIT,
        "start_date": dt.date(2024, 1, 31),
        "installments": 36,
        "frequency": MONTHLY,
        "down_payment": D(0),
    }
)
@example(
    {
        "contract_value": D("10000000.00"),
        "plan_type": PlanType.SPLIT,
        "start_date": dt.date(2024, 1, 31),
        "installments": 36,
        "frequency": MONTHLY,
        "down_payment": D("9999999.99"),
    }
)
@example(  # $100.00 with $99.99 down over 36: one cent left for 36 installments
    {
        "contract_value": D("100.00"),
        "plan_type": PlanType.SPLIT,
        "start_date": dt.date(2024, 1, 31),
        "installments": 36,
        "frequency": MONTHLY,
        "down_payment": D("99.99"),
    }
)
def test_any_split_sums_exactly_and_is_even_to_the_cent(terms: dict) -> None:
    left = int((terms["contract_value"] - terms["down_payment"]) * 100)  # cents to spread
    if terms["installments"] > left:
        # Under a cent each: refused, naming the largest count that works — which does.
        with pytest.raises(ValidationError) as caught:
            build_schedule(**terms)
        assert caught.value.field == "installments"
        most = f"choose at most {left} installments" if left > 1 else "choose 1 installment"
        assert caught.value.problem.endswith(most)
        assert len(build_schedule(**(terms | {"installments": left}))) >= left
        return
    schedule = build_schedule(**terms)
    down = [item for item in schedule if item.is_down_payment]
    regular = [item for item in schedule if not item.is_down_payment]
    assert sum(item.amount for item in schedule) == terms["contract_value"]
    assert all(
        item.amount >= D("0.01") and item.amount == item.amount.quantize(D("0.01"))
        for item in schedule
    )
    assert len(regular) == terms["installments"]
    assert [item.amount for item in down] == (
        [terms["down_payment"]] if terms["down_payment"] else []
    )
    regular_amounts = [item.amount for item in regular]
    assert max(regular_amounts) - min(regular_amounts) <= D("0.01")
    assert regular_amounts == sorted(regular_amounts)  # leftover cents at the end
    assert [item.sequence for item in schedule] == list(range(1, len(schedule) + 1))
    due = [item.due_date for item in schedule]
    assert due == sorted(due) and due[0] == terms["start_date"]


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)), COUNTS)
def test_monthly_due_dates_keep_the_anchor_day_clamped_to_the_month(start, count) -> None:
    schedule = build_schedule(D("1000.00"), PlanType.SPLIT, start, count, MONTHLY)
    for months, item in enumerate(schedule):
        year, month = divmod(start.month - 1 + months, 12)
        year, month = start.year + year, month + 1
        expected_day = min(start.day, calendar.monthrange(year, month)[1])
        assert item.due_date == dt.date(year, month, expected_day)


@given(CENTS)
def test_pif_is_always_the_whole_value(cents: int) -> None:
    value = D(cents) / 100
    assert [item.amount for item in build_schedule(value, "PIF", dt.date(2024, 1, 1))] == [value]


# --- round trip through both databases ------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(terms=split_terms())
@example(
    terms={
        "contract_value": D("9999999.99"),
        "plan_type": PlanType.SPLIT,
        "start_date": dt.date(2024, 2, 29),
        "installments": 7,
        "frequency": BIWEEKLY,
        "down_payment": D("0.01"),
    }
)
def test_amounts_survive_a_round_trip_through_the_database(sessions, terms: dict) -> None:
    assume(terms["installments"] <= (terms["contract_value"] - terms["down_payment"]) * 100)
    schedule = build_schedule(**terms)
    with sessions() as session:
        program = make_program(session)
        student = make_student(session)
        enrollment = Enrollment(
            student_id=student.id,
            program_id=program.id,
            plan_type=PlanType.SPLIT,
            contract_value=terms["contract_value"],
            start_date=terms["start_date"],
            down_payment=terms["down_payment"],
            installment_count=terms["installments"],
            payment_frequency=terms["frequency"],
        )
        session.add(enrollment)
        session.add_all(
            Installment(
                enrollment=enrollment,
                sequence=item.sequence,
                due_date=item.due_date,
                amount=item.amount,
                is_down_payment=item.is_down_payment,
            )
            for item in schedule
        )
        session.commit()
        enrollment_id = enrollment.id
    with sessions() as session:
        stored = session.execute(
            select(Installment.sequence, Installment.due_date, Installment.amount)
            .where(Installment.enrollment_id == enrollment_id)
            .order_by(Installment.sequence)
        ).all()
        total = session.scalar(
            select(func.sum(Installment.amount)).where(Installment.enrollment_id == enrollment_id)
        )
        value = session.scalar(
            select(Enrollment.contract_value).where(Enrollment.id == enrollment_id)
        )
    assert [(row.sequence, row.due_date, row.amount) for row in stored] == [
        (item.sequence, item.due_date, item.amount) for item in schedule
    ]
    assert all(isinstance(row.amount, Decimal) for row in stored)
    assert total == value == terms["contract_value"]
