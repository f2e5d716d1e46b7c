"""Daily ad performance in the ad platforms' own CSV exports, read and checked (pure).

* Facebook/Meta Ads Manager: ``Campaign name``, ``Day`` (or ``Reporting starts`` and
  ``Reporting ends`` on the same day), ``Amount spent (USD)``, ``Impressions``,
  ``Link clicks`` (else ``Clicks (all)``), ``Leads`` (else ``Results``), and
  ``Purchases conversion value`` / ``Website purchases conversion value``.
* Google Ads: often two title lines first (the report's name, its date range), then
  ``Campaign``, ``Day``, ``Currency code``, ``Cost``, ``Impr.``, ``Clicks``, ``Conversions``,
  ``Conv. value``; ``--`` for nothing, and "Total: …" rows at the end (left out).

Decisions where the issue is silent: amounts are rounded to cents (platforms report
conversion values with more decimals); fractional conversions (data-driven attribution) are
rounded to whole leads; an empty cell is 0; a row without a campaign name first or last in
the file is the platform's summary row and is left out; an ad-set or ad-level export (it
has an "Ad set name" / "Ad group" column) is added up per campaign and day, while a
campaign-level file naming a campaign twice on one day is an error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from portal_desktop.errors import ValidationError
from portal_desktop.models.enums import AdPlatform
from portal_desktop.models.types import to_money
from portal_desktop.services.common.fields import clean_text
from portal_desktop.services.common.money import parse_money
from portal_desktop.services.files.csv_table import CsvTable
from portal_desktop.services.files.csv_values import (
    DateFormat,
    NumberFormat,
    detect_date_format,
    detect_number_format,
    parse_number,
)
from portal_desktop.services.files.import_common import Problem
from portal_desktop.services.marketing.campaigns import MAX_AD_COUNT, MAX_DAILY_SPEND
from portal_desktop.services.sales.team import check_count

COUNTS = ("impressions", "clicks", "leads")
_LOOKED_UP = ("campaign", "day", "range_start", "range_end", "currency", "finer")
AMOUNTS = ("spend", "revenue")


@dataclass(frozen=True)
class PlatformFormat:
    """Which headers hold what, in one platform's export (first found wins)."""

    platform: AdPlatform
    campaign: tuple[str, ...]
    day: tuple[str, ...]
    spend: re.Pattern[str]  # may name the currency: "Amount spent (USD)"
    impressions: tuple[str, ...]
    clicks: tuple[str, ...]
    leads: tuple[str, ...]
    revenue: tuple[str, ...]
    currency: tuple[str, ...] = ()
    range_start: tuple[str, ...] = ()
    range_end: tuple[str, ...] = ()
    finer: tuple[str, ...] = ()  # columns of an ad-set or ad level export


FORMATS = {
    AdPlatform.FACEBOOK: PlatformFormat(
        AdPlatform.FACEBOOK,
        campaign=("Campaign name", "Campaign"),
        day=("Day", "Date"),
        spend=re.compile(r"^amount spent(?: \((?P<currency>[a-z]{3})\))?$"),
        impressions=("Impressions",),
        clicks=("Link clicks", "Clicks (all)", "Clicks"),
        leads=("Leads", "Results", "On-Facebook leads"),
        revenue=(
            "Purchases conversion value",
            "Website purchases conversion value",
            "Purchase conversion value",
        ),
        range_start=("Reporting starts",),
        range_end=("Reporting ends",),
        finer=("Ad set name", "Ad name"),
    ),
    AdPlatform.GOOGLE: PlatformFormat(
        AdPlatform.GOOGLE,
        campaign=("Campaign", "Campaign name"),
        day=("Day", "Date"),
        spend=re.compile(r"^cost(?: \((?P<currency>[a-z]{3})\))?$"),
        impressions=("Impr.", "Impressions"),
        clicks=("Clicks",),
        leads=("Conversions",),
        revenue=("Conv. value", "Conversion value", "Total conv. value"),
        currency=("Currency code", "Currency"),
        finer=("Ad group", "Ad group name", "Ad"),
    ),
}


@dataclass(frozen=True)
class AdDay:
    """One campaign's numbers on one day, as they will be saved."""

    row: int
    campaign: str
    day: dt.date
    spend: Decimal
    impressions: int
    clicks: int
    leads: int
    revenue: Decimal

    def plus(self, other: AdDay) -> AdDay:
        """Two rows of one campaign and day added up (ad-set or ad level exports)."""
        return AdDay(
            self.row,
            self.campaign,
            self.day,
            self.spend + other.spend,
            self.impressions + other.impressions,
            self.clicks + other.clicks,
            self.leads + other.leads,
            self.revenue + other.revenue,
        )


