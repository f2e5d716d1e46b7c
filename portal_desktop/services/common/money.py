"""Money typed, pasted or passed in: exact amounts in cents, and the limits of the columns
that hold them (pure: no database)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from portal_desktop.errors import ValidationError

CENT = Decimal("0.01")


ZERO = Decimal("0.00")


MAX_CONTRACT_VALUE = Decimal("10000000.00")


NUMERIC_MAX = Decimal("9999999999.99")  # the largest amount a NUMERIC(12,2) column holds


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
