"""Leads in a CSV file, each row checked (pure), with a preview of the first rows.

Which column holds which field is services.files.lead_mapping's. Each row is checked with the
same rules as a lead typed in (services.common.fields, services.common.phone); a problem names the
row
and the column.

Decisions where the issue is silent:

* a full name is split at its first space: "Mary van Dyke" is Mary / van Dyke, and
  "Dyke, Mary" is Mary / Dyke (but "Mark Smith, Jr." is Mark / Smith, Jr.); first and
  last name columns win over a full name;
* a created date without a time is local midnight; a time without an offset is local time
  (the installation's time zone); a date more than a day in the future is refused;
* status words are read in any case (NEW, New, new); an empty status is NEW; a LOST lead
  gets the lost reason "Marked LOST in the imported file".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from portal_desktop import clock
from portal_desktop.errors import ValidationError
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.common.fields import clean_email, clean_text
from portal_desktop.services.common.phone import normalize_phone
from portal_desktop.services.files.csv_table import CsvTable, Record
from portal_desktop.services.files.csv_values import DateFormat, detect_date_format, with_day_first
from portal_desktop.services.files.import_common import Problem
from portal_desktop.services.files.lead_mapping import LeadField, Mapping, check_mapping

LOST_REASON = "Marked LOST in the imported file"
MEMO_SIZE = 50_000
FUTURE_SLACK = dt.timedelta(days=1)


# --- rows -----------------------------------------------------------------------------------

# The values of one lead as the import writes them.
VALUE_KEYS = (
    "first_name", "last_name", "email", "phone", "source", "campaign", "medium", "status",
    "notes", "created_at",
)  # fmt: skip
UPDATABLE = ("first_name", "last_name", "phone", "source", "campaign", "medium", "notes")
_TEXT_LIMITS = {
    LeadField.SOURCE: ("source", 120),
    LeadField.CAMPAIGN: ("campaign", 200),
    LeadField.MEDIUM: ("medium", 120),
    LeadField.NOTES: ("notes", 4000),
    LeadField.FIRST_NAME: ("first_name", 120),
    LeadField.LAST_NAME: ("last_name", 120),
}


@dataclass(frozen=True)
class _Refusal:
    problem: str


class _Memo(dict[str, Any]):
    """A check whose column repeats a few values (names, sources, statuses): each distinct
    text is checked once; a refusal is remembered as a :class:`_Refusal`. Looking a text up
    is a plain dict lookup (``memo[text]``)."""

    def __init__(self, check: Callable[[str], Any]) -> None:
        super().__init__()
        self._check = check

    def __missing__(self, text: str) -> Any:
        try:
            found = self._check(text)
        except ValidationError as exc:
            found = _Refusal(exc.problem)
        if len(self) < MEMO_SIZE:
            self[text] = found
        return found


def parse_status(text: str) -> LeadStatus:
    word = text.strip().upper().replace(" ", "_")
    if not word:
        return LeadStatus.NEW
    try:
        return LeadStatus(word)
    except ValueError:
        choices = ", ".join(s.value for s in LeadStatus)
        raise ValidationError("status", f"'{text}' is not a lead status; use {choices}") from None


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})


def split_full_name(text: str) -> tuple[str, str]:
    """``"Mary van Dyke"`` → (Mary, van Dyke); ``"Dyke, Mary"`` → (Mary, Dyke); but
    ``"Mark Smith, Jr."`` → (Mark, Smith, Jr.)."""
    last, comma, first = text.partition(",")
    if comma and first.strip() and first.strip().strip(".").lower() not in _SUFFIXES:
        return first.strip(), last.strip()
    first, _, rest = text.strip().partition(" ")
    return first, rest.strip()


class LeadRowReader:
    """Checks rows of one file with one mapping; the date format is decided once, here."""

    def __init__(
        self,
        table: CsvTable,
        mapping: Mapping,
        tz: dt.tzinfo,
        *,
        day_first: bool | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        check_mapping(table.header, mapping)
        self.header = table.header
        self.columns = {field: index for index, field in mapping.items()}
        self.tz = tz
        self.latest = (now or clock.now()) + FUTURE_SLACK
        self.date_format: DateFormat | None = None
        created = self.columns.get(LeadField.CREATED)
        if created is not None:
            self.date_format = detect_date_format(
                table.column(created), prefer_day_first=table.delimiter == ";"
            )
            if self.date_format is not None and day_first is not None:
                self.date_format = with_day_first(self.date_format, day_first)
        # (cell index, its title, value key, check); a full name goes last: it only fills
        # the first and last names their own columns left empty.
        self._checks = [
            (index, self.header[index], _KEY_OF.get(field, field.value), self._check_of(field))
            for index, field in sorted(
                mapping.items(), key=lambda item: item[1] is LeadField.FULL_NAME
            )
        ]
        self._width = len(self.header)

    def title(self, field: LeadField) -> str:
        return self.header[self.columns[field]]

    def _check_of(self, field: LeadField) -> Callable[[str], Any]:
        if field is LeadField.EMAIL:
            return lambda text: clean_email("email", text)
        if field is LeadField.PHONE:
            return normalize_phone
        if field is LeadField.FULL_NAME:
            return _Memo(_full_name).__getitem__
        if field is LeadField.STATUS:
            return _Memo(parse_status).__getitem__
        if field is LeadField.CREATED:
            return self._created
        if field is LeadField.NOTES:
            return lambda text: clean_text("notes", text.replace("\r\n", "\n"), max_length=4000)
        name, limit = _TEXT_LIMITS.get(field, (field.value, 120))
        return _Memo(
            lambda text: clean_text(name, text, max_length=limit) or _EMPTY.get(field)
        ).__getitem__

    def read(self, record: Record) -> tuple[dict[str, Any] | None, list[Problem]]:
        """The lead's values, or None and the problems of the row."""
        row, cells = record
        problems: list[Problem] = []
        values = dict(_BLANK)
        width = len(cells)
        if width > self._width and "".join(cells[self._width :]).strip():
            problems.append(
                Problem(
                    row,
                    "",
                    f"has {width} cells but the header has {self._width}; "
                    "check for a separator or quote inside a value",
                )
            )
        for index, title, key, check in self._checks:
            try:
                value = check(cells[index] if index < width else "")
            except ValidationError as exc:
                problems.append(Problem(row, title, exc.problem))
                continue
            if value.__class__ is _Refusal:
                problems.append(Problem(row, title, value.problem))
            else:
                values[key] = value
        full = values.pop("full_name", None)
        if full is not None:
            values["first_name"] = values["first_name"] or full[0]
            values["last_name"] = values["last_name"] or full[1]
        if problems:
            return None, problems
        if not (values["first_name"] or values["last_name"] or values["email"] or values["phone"]):
            message = "has no name, email or phone number; a lead needs one of them"
            return None, [Problem(row, "", message)]
        return values, problems

    def _created(self, text: str) -> dt.datetime | None:
        if self.date_format is None:
            if text.strip():
                raise ValidationError("created", f"'{text}' is not a date")
            return None
        try:
            parsed = self.date_format.parse(text)
        except ValueError as exc:
            raise ValidationError("created", str(exc)) from None
        if parsed is None:
            return None
        if not isinstance(parsed, dt.datetime):
            parsed = dt.datetime.combine(parsed, dt.time())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.tz)
        moment = parsed.astimezone(dt.UTC)
        if moment > self.latest:
            raise ValidationError("created", f"'{text.strip()}' is in the future")
        return moment


