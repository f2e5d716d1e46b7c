"""The one money parser: any input is an amount in range or a ValidationError, never a crash."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from portal_desktop.errors import ValidationError
from portal_desktop.services.common.money import NUMERIC_MAX, parse_money

D = Decimal

# Text that looks like numbers (exponents, signs, long digit runs) and text that does not.
NUMBER_LIKE = st.from_regex(r"\A\s?[+-]?\d{0,30}(\.\d{0,30})?([eE][+-]?\d{1,25})?\s?\Z")
WORDS = st.sampled_from(["NaN", "-nan", "sNaN", "Infinity", "-Infinity", "inf", "1_000", "٣"])
ANY_TEXT = st.one_of(st.text(), NUMBER_LIKE, WORDS)
ANY_DECIMAL = st.decimals(allow_nan=True, allow_infinity=True)


def check(value: object, *, allow_zero: bool, maximum: Decimal | None) -> None:
    try:
        amount = parse_money(value, "amount", allow_zero=allow_zero, maximum=maximum)
    except ValidationError as error:
        assert error.field == "amount"
        assert len(error.problem) < 200
        return
    assert amount.is_finite() and amount.as_tuple().exponent == -2
    assert D(0) <= amount <= (NUMERIC_MAX if maximum is None else maximum)
    assert amount > 0 or allow_zero
    assert amount == D(value.strip() if isinstance(value, str) else value)


@given(ANY_TEXT, st.booleans(), st.sampled_from([None, D("10000000.00"), D("1e20")]))
@example("1e400", False, None)
@example("-1e400", True, None)
@example("1e999999999999999999", True, None)
@example("1e-999999999999999999", True, None)
@example("0E-1000000", True, None)
@example("9" * 100_000, True, None)
@example("0." + "0" * 50_000 + "1", True, None)
def test_any_text_is_an_amount_in_range_or_a_validation_error(
    text: str, allow_zero: bool, maximum: Decimal | None
) -> None:
    check(text, allow_zero=allow_zero, maximum=maximum)


@given(st.one_of(ANY_DECIMAL, st.integers()), st.booleans())
@example(10**5000, True)
@example(D("1E+400"), True)
def test_any_decimal_or_int_is_an_amount_in_range_or_a_validation_error(
    value: Decimal | int, allow_zero: bool
) -> None:
    check(value, allow_zero=allow_zero, maximum=None)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1e400", "more than the maximum of 9,999,999,999.99"),
        ("10000000000", "more than the maximum of 9,999,999,999.99"),
        ("NaN", "not an amount"),
        ("-Infinity", "not an amount"),
        ("1e-400", "more than two decimals"),
        ("12.345", "more than two decimals"),
        ("9" * 1000, "999..."),
    ],
)
def test_bad_amounts_say_what_is_wrong(value: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money(value, "amount", maximum=None)
    assert caught.value.field == "amount"
    assert words in caught.value.problem


def test_the_largest_numeric_amount_and_negative_zero() -> None:
    assert parse_money("9999999999.99", "amount", maximum=None) == NUMERIC_MAX
    assert str(parse_money("-0", "amount", allow_zero=True)) == "0.00"
    assert parse_money(" 1.5E3 ", "amount") == D("1500.00")
