"""`portal-desktop report kpis|leaderboard|receivables|commissions|campaigns`.

Each prints an aligned table, or with ``--json`` one JSON object (KPIS.md's format: money as
strings with two decimals, counts as integers, ratios as numbers or null). Dates are local
days of the installation's time zone, ``YYYY-MM-DD``; a bad one is an error naming the option.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from portal_desktop.commands.common import add_url_option, command_actor, current_session, read_only

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from portal_desktop.services.common.context import Actor
    from portal_desktop.services.reporting.kpi_team import Credited
    from portal_desktop.services.reporting.kpis import KpiReport, ReceivablesReport
    from portal_desktop.services.sales.commissions import CommissionReport

NULL = "—"


# --- plumbing -------------------------------------------------------------------------------


def _range(args: argparse.Namespace) -> tuple[dt.date, dt.date]:
    from portal_desktop.services.common.date_ranges import make_range, parse_date

    start = parse_date("--from", args.start)
    end = parse_date("--to", args.end)
    period = make_range(start, end, start_field="--from", end_field="--to")
    return period.start, period.end


def _print_json(value: dict[str, Any]) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, text_columns: int = 1) -> str:
    """Columns aligned: the first ``text_columns`` to the left, the others (numbers) right."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if index < text_columns else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def money(amount: Decimal | None) -> str:
    return NULL if amount is None else f"{amount:,.2f}"


def count(value: int) -> str:
    return f"{value:,}"


def percent(value: Decimal | None) -> str:
    return NULL if value is None else f"{value * 100:.1f} %"


def times(value: Decimal | None) -> str:
    return NULL if value is None else f"{value:.2f}x"


def _heading(title: str, start: dt.date, end: dt.date, currency: str, zone: str) -> str:
    return f"{title} {start.isoformat()} to {end.isoformat()} ({zone}, amounts in {currency})"


@dataclass(frozen=True)
class _RangedRows:
    """The rows of a report over ``--from``/``--to`` and the settings to present them."""

    start: dt.date
    end: dt.date
    rows: list[Any]
    currency: str
    time_zone: str

    def heading(self, title: str) -> str:
        return _heading(title, self.start, self.end, self.currency, self.time_zone)

    def print_json(self, key: str) -> None:
        """One JSON object: the range, currency, time zone and the rows under ``key``."""
        _print_json(
            {
                "from": self.start.isoformat(),
                "to": self.end.isoformat(),
                "currency": self.currency,
                "time_zone": self.time_zone,
                key: [row.to_json_dict() for row in self.rows],
            }
        )


def _read_ranged(
    args: argparse.Namespace, read: Callable[[Session, Actor, dt.date, dt.date], list[Any]]
) -> _RangedRows:
    """Run the report use case ``read`` over the range of ``args`` as the role of the URL
    (``command_actor``)."""
    from portal_desktop.services.accounts.settings import load_settings

    start, end = _range(args)
    with current_session(args) as session:
        rows = read(session, command_actor(session), start, end)
        settings = load_settings(session)
    return _RangedRows(start, end, rows, settings.currency, settings.time_zone)


# --- kpis -----------------------------------------------------------------------------------

_ROAS_KEYS = frozenset({"platform_roas", "cash_roas"})


def kpi_text(key: str, value: Any) -> str:
    """A KPI as the table shows it: counts, money, rates as %, ROAS as a multiple."""
    from portal_desktop.services.reporting.kpis import kpi_kind

    kind = kpi_kind(key)
    if kind == "count":
        return count(value)
    if kind == "ratio":
        return times(value) if key in _ROAS_KEYS else percent(value)
    return money(value)


def kpi_table(report: KpiReport) -> str:
    from portal_desktop.services.reporting.kpis import KPI_LABELS

    rows = [(KPI_LABELS[key], kpi_text(key, value)) for key, value in report.values().items()]
    heading = _heading("KPIs", report.start, report.end, report.currency, report.time_zone)
    return f"{heading}\n\n{table(('KPI', 'Value'), rows)}"


def _kpis(args: argparse.Namespace) -> int:
    from portal_desktop.services.reporting.kpis import kpi_report

    start, end = _range(args)
    with current_session(args) as session:
        report = kpi_report(session, command_actor(session), start, end)
    if args.json:
        _print_json(report.to_json_dict())
    else:
        print(kpi_table(report))
    return 0


# --- leaderboard ----------------------------------------------------------------------------

_CREDIT_HEADERS = ("Booked", "Held", "Show", "Offers", "Closes", "Close", "Revenue", "Cash")


def _credit_cells(credited: Credited) -> list[str]:
    calls = credited.calls
    return [
        count(calls.calls_booked),
        count(calls.calls_held),
        percent(calls.show_rate),
        count(calls.offers),
        count(calls.closes),
        percent(calls.close_rate),
        money(credited.contracted_revenue),
        money(credited.cash_collected),
    ]


def _leaderboard(args: argparse.Namespace) -> int:
    from portal_desktop.services.sales.team import leaderboard

    report = _read_ranged(args, leaderboard)
    if args.json:
        report.print_json("members")
        return 0
    print(report.heading("Leaderboard"))
    for title, pick in (
        ("As closer (host of the call, closer of the enrollment)", lambda r: r.as_closer),
        ("As setter", lambda r: r.as_setter),
    ):
        body = [[row.name, row.role.value, *_credit_cells(pick(row))] for row in report.rows]
        grid = table(("Member", "Role", *_CREDIT_HEADERS), body, text_columns=2)
        print(f"\n{title}\n{grid}")
    return 0


