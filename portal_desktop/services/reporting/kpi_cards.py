"""The dashboard's KPI cards: this range's figure against the previous period's, with the
definition from KPIS.md as the card's tooltip."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from portal_desktop.package_data import resource
from portal_desktop.services.reporting.chart_model import Card, Number
from portal_desktop.services.reporting.kpis import KpiReport

KPIS_FILE = resource("KPIS.md")  # inside the installed package, or the checkout's resources/

# A copy of KPIS.md's table for the card keys, used when resources/KPIS.md is absent.
FALLBACK_DEFINITIONS: dict[str, str] = {
    "calls_booked": "sales calls scheduled in the range, except outcome CANCELLED or RESCHEDULED",
    "calls_held": "of `calls_booked`, those with an outcome other than NO_SHOW (a held call)",
    "show_rate": "`calls_held / (calls_held + no_shows)` — calls still pending do not count",
    "close_rate": "`closes / calls_held`",
    "contracted_revenue": "sum of `contract_value` of those enrollments",
    "enrollments": "enrollments whose start date is in the range (any status)",
    "cash_collected": (
        "net cash: the amounts of payments received (status PAID, or REFUNDED — a refunded "
        "payment was received first) with `paid_at` in the range, minus `refunded_amount` of "
        "payments with `refunded_at` in the range. A full refund sets the status REFUNDED; a "
        "partial refund keeps PAID and sets `refunded_amount`"
    ),
    "cash_roas": "`attributed_cash / ad_spend` — what the ads really brought in cash",
    "receivables": (
        "as of `to`: over the installments of enrollments that started on or before `to` and "
        "are not CANCELLED, the sum of each installment's unpaid balance — its amount minus "
        "the PAID payments linked to it with `paid_at` on or before `to`, never below 0"
    ),
    "overdue_1_30": (
        "the part of `receivables` whose installment's due date is before `to`, by days past "
        "due (`to \u2212 due_date`): 1\u201330, 31\u201360, 61\u201390, over 90. The grace period "
        "does not "
        "change aging"
    ),
}
_ROW = re.compile(r"^\|\s*(?P<keys>`[^|]+`)\s*\|\s*(?P<text>.+?)\s*\|\s*$")


def kpi_definitions(path: Path = KPIS_FILE) -> dict[str, str]:
    """KPI key → definition, parsed from KPIS.md's table; the built-in copy if it is absent."""
    definitions = dict(FALLBACK_DEFINITIONS)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return definitions
    for line in text.splitlines():
        match = _ROW.match(line)
        if match:
            for key in re.findall(r"`([a-z0-9_]+)`", match["keys"]):
                definitions[key] = match["text"]
    return definitions


def _plain(text: str) -> str:
    return text.replace("`", "")


CARD_KEYS: tuple[tuple[str, str, str], ...] = (
    ("cash_collected", "Cash collected", "money"),
    ("contracted_revenue", "Contracted revenue", "money"),
    ("cash_roas", "Cash ROAS", "ratio_x"),
    ("show_rate", "Show rate", "ratio"),
    ("close_rate", "Close rate", "ratio"),
    ("receivables_overdue", "Receivables overdue", "money"),
)
OVERDUE_KEYS = ("overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_90_plus")


def card_value(report: KpiReport, key: str) -> Number:
    if key == "receivables_overdue":
        return sum((getattr(report, part) for part in OVERDUE_KEYS), Decimal("0.00"))
    value: Number = getattr(report, key)
    return value


def kpi_cards(report: KpiReport, previous: KpiReport) -> list[Card]:
    definitions = kpi_definitions()
    overdue = (
        "the receivables past their due date as of the range's last day: "
        + _plain(definitions["receivables"])
        + ". Aging: "
        + _plain(definitions["overdue_1_30"])
    )
    return [
        Card(
            key,
            label,
            unit,
            card_value(report, key),
            card_value(previous, key),
            overdue if key == "receivables_overdue" else _plain(definitions[key]),
        )
        for key, label, unit in CARD_KEYS
    ]
