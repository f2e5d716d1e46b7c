"""Exports: any list as filtered and sorted, and the reports, to CSV and Excel (.xlsx).

Rows are streamed (``yield_per`` pages from the database, openpyxl's write-only workbook),
never the whole table in memory. Values keep their types: money as numbers (CSV: plain
``1234.50``, the currency in the header; xlsx: numbers with a currency format), dates as
dates, date-times in the installation's time zone, yes/no as booleans, enum words as stored
(``NEW``), so a file can be read back and filtered by scripts.

Formula injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading apostrophe in CSV (spreadsheet apps show it as text; the importers
take it off again) and is stored as a text cell in xlsx. Numbers are never escaped, so a
negative amount stays a number.

The command line's ``--where`` filters are :mod:`.export_where`'s.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop.db.query_spec import ColumnKind, ListQuery, ListSpec
from portal_desktop.errors import ValidationError
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.common.words import enum_label
from portal_desktop.services.files.import_common import Cancel, ProgressCallback, ProgressTracker

PAGE_ROWS = 2_000
CSV_DATETIME = "%Y-%m-%d %H:%M:%S"
_RISKY = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
K = ColumnKind

# Who may export which list (the lists of db/lists.py).
LIST_PERMISSIONS: dict[str, Permission] = {
    "pipeline": Permission.VIEW_LEADS,
    "sales_calls": Permission.EDIT_CALLS,
    "enrollments": Permission.VIEW_FINANCE,
    "payment_schedules": Permission.VIEW_FINANCE,
    "team": Permission.VIEW_REPORTS,
    "ad_performance": Permission.VIEW_REPORTS,
    "email_broadcasts": Permission.VIEW_REPORTS,
    "users": Permission.MANAGE_USERS,
    "programs": Permission.MANAGE_PROGRAMS,
    "audit_trail": Permission.VIEW_AUDIT,
}


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @classmethod
    def of(cls, path: str | Path) -> ExportFormat:
        """The format a file name asks for (.xlsx, anything else CSV)."""
        return cls.XLSX if str(path).lower().endswith(".xlsx") else cls.CSV


@dataclass(frozen=True)
class ExportColumn:
    title: str
    kind: ColumnKind = ColumnKind.TEXT
    width: int = 14


@dataclass(frozen=True)
class Typed:
    """A cell whose kind differs from its column's (a KPI table mixes counts and money)."""

    value: Any
    kind: ColumnKind


def escape_text(text: str) -> str:
    """Text that a spreadsheet app will not run as a formula (CSV)."""
    return f"'{text}" if text.startswith(_RISKY) else text


# --- sinks ----------------------------------------------------------------------------------


class Sink(Protocol):
    def row(self, values: Sequence[Any]) -> None: ...


class CsvSink:
    """UTF-8 with a BOM (Excel then reads accents right), comma-separated, CRLF."""

    def __init__(
        self, handle: Any, columns: Sequence[ExportColumn], currency: str, tz: Any
    ) -> None:
        self._writer = csv.writer(handle, lineterminator="\r\n")
        self._kinds = [column.kind for column in columns]
        self._tz = tz
        self._writer.writerow(
            escape_text(f"{c.title} ({currency})" if c.kind is K.MONEY else c.title)
            for c in columns
        )

    def row(self, values: Sequence[Any]) -> None:
        self._writer.writerow(
            [self._cell(kind, value) for kind, value in zip(self._kinds, values, strict=False)]
        )

    def _cell(self, kind: ColumnKind, value: Any) -> str:
        if isinstance(value, Typed):
            kind, value = value.kind, value.value
        if value is None:
            return ""
        if kind is K.MONEY:
            return f"{Decimal(value):.2f}"
        if kind in (K.NUMBER, K.PERCENT):
            return str(value)
        if kind is K.DATETIME and isinstance(value, dt.datetime):
            return value.astimezone(self._tz).strftime(CSV_DATETIME)
        if kind is K.DATE and isinstance(value, dt.date):
            return value.isoformat()
        if kind is K.BOOL:
            return "true" if value else "false"
        return escape_text(str(value))