# --- receivables ----------------------------------------------------------------------------

_AGING_HEADERS = ("Receivables", "Not yet due", "1-30", "31-60", "61-90", "90+")


def receivables_table(report: ReceivablesReport) -> str:
    def cells(name: str, receivables: Any) -> list[str]:
        return [
            name,
            money(receivables.total),
            money(receivables.not_yet_due),
            money(receivables.overdue_1_30),
            money(receivables.overdue_31_60),
            money(receivables.overdue_61_90),
            money(receivables.overdue_90_plus),
        ]

    rows = [cells(row.program, row.receivables) for row in report.by_program]
    rows.append(cells("All programs", report.totals))
    heading = (
        f"Receivables as of the end of {report.as_of.isoformat()} (amounts in {report.currency};"
        " overdue by days past due)"
    )
    return f"{heading}\n\n{table(('Program', *_AGING_HEADERS), rows)}"


def _receivables(args: argparse.Namespace) -> int:
    from portal_desktop.services.billing.ledger import local_today
    from portal_desktop.services.common.date_ranges import parse_date
    from portal_desktop.services.reporting.kpis import receivables_report

    as_of = parse_date("--as-of", args.as_of) if args.as_of else None
    with current_session(args) as session:
        report = receivables_report(session, command_actor(session), as_of or local_today(session))
    if args.json:
        _print_json(report.to_json_dict())
    else:
        print(receivables_table(report))
    return 0


# --- commissions ----------------------------------------------------------------------------


def commissions_table(report: CommissionReport) -> str:
    headers = (
        "Member",
        "Role",
        "Closer cash",
        "Rate",
        "Setter cash",
        "Rate",
        "Earned",
        "Clawback",
        "Commission",
    )

    def rate(line: Any) -> str:
        mark = "*" if line.rate_is_override else " "
        return f"{line.rate * 100:.2f} %{mark}"

    rows = [
        [
            row.name,
            row.role.value,
            money(row.as_closer.cash.net),
            rate(row.as_closer),
            money(row.as_setter.cash.net),
            rate(row.as_setter),
            money(row.as_closer.earned + row.as_setter.earned),
            money(row.as_closer.clawback + row.as_setter.clawback),
            money(row.commission),
        ]
        for row in report.members
    ]
    totals = [money(report.earned), money(report.clawback), money(report.commission)]
    rows.append(["Total", "", "", "", "", "", *totals])
    heading = (
        f"Commissions {report.start.isoformat()} to {report.end.isoformat()} (amounts in "
        f"{report.currency}; cash net of refunds in the period; * = the member's own rate)"
    )
    return f"{heading}\n\n{table(headers, rows, text_columns=2)}"


def _commissions(args: argparse.Namespace) -> int:
    from portal_desktop.services.sales.commissions import commission_report

    start, end = _range(args)
    with current_session(args) as session:
        report = commission_report(session, command_actor(session), start, end)
    if args.json:
        _print_json(report.to_json_dict())
    else:
        print(commissions_table(report))
    return 0


# --- campaigns ------------------------------------------------------------------------------


def _campaigns(args: argparse.Namespace) -> int:
    from portal_desktop.services.marketing.campaigns import campaign_report

    report = _read_ranged(args, campaign_report)
    if args.json:
        report.print_json("campaigns")
        return 0
    headers = ("Campaign", "Platform", "Spend", "Platform rev.", "Platform ROAS")
    headers += ("Leads", "CPL", "Booked", "Cash", "Cash ROAS")
    rows = [
        [
            result.name,
            result.platform.value,
            money(result.ads.spend),
            money(result.ads.revenue),
            times(result.platform_roas),
            count(result.leads),
            money(result.cpl),
            count(result.calls_booked),
            money(result.cash.net),
            times(result.cash_roas),
        ]
        for result in report.rows
    ]
    print(report.heading("Campaigns"))
    print(f"\n{table(headers, rows, text_columns=2)}")
    return 0


# --- registration ---------------------------------------------------------------------------


def _add(
    actions: Any,
    name: str,
    help_text: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    dated: bool = True,
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
    add_url_option(parser)
    if dated:
        parser.add_argument(
            "--from", dest="start", required=True, metavar="YYYY-MM-DD", help="first day"
        )
        parser.add_argument(
            "--to", dest="end", required=True, metavar="YYYY-MM-DD", help="last day (included)"
        )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=read_only(handler))
    return parser


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report", help="print KPIs, the leaderboard, receivables, commissions or campaigns"
    )
    actions = report.add_subparsers(title="reports", metavar="REPORT", required=True)
    _add(actions, "kpis", "every KPI of KPIS.md over a range of local days", _kpis)
    _add(actions, "leaderboard", "each team member's numbers as closer and setter", _leaderboard)
    receivables = _add(
        actions,
        "receivables",
        "what students still owe, by days past due",
        _receivables,
        dated=False,
    )
    receivables.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="the day to look from (default: today)"
    )
    _add(actions, "commissions", "commission per member on net cash collected", _commissions)
    _add(actions, "campaigns", "ad spend and ROAS per campaign, claimed and in cash", _campaigns)
