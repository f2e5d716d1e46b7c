"""Phone numbers in one stored shape: ``+<country code><number>``, optionally `` x<extension>``.

A pure function, no dependency: it does not know every country's numbering plan, only
enough to store numbers the same way whoever typed them, so they can be compared and dialled:

* a number with a country code (``+44 20 7946 0958``, ``0044 20 7946 0958``) keeps its digits;
* a 10-digit number (``(555) 123-4567``) or 11 digits starting with 1 is a US/NANP number;
* an extension (``ext. 12``, ``x12``, ``#12``) is kept as `` x12``;
* letters are refused, and so is a local number without its country code.
"""

from __future__ import annotations

import re

from portal_desktop.errors import ValidationError

MIN_INTERNATIONAL_DIGITS = 7  # short country plans (e.g. +500 12345) still have 7+ digits
MAX_INTERNATIONAL_DIGITS = 15  # E.164
US_DIGITS = 10

_EXTENSION = re.compile(
    r"^(?P<main>.*?)\s*(?:ext\.?|extension|x|#)\s*(?P<ext>[0-9]{1,10})\s*$",
    re.IGNORECASE | re.ASCII,
)
_ALLOWED = re.compile(r"^\+?[0-9 ()\-./]*$", re.ASCII)
_LETTER = re.compile(r"[^\W\d_]")


def normalize_phone(raw: str | None, field: str = "phone") -> str | None:
    """The stored form of ``raw`` (None for an empty value), or a ValidationError on ``field``.

    Normalising a normalised number gives it back unchanged.
    """
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    main, extension = _split_extension(re.sub(r"\s+", " ", text))
    if _LETTER.search(main):
        raise ValidationError(
            field,
            f"'{raw}' contains letters; a phone number has digits only "
            "(an extension may be written 'ext. 12')",
        )
    if not _ALLOWED.fullmatch(main):
        raise ValidationError(
            field,
            f"'{raw}' is not a phone number; use digits, spaces and + ( ) - . / "
            "with + only at the start, e.g. +1 555 123 4567",
        )
    digits = re.sub(r"[^0-9]", "", main)
    if main.startswith("+"):
        number = _international(raw, digits, field)
    elif digits.startswith("00"):
        number = _international(raw, digits[2:], field)
    else:
        number = _national(raw, digits, field)
    return f"{number} x{extension}" if extension else number


def _split_extension(text: str) -> tuple[str, str | None]:
    match = _EXTENSION.fullmatch(text)
    if match is None:
        return text, None
    return match["main"].strip(), match["ext"]


def _international(raw: str, digits: str, field: str) -> str:
    if digits.startswith("0"):
        raise ValidationError(
            field, f"'{raw}': a country code never starts with 0; write e.g. +44 20 7946 0958"
        )
    if not MIN_INTERNATIONAL_DIGITS <= len(digits) <= MAX_INTERNATIONAL_DIGITS:
        raise ValidationError(
            field,
            f"'{raw}' has {len(digits)} digits after the country prefix; an international "
            f"number has {MIN_INTERNATIONAL_DIGITS} to {MAX_INTERNATIONAL_DIGITS}",
        )
    return f"+{digits}"


def _national(raw: str, digits: str, field: str) -> str:
    if len(digits) == US_DIGITS:
        return f"+1{digits}"
    if len(digits) == US_DIGITS + 1 and digits.startswith("1"):
        return f"+{digits}"
    raise ValidationError(
        field,
        f"'{raw}' has {len(digits)} digits; enter a 10-digit US number like (555) 123-4567 "
        "or start with + and the country code, e.g. +44 20 7946 0958",
    )


def phone_text(stored: str | None) -> str:
    """A phone number as screens show it, whichever shape it was stored in: a US/NANP number
    as ``+1 415 555-0123`` (`` x12`` kept), any other as its stored ``+<digits>``; text that is
    not a phone number is shown as it is."""
    if not stored:
        return ""
    try:
        number = normalize_phone(stored)
    except ValidationError:
        return stored
    assert number is not None
    main, _, extension = number.partition(" x")
    if main.startswith("+1") and len(main) == US_DIGITS + 2:
        main = f"+1 {main[2:5]} {main[5:8]}-{main[8:]}"
    return f"{main} x{extension}" if extension else main
