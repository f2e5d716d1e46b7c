"""Reading CSV files as people really have them (pure: no database, no Qt).

* Bytes are decoded by their BOM (UTF-8, UTF-16 LE/BE as Excel writes them), else as UTF-8,
  else as Windows-1252 (Excel's "CSV" on Western Windows), else Latin-1 (never fails).
* The separator is the one of ``, ; TAB |`` that splits the first records into the most
  consistent number of cells (an Excel ``sep=;`` first line wins outright).
* Quoted cells may hold separators, quotes and line breaks. Empty lines are skipped.
* Title lines above the header (a Google Ads report name, its date range) are kept aside:
  the header is the first record with more than one filled cell.
* Totals rows at the end ("Total", "Totals", "Grand total", "Total: Account"…) are dropped.
* A cell that an export escaped against formula injection (``'=…``, ``'+…``, ``'-…``,
  ``'@…``) loses its apostrophe again.

Row numbers are the spreadsheet's: every record of the file counts (title lines and empty
lines included, a quoted cell with line breaks is one row), the first one is row 1 — so the
first data row under a header on the first line is row 2.

Numbers and dates are read per column (:mod:`.csv_values`), their format decided once from
all the column's values, never guessed row by row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from portal_desktop.errors import PortalError

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
SNIFF_RECORDS = 200
SNIFF_CHARS = 256 * 1024
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
_TOTALS = re.compile(r"^\s*(?:grand\s+|sub)?totals?\s*(?::.*)?$", re.IGNORECASE)
_ESCAPED = re.compile(r"^'[=+\-@\t\r]")

Record = tuple[int, list[str]]


class CsvError(PortalError):
    """The file cannot be read as a table; ``row`` is where the problem is."""

    def __init__(self, row: int, problem: str) -> None:
        super().__init__(f"row {row}: {problem}")
        self.row = row
        self.problem = problem


@dataclass
class CsvTable:
    """A decoded, split file: its header and its data records with their row numbers."""

    header: tuple[str, ...]
    records: list[Record]
    header_row: int
    encoding: str
    delimiter: str
    title_lines: tuple[str, ...] = ()
    dropped_totals: tuple[int, ...] = ()
    notes: list[str] = field(default_factory=list)

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
        text = f"{rows:,} row{'s' if rows != 1 else ''}, {self.encoding}, "
        return text + f"{self.delimiter_name}-separated"


def normalize_header(title: str) -> str:
    """``"E-mail Address "`` → ``"e mail address"``: lower case, words split on the rest."""
    return " ".join(re.sub(r"[^0-9a-z%]+", " ", title.lower()).split())


# --- bytes to text --------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the name of the encoding it was read with."""
    for bom, codec, name in (
        (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
    ):
        if data.startswith(bom):
            return _strict(data[len(bom) :], codec, name), name
    bomless = _bomless_utf16(data)
    if bomless is not None:
        codec, name = bomless
        return _strict(data, codec, name), name
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM: plain text has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.6 and even.count(0) < len(even) * 0.1:
        return "utf-16-le", "UTF-16 LE"
    if even.count(0) > len(even) * 0.6 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be", "UTF-16 BE"
    return None


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        decoded = data[: exc.start].decode(codec, errors="replace")
        row = decoded.count("\n") + 1
        raise CsvError(
            row,
            f"the file says it is {name} but holds bytes that are not ({exc.reason}); "
            "save it again as CSV UTF-8 from the spreadsheet app",
        ) from None


# --- separators and records -----------------------------------------------------------------


def _split(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)


def sniff_delimiter(text: str) -> str:
    """The separator that splits the first records most consistently into the most cells."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS:  # do not judge a record cut in the middle
        sample = sample[: max(sample.rfind("\n"), 0)] or sample
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = []
        try:
            for cells in _split(sample, delimiter):
                if any(cell.strip() for cell in cells):
                    counts.append(len(cells))
                if len(counts) >= SNIFF_RECORDS:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        usual, seen = Counter(counts).most_common(1)[0]
        if usual < 2:
            continue
        score = (round(seen / len(counts), 1), usual)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(text: str, delimiter: str) -> Iterator[Record]:
    """Non-empty records with their row numbers; escaped cells unescaped."""
    reader = _split(text, delimiter)
    row = 0
    while True:
        row += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise CsvError(
                    row,
                    f"has a cell longer than {csv.field_size_limit():,} characters: a quote "
                    "is probably not closed (check the quotes on this row)",
                ) from None
            raise CsvError(row, f"cannot be split into cells ({exc})") from None
        joined = "".join(cells)
        if not joined.strip():
            continue
        if "'" in joined:
            cells = [cell[1:] if _ESCAPED.match(cell) else cell for cell in cells]
        yield row, cells


def read_csv(data: bytes) -> CsvTable:
    """Decode, split and clean a CSV file; a :class:`CsvError` names the row of a problem."""
    if not data.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise CsvError(1, "the file is empty; choose a CSV file with a header row and data")
    text, encoding = decode(data)
    first_line, _, rest = text.partition("\n")
    offset = 0
    sep = _SEP_LINE.match(first_line)
    if sep is not None:  # Excel's "sep=;" line
        delimiter, text, offset = sep.group(1), rest, 1
    else:
        delimiter = sniff_delimiter(text)
    records = list(_records(text, delimiter))
    if offset:
        records = [(row + offset, cells) for row, cells in records]
    if not records:
        raise CsvError(1, "the file has no rows; choose a CSV file with a header row and data")
    # Title lines (a report's name, its date range) fill one cell; a header fills several.
    start = next((i for i, (_, cells) in enumerate(records) if _filled(cells) > 1), 0)
    header_row, header_cells = records[start]
    titles = tuple(" ".join(c.strip() for c in cells if c.strip()) for _, cells in records[:start])
    header = _header(header_cells)
    body = records[start + 1 :]
    dropped: list[int] = []
    while body and _is_totals(body[-1][1]):
        dropped.insert(0, body.pop()[0])
    return CsvTable(header, body, header_row, encoding, delimiter, titles, tuple(dropped))


def _filled(cells: list[str]) -> int:
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
