"""Numbers and dates in CSV cells, their format decided once per column (pure).

Numbers: ``1,234.50``, ``1.234,50``, ``1 234,50``, ``$1,234.50``, ``€1.234,50``,
``USD 12.00``, ``(12.00)`` and ``-12.00`` (negative), ``12.5%`` (a ratio, 0.125), and the
ad platforms' ``--`` for "nothing". Which of ``.`` and ``,`` is the decimal mark is decided
from every value of the column; when no value tells (``1,234`` could be either), a
semicolon-separated file means decimal comma, any other decimal point.

Dates: ``2025-03-05`` (ISO, with or without a time and an offset), ``2025/03/05``,
``03/05/2025`` and ``05/03/2025`` (also with ``-`` or ``.``, 2- or 4-digit years),
``Mar 5, 2025``, ``March 5th 2025``, ``5-Mar-2025``, ``5 Mar 2025``, each optionally
followed by a time (``14:30``, ``2:30 PM``, ``14:30:05``). One format per column: month-first
or day-first is decided by a value above 12; with none, ``prefer_day_first`` decides and the
format says it was assumed (``ambiguous``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

EMPTY_MARKS = frozenset({"", "--", "-", "—", "n/a", "N/A", "NA"})
_NUMBER = re.compile(
    r"^(?P<neg1>[-\u2212])?\s*(?P<pre>[A-Z]{3}|[A-Z]{0,2}[$€£¥₹])?\s*(?P<neg2>[-\u2212])?\s*"
    r"(?P<num>[0-9][0-9.,' \u00a0\u202f]*|[.,][0-9]+)\s*(?P<post>[A-Z]{3}|[$€£¥₹])?\s*"
    r"(?P<pct>%)?\s*(?P<neg3>[-\u2212])?$"
)
_GROUPED = {
    ".": re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]+)?$"),
    ",": re.compile(r"^(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]*)(?:,[0-9]+)?$"),
}


@dataclass(frozen=True)
class NumberFormat:
    """Which mark separates the decimals: ``"."`` or ``","``."""

    decimal: str = "."

    @property
    def thousands(self) -> str:
        return "," if self.decimal == "." else "."

    def describe(self) -> str:
        return "1,234.50" if self.decimal == "." else "1.234,50"


def _digits_part(text: str) -> str | None:
    match = _NUMBER.match(text.strip())
    if match is None:
        return None
    return re.sub(r"[ '\u00a0\u202f]", "", match["num"])


def _decimal_vote(digits: str) -> str | None:
    """The decimal mark one value implies, or None when it could be either."""
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        return "." if last_dot > last_comma else ","
    for mark, other in ((".", ","), (",", ".")):
        if digits.count(mark) > 1:
            return other
        if digits.count(mark) == 1:
            after = len(digits) - digits.index(mark) - 1
            at = digits.index(mark)
            # "1,234" could be either; "0,123" and ",5" cannot be thousands.
            return None if after == 3 and at > 0 and not digits.startswith("0") else mark
    return None


def detect_number_format(values: Iterable[str], *, prefer_decimal_comma: bool) -> NumberFormat:
    """The decimal mark most values of a column imply (the preference when none does)."""
    votes: Counter[str] = Counter()
    for value in values:
        digits = _digits_part(value) if value else None
        if digits:
            vote = _decimal_vote(digits)
            if vote is not None:
                votes[vote] += 1
    if votes:
        return NumberFormat(votes.most_common(1)[0][0])
    return NumberFormat("," if prefer_decimal_comma else ".")


@dataclass(frozen=True)
class ParsedNumber:
    value: Decimal
    currency: str | None  # the symbol or code written with it, if any
    percent: bool


def parse_number(text: str, fmt: NumberFormat) -> ParsedNumber | None:
    """The number in a cell, None for an empty one; ValueError says what is wrong."""
    stripped = text.strip()
    if stripped in EMPTY_MARKS:
        return None
    negative = stripped.startswith("(") and stripped.endswith(")")
    if negative:
        stripped = stripped[1:-1]
    match = _NUMBER.match(stripped)
    if match is None:
        raise ValueError(f"'{text}' is not a number like {fmt.describe()}")
    signs = sum(1 for key in ("neg1", "neg2", "neg3") if match[key])
    digits = re.sub(r"[ '\u00a0\u202f]", "", match["num"])
    if signs > 1 or (signs and negative) or not _GROUPED[fmt.decimal].match(digits):
        raise ValueError(
            f"'{text}' is not written like the column's other numbers ({fmt.describe()})"
        )
    plain = digits.replace(fmt.thousands, "").replace(fmt.decimal, ".")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number like {fmt.describe()}") from None
    if negative or signs:
        value = -value
    percent = match["pct"] is not None
    if percent:
        value = value / 100
    return ParsedNumber(value, match["pre"] or match["post"], percent)


# --- dates ----------------------------------------------------------------------------------


class DateKind(StrEnum):
    YMD = "YYYY-MM-DD"
    MDY = "MM/DD/YYYY"
    DMY = "DD/MM/YYYY"
    MONTH_NAME_FIRST = "Mon D, YYYY"
    DAY_MONTH_NAME = "D-Mon-YYYY"


_TIME = (
    r"(?:(?:T|\s+|,\s*|\s+at\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$"
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    "ymd": re.compile(r"^(?P<y>\d{4})(?P<s>[-/.])(?P<a>\d{1,2})(?P=s)(?P<b>\d{1,2})" + _TIME),
    "num": re.compile(r"^(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})" + _TIME),
    "mon": re.compile(
        r"^(?:[A-Za-z]{3,9}\.?,?\s+)??(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
        r",?\s+(?P<y>\d{4})" + _TIME
    ),
    "dmon": re.compile(
        r"^(?P<d>\d{1,2})(?P<s>[-\s])(?P<mon>[A-Za-z]{3,9})\.?(?P=s)(?P<y>\d{4}|\d{2})" + _TIME
    ),
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class DateFormat:
    """One column's date format; ``ambiguous``: month/day order assumed, not seen."""

    kind: DateKind
    ambiguous: bool = False

    def describe(self) -> str:
        note = " (assumed: no day above 12 tells)" if self.ambiguous else ""
        return f"{self.kind.value}{note}"

    def parse(self, text: str) -> dt.date | dt.datetime | None:
        """A date, or a datetime when the cell has a time (aware when it has an offset);
        None for an empty cell; ValueError when the cell is not in this format."""
        value = text.strip()
        if value in EMPTY_MARKS:
            return None
        if self.kind is DateKind.YMD and len(value) >= 10 and value[4] == "-":
            try:  # the common case, in C
                return (
                    dt.date.fromisoformat(value)
                    if len(value) == 10
                    else dt.datetime.fromisoformat(value)
                )
            except ValueError:
                pass
        match = _PATTERNS[_PATTERN_OF[self.kind]].match(value)
        if match is None:
            raise ValueError(f"'{text}' is not a date like {self.kind.value} (the column's format)")
        return _build(match, self.kind, text)


