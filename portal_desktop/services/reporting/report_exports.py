"""The reports as tables for CSV and Excel: KPIs, leaderboard, receivables, commissions, the
dunning list and the Marketing tab's campaigns table, each built from its own service (same
numbers as the screens and ``portal-desktop report``) and written by services.files.exports; and
:func:`list_spec`, the list an export of a list writes (db/lists.py's, as its screen shows it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from portal_desktop.db.lists import LISTS
from portal_desktop.db.marketing_queries import CAMPAIGN_COLUMNS
from portal_desktop.db.query_spec import ColumnKind, ListSpec
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.ledger import local_today
from portal_desktop.services.billing.receivables import MAX_PAGE, DunningRow, dunning_list
from portal_desktop.services.common.context import Actor
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.files.exports import ExportColumn, ExportFormat, Typed, export_rows
from portal_desktop.services.marketing.campaign_table import campaign_rows
from portal_desktop.services.reporting.kpi_team import Credited, LeaderboardRow
from portal_desktop.services.reporting.kpis import (
    KPI_LABELS,
    KpiReport,
    kpi_kind,
    kpi_report,
    receivables_report,
)
from portal_desktop.services.sales.commissions import (
    CommissionLine,
    CommissionReport,
    commission_report,
)
from portal_desktop.services.sales.team import leaderboard

K = ColumnKind
_ROAS = frozenset({"platform_roas", "cash_roas"})


class ReportName(StrEnum):
    KPIS = "kpis"
    LEADERBOARD = "leaderboard"
    RECEIVABLES = "receivables"
    COMMISSIONS = "commissions"
    DUNNING = "dunning"
    CAMPAIGNS = "campaigns"


def list_spec(session: Session, name: str, day: dt.date | None = None) -> ListSpec:
    """The list ``name`` as its screen shows it (db/lists.py); a dated one (Payment
    schedules) as of ``day``, default today in the installation's time zone, so an export's
    status and owed amounts are the screen's and the KPI report's for that day."""
    entry = LISTS[name]
    if not entry.dated:
        return entry.spec()
    return entry.spec(local_today(session, day, "day"), load_settings(session).tz)


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: tuple[ExportColumn, ...]
    rows: list[tuple[Any, ...]]


def _columns(*specs: tuple[str, ColumnKind] | str) -> tuple[ExportColumn, ...]:
    return tuple(
        ExportColumn(spec, K.TEXT, 24) if isinstance(spec, str) else ExportColumn(*spec)
        for spec in specs
    )


def kpi_table(report: KpiReport) -> ReportTable:
    """One KPI a row: its name, its key (KPIS.md) and its value, typed by kind."""
    rows: list[tuple[Any, ...]] = [
        ("From", "from", Typed(report.start, K.DATE)),
        ("To", "to", Typed(report.end, K.DATE)),
    ]
    for key, value in report.values().items():
        kind = {"count": K.NUMBER, "money": K.MONEY}.get(kpi_kind(key), K.PERCENT)
        if key in _ROAS:
            kind = K.NUMBER
        rows.append((KPI_LABELS[key], key, Typed(value, kind)))
    title = f"KPIs {report.start.isoformat()} to {report.end.isoformat()}"
    return ReportTable(title, _columns("KPI", ("Key", K.TEXT, 22), ("Value", K.TEXT, 16)), rows)


_CREDIT_COLUMNS = (
    ("calls booked", K.NUMBER),
    ("calls held", K.NUMBER),
    ("show rate", K.PERCENT),
    ("offers", K.NUMBER),
    ("closes", K.NUMBER),
    ("close rate", K.PERCENT),
    ("contracted revenue", K.MONEY),
    ("cash collected", K.MONEY),
)


def _credited(credit: Credited) -> tuple[Any, ...]:
    calls = credit.calls
    return (
        calls.calls_booked,
        calls.calls_held,
        calls.show_rate,
        calls.offers,
        calls.closes,
        calls.close_rate,
        credit.contracted_revenue,
        credit.cash_collected,
    )


def leaderboard_table(rows: Sequence[LeaderboardRow], start: dt.date, end: dt.date) -> ReportTable:
    columns = _columns(
        "Name",
        ("Role", K.ENUM, 10),
        ("Active", K.BOOL, 7),
        *((f"As closer: {title}", kind, 14) for title, kind in _CREDIT_COLUMNS),
        *((f"As setter: {title}", kind, 14) for title, kind in _CREDIT_COLUMNS),
    )
    table = [
        (row.name, row.role.value, row.active, *_credited(row.as_closer), *_credited(row.as_setter))
        for row in rows
    ]
    return ReportTable(f"Leaderboard {start.isoformat()} to {end.isoformat()}", columns, table)


_AGING = (
    ("Receivables", "total"),
    ("Not yet due", "not_yet_due"),
    ("Overdue 1-30", "overdue_1_30"),
    ("Overdue 31-60", "overdue_31_60"),
    ("Overdue 61-90", "overdue_61_90"),
    ("Overdue 90+", "overdue_90_plus"),
)


def receivables_table(session: Session, actor: Actor, as_of: dt.date) -> ReportTable:
    report = receivables_report(session, actor, as_of)
    columns = _columns("Program", *((title, K.MONEY, 14) for title, _ in _AGING))
    rows = [
        (row.program, *(getattr(row.receivables, name) for _, name in _AGING))
        for row in report.by_program
    ]
    rows.append(("Total", *(getattr(report.totals, name) for _, name in _AGING)))
    return ReportTable(f"Receivables as of {as_of.isoformat()}", columns, rows)


def _commission(line: CommissionLine) -> tuple[Any, ...]:
    return (line.cash.received, line.cash.refunds, line.rate, line.earned, line.clawback)


def commission_table(report: CommissionReport) -> ReportTable:
    parts = (
        ("cash received", K.MONEY),
        ("refunds", K.MONEY),
        ("rate", K.PERCENT),
        ("earned", K.MONEY),
        ("clawback", K.MONEY),
    )
    columns = _columns(
        "Name",
        ("Role", K.ENUM, 10),
        *((f"As closer: {title}", kind, 14) for title, kind in parts),
        *((f"As setter: {title}", kind, 14) for title, kind in parts),
        ("Commission", K.MONEY, 14),
    )
    rows = [
        (m.name, m.role.value, *_commission(m.as_closer), *_commission(m.as_setter), m.commission)
        for m in report.members
    ]
    blanks = (None,) * (len(columns) - 2)
    rows.append(("Total", *blanks, report.commission))
    title = f"Commissions {report.start.isoformat()} to {report.end.isoformat()}"
    return ReportTable(title, columns, rows)


def dunning_table(rows: Sequence[DunningRow], today: dt.date) -> ReportTable:
    columns = _columns(
        "Student",
        ("Email", K.TEXT, 28),
        ("Phone", K.TEXT, 16),
        ("Program", K.TEXT, 22),
        ("Installment", K.NUMBER, 10),
        ("Due date", K.DATE, 11),
        ("Days late", K.NUMBER, 9),
        ("Amount due", K.MONEY, 13),
        ("Failed attempts", K.NUMBER, 9),
        ("Last attempt", K.DATETIME, 16),
    )
    table = [
        (r.student_name, r.email, r.phone, r.program, r.sequence, r.due_date, r.days_late,
         r.amount_due, r.attempts, r.last_attempt_at)
        for r in rows
    ]  # fmt: skip
    return ReportTable(f"Dunning list {today.isoformat()}", columns, table)


def campaigns_table(session: Session, actor: Actor, start: dt.date, end: dt.date) -> ReportTable:
    """The Marketing tab's campaigns table: its columns and rows, in its default order."""
    columns = tuple(ExportColumn(*column) for column in CAMPAIGN_COLUMNS)
    rows = [row.values() for row in campaign_rows(session, actor, start, end)]
    return ReportTable(f"Campaigns {start.isoformat()} to {end.isoformat()}", columns, rows)