class AdColumns:
    """Where the platform's fields are in this file, and the file's currency."""

    def __init__(self, table: CsvTable, fmt: PlatformFormat) -> None:
        self.format = fmt
        header = table.header
        found: dict[str, int | None] = {
            name: table.find(*getattr(fmt, name)) for name in (*_LOOKED_UP, *COUNTS, "revenue")
        }
        spend = [
            (i, m)
            for i, t in enumerate(header)
            if (m := fmt.spend.match(" ".join(t.lower().split())))
        ]
        found["spend"] = spend[0][0] if spend else None
        self.index = found
        named = spend[0][1]["currency"] if spend else None
        self.header_currency = named.upper() if named else None
        self.finer = found["finer"] is not None
        missing = [
            label
            for label, present in (
                ("the campaign name", found["campaign"] is not None),
                ("the day", found["day"] is not None or found["range_start"] is not None),
                ("the amount spent", found["spend"] is not None),
            )
            if not present
        ]
        if missing:
            titles = ", ".join(f"'{title}'" for title in header)
            platform = fmt.platform.value.capitalize()
            raise ValidationError(
                "file",
                f"this is not a {platform} export with a daily breakdown: it has no column for "
                f"{' or '.join(missing)} (its columns: {titles}); export the campaigns "
                "report by day, or choose the other platform",
            )

    def described(self, header: tuple[str, ...]) -> list[tuple[str, str]]:
        """(field, the column it is read from) for the dialog's mapping page."""
        labels = {
            "campaign": "Campaign",
            "day": "Day",
            "range_start": "Day (reporting starts)",
            "spend": "Spend",
            "impressions": "Impressions",
            "clicks": "Clicks",
            "leads": "Leads",
            "revenue": "Revenue",
            "currency": "Currency",
        }
        return [
            (label, header[index] if (index := self.index[name]) is not None else "—")
            for name, label in labels.items()
            if name != "range_start" or self.index["day"] is None
        ]


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


class AdRowReader:
    """Checks the rows of one export; number and date formats are decided once, here."""

    def __init__(self, table: CsvTable, platform: AdPlatform, today: dt.date) -> None:
        self.table = table
        self.columns = AdColumns(table, FORMATS[platform])
        self.today = today
        idx = self.columns.index
        comma = table.delimiter == ";"
        self.numbers: dict[str, NumberFormat] = {
            name: detect_number_format(table.column(i), prefer_decimal_comma=comma)
            for name in (*AMOUNTS, *COUNTS)
            if (i := idx[name]) is not None
        }
        day_index = idx["day"] if idx["day"] is not None else idx["range_start"]
        assert day_index is not None
        values = list(table.column(day_index))
        if idx["day"] is None and idx["range_end"] is not None:
            values += list(table.column(idx["range_end"]))
        self.date_format: DateFormat | None = detect_date_format(values, prefer_day_first=comma)
        self.currencies = {
            code.strip().upper()
            for code in (table.column(idx["currency"]) if idx["currency"] is not None else ())
            if code.strip() and code.strip() != "--"
        }

    def header(self, name: str) -> str:
        index = self.columns.index[name]
        return "" if index is None else self.table.header[index]

    def read(self, row: int, cells: list[str]) -> tuple[AdDay | None, list[Problem]]:
        idx = self.columns.index
        problems: list[Problem] = []
        values: dict[str, Any] = {}

        def check(name: str, fn: Callable[[str], Any]) -> None:
            try:
                values[name] = fn(_cell(cells, idx[name]))
            except (ValidationError, ValueError) as exc:
                text = exc.problem if isinstance(exc, ValidationError) else str(exc)
                problems.append(Problem(row, self.header(name), text))

        check("campaign", lambda t: clean_text("campaign", t, max_length=300, required=True))
        if idx["day"] is not None:
            check("day", self._day)
        else:
            check("range_start", lambda t: self._range(t, _cell(cells, idx["range_end"])))
            values["day"] = values.pop("range_start", None)
        for name in AMOUNTS:
            check(name, lambda t, n=name: self._amount(n, t))
        for name in COUNTS:
            check(name, lambda t, n=name: self._count(n, t))
        if problems:
            return None, problems
        if values["clicks"] > values["impressions"]:
            message = (
                f"{values['clicks']:,} clicks is more than the {values['impressions']:,} "
                "impressions; an ad cannot be clicked more often than it was shown"
            )
            return None, [Problem(row, self.header("clicks"), message)]
        return AdDay(row, values.pop("campaign"), **values), []

    def _day(self, text: str) -> dt.date:
        if self.date_format is None:
            raise ValidationError("day", f"'{text}' is not a date")
        parsed = self.date_format.parse(text)
        if parsed is None:
            raise ValidationError("day", "is empty; each row needs its day")
        day = parsed.date() if isinstance(parsed, dt.datetime) else parsed
        if day > self.today:
            raise ValidationError("day", f"{day.isoformat()} is in the future")
        return day

    def _range(self, start: str, end: str) -> dt.date:
        first, last = self._day(start), self._day(end or start)
        if first != last:
            raise ValidationError(
                "day",
                f"covers {first.isoformat()} to {last.isoformat()}; export with a daily "
                "breakdown (Breakdown → By time → Day)",
            )
        return first

    def _number(self, name: str, text: str) -> Decimal:
        parsed = parse_number(text, self.numbers[name]) if name in self.numbers else None
        if parsed is None:
            return Decimal(0)
        if parsed.currency and len(parsed.currency) == 3:
            self.currencies.add(parsed.currency.upper())
        return parsed.value

    def _amount(self, name: str, text: str) -> Decimal:
        maximum = MAX_DAILY_SPEND if name == "spend" else MAX_DAILY_SPEND * 100
        return parse_money(
            to_money(self._number(name, text)), name, allow_zero=True, maximum=maximum
        )

    def _count(self, name: str, text: str) -> int:
        value = self._number(name, text)
        if name != "leads" and value != value.to_integral_value():
            raise ValidationError(name, f"'{text.strip()}' is not a whole number")
        whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return check_count(whole, name, maximum=MAX_AD_COUNT)