_PATTERN_OF = {
    DateKind.YMD: "ymd",
    DateKind.MDY: "num",
    DateKind.DMY: "num",
    DateKind.MONTH_NAME_FIRST: "mon",
    DateKind.DAY_MONTH_NAME: "dmon",
}


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _build(match: re.Match[str], kind: DateKind, text: str) -> dt.date | dt.datetime:
    groups = match.groupdict()
    if kind is DateKind.YMD:
        year, month, day = int(groups["y"]), int(groups["a"]), int(groups["b"])
    elif kind in (DateKind.MDY, DateKind.DMY):
        first, second = int(groups["a"]), int(groups["b"])
        month, day = (first, second) if kind is DateKind.MDY else (second, first)
        year = _year(groups["y"])
    else:
        month = _MONTHS.get(groups["mon"].lower(), 0)
        if not month:
            raise ValueError(f"'{text}': '{groups['mon']}' is not an English month name")
        day, year = int(groups["d"]), _year(groups["y"])
    try:
        day_value = dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date (read as {kind.value})") from None
    if groups["H"] is None:
        return day_value
    return _with_time(day_value, groups, text)


def _with_time(day: dt.date, groups: dict[str, str | None], text: str) -> dt.datetime:
    hour, minute = int(groups["H"] or 0), int(groups["M"] or 0)
    second = int(groups["S"] or 0)
    micro = int((groups["f"] or "0")[:6].ljust(6, "0"))
    ampm = (groups["ampm"] or "").replace(".", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(f"'{text}': {hour} is not an hour of a 12-hour clock")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    zone = groups["tz"]
    tzinfo: dt.tzinfo | None = None
    if zone in ("Z", "UTC", "GMT"):
        tzinfo = dt.UTC
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        tzinfo = dt.timezone(sign * offset)
    try:
        return dt.datetime.combine(day, dt.time(hour, minute, second, micro), tzinfo)
    except ValueError:
        raise ValueError(f"'{text}' has a time that does not exist") from None


def _kind_of(value: str) -> tuple[str, re.Match[str] | None] | None:
    if value[4:5] == "-" and value[:4].isdigit():  # ISO, the common case: no regex needed
        return "ymd", None
    for name, pattern in _PATTERNS.items():
        match = pattern.match(value)
        if match is not None:
            return name, match
    return None


def detect_date_format(values: Iterable[str], *, prefer_day_first: bool) -> DateFormat | None:
    """The format of most of a column's dates (None when no value looks like a date).

    Month-first or day-first is decided by the values: a first number above 12 means
    day-first, a second number above 12 means month-first; when both occur, the more common
    wins (the others will not parse, and are reported on their rows).
    """
    kinds: Counter[str] = Counter()
    day_first = month_first = 0
    dotted = False
    for value in values:
        value = value.strip()
        if value in EMPTY_MARKS:
            continue
        found = _kind_of(value)
        if found is None:
            continue
        name, match = found
        kinds[name] += 1
        if match is not None and name == "num":
            dotted = dotted or match["s"] == "."
            day_first += int(match["a"]) > 12
            month_first += int(match["b"]) > 12
    if not kinds:
        return None
    name = kinds.most_common(1)[0][0]
    if name == "ymd":
        return DateFormat(DateKind.YMD)
    if name == "mon":
        return DateFormat(DateKind.MONTH_NAME_FIRST)
    if name == "dmon":
        return DateFormat(DateKind.DAY_MONTH_NAME)
    if day_first or month_first:
        return DateFormat(DateKind.DMY if day_first > month_first else DateKind.MDY)
    assumed = prefer_day_first or dotted
    return DateFormat(DateKind.DMY if assumed else DateKind.MDY, ambiguous=True)


def with_day_first(fmt: DateFormat, day_first: bool) -> DateFormat:
    """A numeric format with the order the user chose (other formats are unchanged)."""
    if fmt.kind not in (DateKind.MDY, DateKind.DMY):
        return fmt
    return DateFormat(DateKind.DMY if day_first else DateKind.MDY)