def _all_dunning(session: Session, actor: Actor, today: dt.date) -> list[DunningRow]:
    rows: list[DunningRow] = []
    while True:
        page = dunning_list(session, actor, today, limit=MAX_PAGE, offset=len(rows))
        rows.extend(page)
        if len(page) < MAX_PAGE:
            return rows


_BUILDERS: dict[ReportName, Callable[[Session, Actor, dt.date, dt.date], ReportTable]] = {
    ReportName.KPIS: lambda s, a, start, end: kpi_table(kpi_report(s, a, start, end)),
    ReportName.LEADERBOARD: lambda s, a, start, end: leaderboard_table(
        leaderboard(s, a, start, end), start, end
    ),
    ReportName.RECEIVABLES: lambda s, a, _start, end: receivables_table(s, a, end),
    ReportName.COMMISSIONS: lambda s, a, start, end: commission_table(
        commission_report(s, a, start, end)
    ),
    ReportName.DUNNING: lambda s, a, _start, end: dunning_table(_all_dunning(s, a, end), end),
    ReportName.CAMPAIGNS: campaigns_table,
}


@use_case
def report_table(
    session: Session, actor: Actor, name: ReportName | str, start: dt.date, end: dt.date
) -> ReportTable:
    """A report over ``start``…``end`` (receivables and dunning: as of ``end``)."""
    return _BUILDERS[ReportName(name)](session, actor, start, end)


@use_case
def export_report(
    session: Session,
    actor: Actor,
    name: ReportName | str,
    start: dt.date,
    end: dt.date,
    path: str | Path,
    fmt: ExportFormat | None = None,
) -> int:
    """Write a report to CSV or xlsx; the number of rows written."""
    table = report_table(session, actor, name, start, end)
    settings = load_settings(session)
    return export_rows(
        table.rows,
        table.columns,
        path,
        fmt,
        title=table.title,
        currency=settings.currency,
        tz=settings.tz,
    )
