"""Phone numbers are stored in one shape, whoever typed them and however."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal_desktop.errors import ValidationError
from portal_desktop.services.common.phone import normalize_phone, phone_text

STORED_SHAPE = re.compile(r"\+[1-9][0-9]{6,14}( x[0-9]{1,10})?")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(555) 123-4567", "+15551234567"),
        ("555.123.4567", "+15551234567"),
        ("1 555 123 4567", "+15551234567"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("  +44 20 7946 0958 ", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+49 30/1234567", "+49301234567"),
        ("555-123-4567 ext. 89", "+15551234567 x89"),
        ("555-123-4567 x89", "+15551234567 x89"),
        ("555-123-4567 extension 7", "+15551234567 x7"),
        ("+44 20 7946 0958 #12", "+442079460958 x12"),
        ("555\u00a0123\u00a04567", "+15551234567"),
        ("+15551234567 x89", "+15551234567 x89"),
    ],
)
def test_numbers_are_normalised(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_is_none(empty: str | None) -> None:
    assert normalize_phone(empty) is None


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("555-CALL-NOW", "contains letters"),
        ("call me", "contains letters"),
        ("123-4567", "has 7 digits"),
        ("020 7946 0958", "has 11 digits"),
        ("+0 555 123 4567", "never starts with 0"),
        ("+1 555", "has 4 digits"),
        ("+1234567890123456", "has 16 digits"),
        ("555+123+4567", "+ only at the start"),
        ("555_123_4567", "+ only at the start"),
        ("x12", "has 0 digits"),
    ],
)
def test_bad_numbers_name_the_field_and_the_problem(typed: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed, field="mobile")
    assert caught.value.field == "mobile"
    assert words in caught.value.problem


PHONE_ALPHABET = st.sampled_from([*"0123456789 +()-./x#etnsio", "\u00a0", "٣", "\x00"])


@given(st.one_of(st.text(), st.text(alphabet=PHONE_ALPHABET, max_size=30)))
def test_never_crashes_and_is_idempotent(typed: str) -> None:
    try:
        stored = normalize_phone(typed)
    except ValidationError:
        return
    if stored is None:
        assert not typed.strip()
        return
    assert STORED_SHAPE.fullmatch(stored), stored
    assert normalize_phone(stored) == stored


@given(
    st.from_regex(r"[2-9][0-9]{9}", fullmatch=True),
    st.sampled_from(
        ["{a}{b}{c}", "({a}) {b}-{c}", "{a}.{b}.{c}", "1-{a}-{b}-{c}", "+1 {a} {b} {c}"]
    ),
)
def test_every_way_of_writing_a_us_number_gives_the_same_result(digits: str, layout: str) -> None:
    typed = layout.format(a=digits[:3], b=digits[3:6], c=digits[6:])
    assert normalize_phone(typed) == f"+1{digits}"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+14155550123", "+1 415 555-0123"),
        ("+1 305 409-4602", "+1 305 409-4602"),  # a number stored spaced reads the same
        ("(305) 409 4602", "+1 305 409-4602"),
        ("+14155550123 x12", "+1 415 555-0123 x12"),
        ("+442079460958", "+442079460958"),
        ("call me", "call me"),  # not a number: shown as it is
        (None, ""),
    ],
)
def test_phones_read_alike_whatever_shape_they_were_stored_in(stored, shown) -> None:
    assert phone_text(stored) == shown
