"""Which column of a leads file holds which field: guessed from the header names, changed by
the user (a combo box per column, or ``--mapping COLUMN=FIELD``), checked before any row is.

Guesses: ``Email``/``E-mail``, ``First name``, ``Last name``, ``Full name``/``Name``,
``Phone``/``Mobile``, ``Source``/``utm_source``, ``Campaign``/``utm_campaign``,
``Medium``/``utm_medium``, ``Created``/``Date``/``Signup date``, ``Status``, ``Notes``; each
field goes to one column at most.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from portal_desktop.errors import ValidationError
from portal_desktop.services.files.csv_table import normalize_header


class LeadField(StrEnum):
    EMAIL = "email"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    FULL_NAME = "full_name"
    PHONE = "phone"
    SOURCE = "source"
    CAMPAIGN = "campaign"
    MEDIUM = "medium"
    CREATED = "created"
    STATUS = "status"
    NOTES = "notes"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


_SYNONYMS: dict[LeadField, tuple[str, ...]] = {
    LeadField.EMAIL: ("email", "e mail", "email address", "e mail address", "mail"),
    LeadField.FIRST_NAME: ("first name", "firstname", "first", "given name", "fname"),
    LeadField.LAST_NAME: ("last name", "lastname", "last", "surname", "family name", "lname"),
    LeadField.FULL_NAME: ("full name", "fullname", "name", "contact name", "lead name", "contact"),
    LeadField.PHONE: ("phone", "phone number", "mobile", "mobile phone", "cell", "telephone"),
    LeadField.SOURCE: ("source", "utm source", "lead source"),
    LeadField.CAMPAIGN: ("campaign", "utm campaign", "campaign name"),
    LeadField.MEDIUM: ("medium", "utm medium"),
    LeadField.CREATED: (
        "created", "created at", "date", "signup date", "sign up date", "created date",
        "date created", "created on", "signed up", "timestamp", "opt in date",
    ),
    LeadField.STATUS: ("status", "lead status", "stage"),
    LeadField.NOTES: ("notes", "note", "comments", "comment", "message"),
}  # fmt: skip
# Second chance for headers like "Email Address (required)" or "Mobile phone no.".
_KEYWORDS: tuple[tuple[str, LeadField], ...] = (
    ("email", LeadField.EMAIL),
    ("e mail", LeadField.EMAIL),
    ("phone", LeadField.PHONE),
    ("mobile", LeadField.PHONE),
    ("utm source", LeadField.SOURCE),
    ("utm campaign", LeadField.CAMPAIGN),
    ("utm medium", LeadField.MEDIUM),
)

Mapping = dict[int, LeadField]


def guess_mapping(header: Sequence[str]) -> Mapping:
    """Column index → field, from the header names; each field at most once."""
    names = [normalize_header(title) for title in header]
    mapping: Mapping = {}
    for field, synonyms in _SYNONYMS.items():
        for index, name in enumerate(names):
            if index not in mapping and name in synonyms:
                mapping[index] = field
                break
    for keyword, field in _KEYWORDS:
        for index, name in enumerate(names):
            if field in mapping.values():
                break
            if index not in mapping and keyword in f" {name} ":
                mapping[index] = field
    return dict(sorted(mapping.items()))


def parse_field(text: str) -> LeadField | None:
    """A field from its name ("first_name", "First name"); None for "ignore"/"-"."""
    word = normalize_header(text).replace(" ", "_")
    if word in ("", "ignore", "none", "skip"):
        return None
    try:
        return LeadField(word)
    except ValueError:
        choices = ", ".join(f.value for f in LeadField)
        raise ValidationError(
            "mapping", f"'{text}' is not a lead field; use one of {choices}, or ignore"
        ) from None


def apply_overrides(header: Sequence[str], mapping: Mapping, overrides: Iterable[str]) -> Mapping:
    """``COLUMN=FIELD`` overrides (a header name, any case, or a column number from 1)."""
    result = dict(mapping)
    names = [normalize_header(title) for title in header]
    for text in overrides:
        column, sep, field_text = text.rpartition("=")
        if not sep or not column.strip():
            raise ValidationError("mapping", f"'{text}' is not COLUMN=FIELD, e.g. 'E-mail=email'")
        key = normalize_header(column)
        if column.strip().isdigit() and 1 <= int(column) <= len(header):
            index = int(column) - 1
        elif key in names:
            index = names.index(key)
        else:
            titles = ", ".join(f"'{title}'" for title in header)
            raise ValidationError("mapping", f"the file has no column '{column}'; it has {titles}")
        field = parse_field(field_text)
        result.pop(index, None)
        if field is not None:
            result = {i: f for i, f in result.items() if f is not field}
            result[index] = field
    return dict(sorted(result.items()))


def check_mapping(header: Sequence[str], mapping: Mapping) -> None:
    """A usable mapping: known columns, each field once, something that names a lead."""
    seen: dict[LeadField, int] = {}
    for index, field in mapping.items():
        if not 0 <= index < len(header):
            raise ValidationError("mapping", f"the file has no column {index + 1}")
        if field in seen:
            raise ValidationError(
                "mapping",
                f"{field.label} is chosen for both '{header[seen[field]]}' and "
                f"'{header[index]}'; keep one",
            )
        seen[field] = index
    identity = {LeadField.EMAIL, LeadField.FIRST_NAME, LeadField.LAST_NAME, LeadField.FULL_NAME}
    if not (identity | {LeadField.PHONE}) & seen.keys():
        raise ValidationError(
            "mapping", "choose the column of the email, the name or the phone number at least"
        )
