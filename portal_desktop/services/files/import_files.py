"""The files an import reads: CSV (services.files.csv_reading) and Excel workbooks (.xlsx), both as
a :class:`~portal_desktop.services.files.csv_table.CsvTable` streamed from the disk (pure: no
database, no Qt).

A workbook is read with openpyxl's read-only mode, one row at a time, from its first sheet
or the one named. Cells typed by Excel keep their type: a date or date-time cell becomes
its ISO text (``2025-03-05``, ``2025-03-05 14:30:00``, read back as exactly that day and
time, local time as for a CSV), a number its plain digits (``15551234567``, ``12.5``), a
yes/no cell ``TRUE``/``FALSE``; nothing is guessed from how a spreadsheet would show it.
Title rows, header, totals rows and row numbers follow the CSV rules (the sheet's own row
numbers).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal_desktop.errors import PortalError
from portal_desktop.services.files.csv_reading import read_csv_file
from portal_desktop.services.files.csv_table import (
    MAX_COLUMNS,
    CsvError,
    CsvTable,
    Record,
    limits_text,
    table_of,
)

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
WORKBOOK = "Excel workbook"


def is_workbook(path: str | Path) -> bool:
    return str(path).lower().endswith(EXCEL_SUFFIXES)


def read_table(path: str | Path, sheet: str | None = None) -> CsvTable:
    """A CSV file or a workbook's sheet (the first one unless ``sheet`` names one), checked
    in one streaming pass. :class:`CsvError` names the row of a problem; ``PortalError``
    says why the file cannot be opened."""
    if not is_workbook(path):
        if sheet:
            raise PortalError(f"{Path(path).name} is a CSV file; --sheet is for .xlsx workbooks")
        try:
            return read_csv_file(path)
        except OSError as exc:
            raise PortalError(f"cannot read {path}: {exc.strerror or exc}") from None
    chosen = _sheet_name(path, sheet)

    def walk() -> Iterator[Record]:
        return _rows(path, chosen)

    table = table_of(walk, f"{WORKBOOK}, sheet '{chosen}'", "", kind="Excel")
    return table


def _open(path: str | Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise PortalError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PortalError(
            f"{Path(path).name} is not an Excel workbook that can be read ({exc}); save it "
            "again as .xlsx from the spreadsheet app, or as CSV"
        ) from None


def _sheet_name(path: str | Path, sheet: str | None) -> str:
    book = _open(path)
    try:
        names = list(book.sheetnames)
    finally:
        book.close()
    if not names:
        raise CsvError(1, "the workbook has no sheets")
    if sheet is None:
        return names[0]
    for name in names:
        if name.strip().lower() == sheet.strip().lower():
            return name
    listed = ", ".join(f"'{name}'" for name in names)
    raise PortalError(f"the workbook has no sheet '{sheet}'; it has {listed}")


def _rows(path: str | Path, sheet: str) -> Iterator[Record]:
    book = _open(path)
    try:
        rows = book[sheet].iter_rows(values_only=True)
        for number, values in enumerate(rows, start=1):
            if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
                raise CsvError(number, f"has {len(values):,} columns; {limits_text()}")
            cells = [cell_text(value) for value in values]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                yield number, cells
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """A typed cell as the text the import reads: dates in ISO, numbers in plain digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)
