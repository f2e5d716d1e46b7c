"""A file an import reads, as a table (pure: no database, no Qt): its header, its data
records with their spreadsheet row numbers, what was left out (title lines above the header,
totals rows at the end), and the limits a file must keep.

Row numbers are the spreadsheet's: every record of the file counts (title lines and empty
lines included, a quoted cell with line breaks is one row), the first one is row 1 — so the
first data row under a header on the first line is row 2. CSV files
(:mod:`.csv_reading`) and Excel workbooks (:mod:`.import_files`) both become a
:class:`CsvTable`.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from portal_desktop.errors import PortalError

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
TITLE_RECORDS = 20  # title lines above a header: a report's name, its date range…
MAX_COLUMNS = 1_000
MAX_HEADER_CHARS = 64 * 1024
MAX_LINE_CHARS = 1024 * 1024
_TOTALS = re.compile(r"^\s*(?:grand\s+|sub)?totals?\s*(?::.*)?$", re.IGNORECASE)

Record = tuple[int, list[str]]


def limits_text() -> str:
    """The limits a file must keep, for the messages that refuse one."""
    return (
        f"a header has at most {MAX_COLUMNS:,} columns and {MAX_HEADER_CHARS:,} characters, "
        f"a line at most {MAX_LINE_CHARS:,} characters and a cell at most "
        f"{csv.field_size_limit():,}"
    )


class CsvError(PortalError):
    """The file cannot be read as a table; ``row`` is where the problem is."""

    def __init__(self, row: int, problem: str) -> None:
        super().__init__(f"row {row}: {problem}")
        self.row = row
        self.problem = problem


class Records:
    """A table's data records, read from the file again each time they are walked: never
    all in memory. ``len()`` is known from the pass that read the file first."""

    def __init__(self, walk: Callable[[], Iterator[Record]], after: int, count: int) -> None:
        self._walk = walk
        self._after = after  # the header's row: data records come below it
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Record]:
        left = self._count
        if not left:
            return
        for record in self._walk():
            if record[0] <= self._after:
                continue
            yield record
            left -= 1
            if not left:
                return

    def __getitem__(self, index: int) -> Record:
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Iterable) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass
class CsvTable:
    """A checked file: its header and its data records with their row numbers."""

    header: tuple[str, ...]
    records: Records
    header_row: int
    encoding: str
    delimiter: str
    title_lines: tuple[str, ...] = ()
    dropped_totals: tuple[int, ...] = ()
    notes: list[str] = field(default_factory=list)
    kind: str = "CSV"

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    def column(self, index: int) -> Iterator[str]:
        """The cells of one column, one per data record ('' where a record is short)."""
        for _, cells in self.records:
            yield cells[index] if index < len(cells) else ""

    def find(self, *names: str) -> int | None:
        """The index of the first header among ``names`` (compared case- and space-blind)."""
        wanted = [normalize_header(name) for name in names]
        normalized = [normalize_header(title) for title in self.header]
        for name in wanted:
            if name in normalized:
                return normalized.index(name)
        return None

    def describe(self) -> str:
        """``1,204 rows, UTF-8, comma-separated`` for the dialog and the command line."""
        rows = len(self.records)
        text = f"{rows:,} row{'s' if rows != 1 else ''}, {self.encoding}"
        if self.kind != "CSV":
            return text
        return text + f", {self.delimiter_name}-separated"


def normalize_header(title: str) -> str:
    """``"E-mail Address "`` → ``"e mail address"``: lower case, words split on the rest."""
    return " ".join(re.sub(r"[^0-9a-z%]+", " ", title.lower()).split())


def table_of(
    walk: Callable[[], Iterator[Record]], encoding: str, delimiter: str, kind: str = "CSV"
) -> CsvTable:
    """The table of a file's records (``walk`` reads them from the start each time it is
    called): title lines, header, data records, totals rows at the end left out.

    The header is the first record with more than one filled cell among the first
    :data:`TITLE_RECORDS`; when none fills two, the first record is the header.
    """
    records = walk()
    pending: list[Record] = []
    header: Record | None = None
    for record in records:
        if filled_cells(record[1]) > 1:
            header = record
            break
        pending.append(record)
        if len(pending) > TITLE_RECORDS:
            break
    if header is None:
        if not pending:
            raise CsvError(1, "the file has no rows; choose a file with a header row and data")
        header, titles, body = pending[0], [], pending[1:]
    else:
        titles, body = pending, []
    count = 0
    totals: list[int] = []
    for row, cells in itertools.chain(body, records):
        count += 1
        if _is_totals(cells):
            totals.append(row)
        elif totals:
            totals.clear()
    row, cells = header
    return CsvTable(
        _header(cells),
        Records(walk, row, count - len(totals)),
        row,
        encoding,
        delimiter,
        tuple(" ".join(c.strip() for c in cells if c.strip()) for _, cells in titles),
        tuple(totals),
        kind=kind,
    )


def filled_cells(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell.strip())


def _header(cells: list[str]) -> tuple[str, ...]:
    """Header titles trimmed; an empty or repeated title becomes "Column N"."""
    titles: list[str] = []
    for number, cell in enumerate(cells, start=1):
        title = cell.strip().lstrip("\ufeff").strip()
        if not title or title in titles:
            title = f"Column {number}" if not title else f"{title} ({number})"
        titles.append(title)
    return tuple(titles)


def _is_totals(cells: list[str]) -> bool:
    firsts = [cell for cell in cells[:2] if cell.strip()]
    return bool(firsts) and _TOTALS.match(firsts[0]) is not None
