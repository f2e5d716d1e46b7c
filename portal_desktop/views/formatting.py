"""How values read on screen: money, dates, times, enum words, yes/no.

Plain Python (no Qt), so it is cheap to call for every painted cell and easy to test. The
user's locale (QLocale: decimal point, digit grouping, short date format) is read once by
:meth:`Formatter.with_locale` into plain fields; the default is the app's neutral style
("$1,234.50", "2026-03-01 14:05").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from portal_desktop.db.query_spec import ColumnKind
from portal_desktop.services.common.words import enum_label

CURRENCY_SYMBOLS = {
    "USD": "$",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "CHF": "CHF ",
}

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


# Qt date/time pattern letters → strftime (zero-padded forms: strftime has no portable
# unpadded day or hour, and a list reads better aligned anyway).
_QT_TOKENS = {
    "yyyy": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%m",
    "dddd": "%A",
    "ddd": "%a",
    "dd": "%d",
    "d": "%d",
    "HH": "%H",
    "H": "%H",
    "hh": "%I",
    "h": "%I",
    "mm": "%M",
    "m": "%M",
    "ss": "%S",
    "s": "%S",
    "AP": "%p",
    "Ap": "%p",
    "ap": "%p",
    "A": "%p",
    "a": "%p",
}
_QT_TOKEN = re.compile("|".join(sorted(map(re.escape, _QT_TOKENS), key=len, reverse=True)))


def qt_to_strftime(pattern: str) -> str:
    """A QLocale date/time format ("M/d/yy", "dd.MM.yyyy", "h:mm AP") as strftime's."""
    pieces = pattern.split("'")  # text in single quotes is literal in Qt patterns
    out = []
    for number, piece in enumerate(pieces):
        piece = piece.replace("%", "%%")
        out.append(piece if number % 2 else _QT_TOKEN.sub(lambda m: _QT_TOKENS[m[0]], piece))
    return "".join(out)


def currency_symbol(code: str) -> str:
    """ "$" for USD, "€" for EUR…; other codes are shown as a prefix: "SEK 1,000.00"."""
    return CURRENCY_SYMBOLS.get(code.upper(), f"{code.upper()} ")


@dataclass(frozen=True)
class Formatter:
    """Turns column values into display text for one installation's settings.

    ``tz``: where times are shown; None means this machine's local time zone.
    """

    currency: str = "USD"
    tz: dt.tzinfo | None = None
    # From the user's locale (see with_locale); the defaults read the same everywhere.
    decimal_point: str = "."
    group_separator: str = ","
    # strftime patterns
    date_format: str = DATE_FORMAT
    datetime_format: str = DATETIME_FORMAT

    def with_locale(self, locale: Any = None) -> Formatter:
        """This formatter using a QLocale's separators and short date/time formats (the
        system locale when none is given). Needs Qt; the result does not."""
        from PySide6.QtCore import QLocale  # only here: the rest of this module is plain

        loc = locale if locale is not None else QLocale.system()
        short = QLocale.FormatType.ShortFormat
        date = qt_to_strftime(loc.dateFormat(short))
        time_part = qt_to_strftime(loc.timeFormat(short))
        return replace(
            self,
            decimal_point=loc.decimalPoint(),
            group_separator=loc.groupSeparator(),
            date_format=date,
            datetime_format=f"{date} {time_part}",
        )

    @property
    def symbol(self) -> str:
        return currency_symbol(self.currency)

    def number(self, value: Decimal | int, places: int = 0) -> str:
        """Grouped digits with the locale's separators: 1,234,567.50 or 1.234.567,50."""
        text = f"{value:,.{places}f}"
        if (self.group_separator, self.decimal_point) == (",", "."):
            return text
        return (
            text.replace(",", "\0")
            .replace(".", self.decimal_point)
            .replace("\0", self.group_separator)
        )

    def money(self, value: Decimal) -> str:
        sign = "-" if value < 0 else ""
        return f"{sign}{self.symbol}{self.number(abs(value), 2)}"

    def date(self, value: dt.date) -> str:
        return value.strftime(self.date_format)

    def datetime(self, value: dt.datetime) -> str:
        return value.astimezone(self.tz).strftime(self.datetime_format)

    def display(self, kind: ColumnKind, value: Any) -> str:
        """The text of one cell; an empty string for NULL."""
        if value is None:
            return ""
        if kind is ColumnKind.MONEY:
            return self.money(Decimal(value))
        if kind is ColumnKind.DATETIME and isinstance(value, dt.datetime):
            return self.datetime(value)
        if kind is ColumnKind.DATE and isinstance(value, dt.date):
            return self.date(value)
        if kind is ColumnKind.ENUM:
            return enum_label(str(value))
        if kind is ColumnKind.BOOL:
            return "Yes" if value else "No"
        if kind is ColumnKind.PERCENT:
            return f"{self.number(Decimal(value) * 100, 1)} %"
        if kind is ColumnKind.NUMBER and isinstance(value, int):
            return self.number(value)
        return str(value)