_KEY_OF = {LeadField.CREATED: "created_at"}
_EMPTY: dict[LeadField, str | None] = {LeadField.FIRST_NAME: "", LeadField.LAST_NAME: ""}
_BLANK: dict[str, Any] = dict.fromkeys(VALUE_KEYS) | {
    "first_name": "",
    "last_name": "",
    "status": LeadStatus.NEW,
}


def _full_name(text: str) -> tuple[str, str] | None:
    name = clean_text("name", text, max_length=241)
    if not name:
        return None
    first, last = split_full_name(name)
    return _name("name", first), _name("name", last)


def _name(field: str, text: str) -> str:
    return clean_text(field, text, max_length=120) or ""


# --- preview --------------------------------------------------------------------------------

PREVIEW_COLUMNS = (
    "First name", "Last name", "Email", "Phone", "Source", "Campaign", "Medium", "Status",
    "Created", "Notes",
)  # fmt: skip


@dataclass(frozen=True)
class PreviewRow:
    """One row as it will be imported (texts in PREVIEW_COLUMNS order), or its problems."""

    row: int
    values: tuple[str, ...]
    problems: tuple[str, ...]


def preview_rows(reader: LeadRowReader, records: Iterable[Record], limit: int) -> list[PreviewRow]:
    """The first ``limit`` rows as they will be imported."""
    result = []
    for record in records:
        if len(result) >= limit:
            break
        values, problems = reader.read(record)
        texts: tuple[str, ...] = ("",) * len(PREVIEW_COLUMNS)
        if values is not None:
            created = values["created_at"]
            when = "" if created is None else f"{created.astimezone(reader.tz):%Y-%m-%d %H:%M}"
            texts = tuple(
                "" if value is None else str(value)
                for value in (
                    *(values[key] for key in VALUE_KEYS[:7]),
                    values["status"].value,
                    when,
                    values["notes"],
                )
            )
        result.append(
            PreviewRow(
                record[0],
                texts,
                tuple(f"{p.column}: {p.problem}" if p.column else p.problem for p in problems),
            )
        )
    return result
