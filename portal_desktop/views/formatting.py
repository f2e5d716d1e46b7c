"""How values read on screen: money, dates, times, enum words, yes/no.

Plain Python (no Qt), so it is cheap to call for every painted cell and easy to test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from portal_desktop.db.query_spec import ColumnKind

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

# Words that are not plain English when title-cased.
ENUM_WORDS = {
    "PIF": "PIF",
    "DM": "DM",
    "PAYPAL": "PayPal",
    "YOUTUBE": "YouTube",
    "TIKTOK": "TikTok",
}

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def currency_symbol(code: str) -> str:
    """ "$" for USD, "€" for EUR…; other codes are shown as a prefix: "SEK 1,000.00"."""
    return CURRENCY_SYMBOLS.get(code.upper(), f"{code.upper()} ")


def enum_label(word: str) -> str:
    """``CLOSED_WON`` → "Closed won", ``DM_SETTER`` → "DM setter", ``PIF`` → "PIF"."""
    parts = [ENUM_WORDS.get(part, part.lower()) for part in word.split("_")]
    first = parts[0]
    return " ".join([first[:1].upper() + first[1:], *parts[1:]])


@dataclass(frozen=True)
class Formatter:
    """Turns column values into display text for one installation's settings.

    ``tz``: where times are shown; None means this machine's local time zone.
    """

    currency: str = "USD"
    tz: dt.tzinfo | None = None

    @property
    def symbol(self) -> str:
        return currency_symbol(self.currency)

    def money(self, value: Decimal) -> str:
        sign = "-" if value < 0 else ""
        return f"{sign}{self.symbol}{abs(value):,.2f}"

    def datetime(self, value: dt.datetime) -> str:
        return value.astimezone(self.tz).strftime(DATETIME_FORMAT)

    def display(self, kind: ColumnKind, value: Any) -> str:
        """The text of one cell; an empty string for NULL."""
        if value is None:
            return ""
        if kind is ColumnKind.MONEY:
            return self.money(Decimal(value))
        if kind is ColumnKind.DATETIME and isinstance(value, dt.datetime):
            return self.datetime(value)
        if kind is ColumnKind.DATE and isinstance(value, dt.date):
            return value.strftime(DATE_FORMAT)
        if kind is ColumnKind.ENUM:
            return enum_label(str(value))
        if kind is ColumnKind.BOOL:
            return "Yes" if value else "No"
        if kind is ColumnKind.PERCENT:
            return f"{Decimal(value) * 100:.1f} %"
        if kind is ColumnKind.NUMBER and isinstance(value, int):
            return f"{value:,}"
        return str(value)