class XlsxSink:
    """One sheet of a write-only workbook: typed cells, formats, a frozen header row."""

    def __init__(self, sheet: Any, columns: Sequence[ExportColumn], currency: str, tz: Any) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self._sheet, self._tz, self._cell_type = sheet, tz, WriteOnlyCell
        self._kinds = [column.kind for column in columns]
        self._formats = {
            K.MONEY: f"[${currency}] #,##0.00;-[${currency}] #,##0.00",
            K.NUMBER: "#,##0.##",
            K.PERCENT: "0.0%",
            K.DATE: "yyyy-mm-dd",
            K.DATETIME: "yyyy-mm-dd hh:mm",
        }
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(column.width, 8) + 2
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=_xml_text(column.title))
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        sheet.append(header)

    def row(self, values: Sequence[Any]) -> None:
        self._sheet.append(
            [self._cell(kind, value) for kind, value in zip(self._kinds, values, strict=False)]
        )

    def _cell(self, kind: ColumnKind, value: Any) -> Any:
        if isinstance(value, Typed):
            kind, value = value.kind, value.value
        if value is None:
            return None
        if kind in (K.MONEY, K.NUMBER, K.PERCENT, K.DATE, K.DATETIME):
            if kind is K.DATETIME and isinstance(value, dt.datetime):
                value = value.astimezone(self._tz).replace(tzinfo=None)
            cell = self._cell_type(self._sheet, value=value)
            cell.number_format = self._formats[kind]
            return cell
        if kind is K.BOOL:
            return bool(value)
        text = enum_label(str(value)) if kind is K.ENUM else str(value)  # as the list shows it
        cell = self._cell_type(self._sheet, value=_xml_text(text))
        cell.data_type = "s"  # never a formula, whatever it starts with
        return cell


def _xml_text(text: str) -> str:
    """Text without the control characters an xlsx file cannot hold."""
    return _ILLEGAL_XML.sub("", text)


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Export"


@contextmanager
def open_sink(
    path: str | Path,
    fmt: ExportFormat,
    title: str,
    columns: Sequence[ExportColumn],
    currency: str,
    tz: Any,
) -> Iterator[Sink]:
    """A sink writing one table to ``path``; the file is complete when the block ends, and
    removed when it ends with an error (never half a file)."""
    if fmt is ExportFormat.CSV:
        try:
            with open(path, "w", encoding="utf-8-sig", newline="") as handle:
                yield CsvSink(handle, columns, currency, tz)
        except BaseException:
            Path(path).unlink(missing_ok=True)
            raise
        return
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    try:
        yield XlsxSink(sheet, columns, currency, tz)
    except BaseException:  # cancelled or failed: nothing was written to ``path``
        _discard(sheet)
        raise
    workbook.save(path)


def _discard(sheet: Any) -> None:
    """Close a write-only sheet's rows and remove its temporary file (no half-written XML
    left for the garbage collector to finish on a closed file)."""
    with contextlib.suppress(Exception):
        sheet.close()
        sheet._writer.cleanup()


# --- lists ----------------------------------------------------------------------------------


def list_columns(spec: ListSpec) -> list[ExportColumn]:
    return [ExportColumn(c.title, c.kind, c.width) for c in spec.columns]


def _chosen_columns(spec: ListSpec, columns: Sequence[int] | None) -> list[int]:
    if columns is None:
        return list(range(len(spec.columns)))
    chosen = list(columns)
    if not chosen or any(not 0 <= i < len(spec.columns) for i in chosen):
        raise ValidationError("columns", f"choose columns 0 to {len(spec.columns) - 1} to export")
    return chosen


@use_case
def export_list(
    session: Session,
    actor: Actor,
    query: ListQuery,
    path: str | Path,
    fmt: ExportFormat | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: Cancel = None,
    columns: Sequence[int] | None = None,
) -> int:
    """Write the list's rows, as searched, filtered and sorted, to ``path``; the count.
    ``columns``: the indexes of the columns to write, in order (None: all; a screen passes the
    ones it shows, so hidden columns stay out)."""
    actor.require(LIST_PERMISSIONS.get(query.spec.name, Permission.VIEW_REPORTS))
    settings = load_settings(session)
    dialect = session.get_bind().dialect.name
    conditions = query.conditions(dialect)
    total = session.execute(query.count_statement(dialect)).scalar_one()
    chosen = _chosen_columns(query.spec, columns)
    statement = (
        select(*(query.spec.columns[i].expr.label(f"c{i}") for i in chosen))
        .select_from(query.spec.source)
        .where(*conditions)
        .order_by(*query.order_by(dialect))
    )
    tracker = ProgressTracker("exporting", total, progress, cancel)
    written = 0
    with open_sink(
        path,
        fmt or ExportFormat.of(path),
        query.spec.title,
        [list_columns(query.spec)[i] for i in chosen],
        settings.currency,
        settings.tz,
    ) as sink:
        result = session.execute(statement, execution_options={"yield_per": PAGE_ROWS})
        for page in result.partitions():
            tracker.step(written)
            for row in page:
                sink.row(row)
            written += len(page)
        tracker.step(written)  # inside: a cancel at the last step leaves no file either
    return written


def export_rows(
    rows: Iterable[Sequence[Any]],
    columns: Sequence[ExportColumn],
    path: str | Path,
    fmt: ExportFormat | None = None,
    *,
    title: str = "Export",
    currency: str = "USD",
    tz: Any = dt.UTC,
) -> int:
    """Write plain rows (a report's) to ``path``; the number written."""
    count = 0
    with open_sink(path, fmt or ExportFormat.of(path), title, columns, currency, tz) as sink:
        for row in rows:
            sink.row(row)
            count += 1
    return count
