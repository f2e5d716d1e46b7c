"""Checks of typed-in values shared by the services: text, email addresses, dates, points in
time, choices of an enum (money: services.common.money).

Each returns the value to store or raises ValidationError naming the field and the problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from portal_desktop.errors import ValidationError

E = TypeVar("E", bound=StrEnum)
EMAIL_MAX_LENGTH = 320
_EMAIL_LOCAL_MAX_LENGTH = 64
# ASCII only: SQLite's lower() folds ASCII letters only, and the unique indexes on
# lower(email) must mean the same thing on both databases (IDN domains: type the xn-- form).
_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}))",
    re.ASCII,
)


def clean_fields(
    fields: Mapping[str, Callable[[object], Any]], values: Mapping[str, object], what: str
) -> dict[str, Any]:
    """Each of ``values`` checked by its field's cleaner; a key that is not in ``fields`` is
    refused naming ``what`` ("a campaign")."""
    for key in values:
        if key not in fields:
            raise ValidationError(key, f"is not a field of {what} that can be edited")
    return {key: fields[key](value) for key, value in values.items()}


def clean_text(field: str, value: object, *, max_length: int, required: bool = False) -> str | None:
    """``value`` trimmed; None when empty (or an error when ``required``)."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    if not text:
        if required:
            raise ValidationError(field, "is required; fill it in")
        return None
    if "\x00" in text:
        raise ValidationError(field, "contains a NUL character; remove it")
    if len(text) > max_length:
        raise ValidationError(
            field, f"is {len(text)} characters long; shorten it to at most {max_length}"
        )
    return text


def clean_email(field: str, value: object) -> str | None:
    """A trimmed, well-formed email address as typed (case kept), or None when empty."""
    text = clean_text(field, value, max_length=EMAIL_MAX_LENGTH)
    if text is None:
        return None
    match = _EMAIL.fullmatch(text)
    if match is None:
        raise ValidationError(
            field, f"'{text}' is not an email address like name@example.com; check for typos"
        )
    if len(match["local"]) > _EMAIL_LOCAL_MAX_LENGTH:
        raise ValidationError(
            field, f"the part before @ is longer than {_EMAIL_LOCAL_MAX_LENGTH} characters"
        )
    return text


def aware_utc(field: str, value: object) -> dt.datetime:
    """A timezone-aware datetime converted to UTC; a naive one is refused."""
    if not isinstance(value, dt.datetime):
        raise ValidationError(field, f"expected a date and time, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            field, "has no time zone; give a timezone-aware time (UTC or the local zone)"
        )
    return value.astimezone(dt.UTC)


def iso_moment(text: str) -> dt.datetime | None:
    """An ISO time as stored in text (UTC when it names no zone); None when empty or not a
    time (the audit's old values, the replica's sync state)."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def format_local(when: dt.datetime, tz: dt.tzinfo) -> str:
    """``2025-03-04 14:00`` in the installation's time zone, for messages."""
    return f"{when.astimezone(tz):%Y-%m-%d %H:%M}"


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
