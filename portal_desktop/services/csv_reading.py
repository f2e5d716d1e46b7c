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

Files are streamed, never held whole: reading a file checks it in one pass (its encoding,
its header, how many records it has) and keeps only that; ``CsvTable.records`` reads the
file again each time it is walked. A header over :data:`MAX_COLUMNS` columns or
:data:`MAX_HEADER_CHARS` characters, a line over :data:`MAX_LINE_CHARS` characters and a
cell over the ``csv`` module's field limit are refused on their row at once; so is a quote
that is never closed (with the line where it opened).

Numbers and dates are read per column (:mod:`.csv_values`), their format decided once from
all the column's values, never guessed row by row.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from portal_desktop.errors import PortalError

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
SNIFF_RECORDS = 200
SNIFF_CHARS = 256 * 1024
TITLE_RECORDS = 20  # title lines above a header: a report's name, its date range…
MAX_COLUMNS = 1_000
MAX_HEADER_CHARS = 64 * 1024
MAX_LINE_CHARS = 1024 * 1024
CHUNK_BYTES = 1024 * 1024
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
_TOTALS = re.compile(r"^\s*(?:grand\s+|sub)?totals?\s*(?::.*)?$", re.IGNORECASE)
_ESCAPED = re.compile(r"^'[=+\-@\t\r]")

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


# --- bytes to text --------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)
_GUESSES = (("utf-8", "UTF-8"), ("cp1252", "Windows-1252"))


@dataclass(frozen=True)
class _Encoding:
    codec: str
    name: str
    skip: int  # bytes of a BOM
    strict: bool  # a BOM (or UTF-16's NULs) said it: bad bytes are an error, not a guess


def _encoding_of(head: bytes) -> _Encoding | None:
    """The encoding the file's first bytes say (a BOM, UTF-16's NULs); None: guess."""
    for bom, codec, name in _BOMS:
        if head.startswith(bom):
            return _Encoding(codec, name, len(bom), True)
    bomless = _bomless_utf16(head)
    if bomless is not None:
        return _Encoding(*bomless, 0, True)
    return None


def _fits(open_binary: Callable[[], BinaryIO], encoding: _Encoding) -> bool:
    """Whether the whole file decodes (read a chunk at a time); a strict encoding that does
    not raises :class:`CsvError` on the row of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding.codec)()
    rows = 1
    with open_binary() as stream:
        stream.seek(encoding.skip)
        while True:
            chunk = stream.read(CHUNK_BYTES)
            try:
                rows += decoder.decode(chunk, final=not chunk).count("\n")
            except UnicodeDecodeError as exc:
                if not encoding.strict:
                    return False
                rows += chunk[: exc.start].decode(encoding.codec, errors="replace").count("\n")
                raise CsvError(
                    rows,
                    f"the file says it is {encoding.name} but holds bytes that are not "
                    f"({exc.reason}); save it again as CSV UTF-8 from the spreadsheet app",
                ) from None
            if not chunk:
                return True


def _choose_encoding(open_binary: Callable[[], BinaryIO]) -> _Encoding:
    with open_binary() as stream:
        head = stream.read(4096)
    said = _encoding_of(head)
    if said is not None:
        _fits(open_binary, said)
        return said
    for codec, name in _GUESSES:
        guess = _Encoding(codec, name, 0, False)
        if _fits(open_binary, guess):
            return guess
    return _Encoding("latin-1", "Latin-1", 0, False)


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the name of the encoding it was read with."""
    encoding = _choose_encoding(lambda: io.BytesIO(data))
    return data[encoding.skip :].decode(encoding.codec), encoding.name


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


class _LineTooLongError(Exception):
    pass


class _Lines:
    """The file's lines for ``csv.reader``, each at most ``limit`` characters long (a longer
    one is never read whole); keeps the lines of the record being read."""

    def __init__(self, stream: TextIO, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.number = 0
        self.current: list[str] = []
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline(self.limit + 1)
        if not line:
            self.ended = True
            raise StopIteration
        if len(line) > self.limit and not line.endswith(("\n", "\r")):
            raise _LineTooLongError
        self.number += 1
        self.current.append(line)
        return line


def _opening_quote(text: str, delimiter: str) -> int:
    """Where the quote that is never closed opens in a record's text."""
    opened, quoted, at_start, index = 0, False, True, 0
    while index < len(text):
        char = text[index]
        if quoted:
            if char == '"':
                if text[index + 1 : index + 2] == '"':
                    index += 1
                else:
                    quoted = False
        elif char == '"' and at_start:
            quoted, opened = True, index
        at_start = not quoted and char in (delimiter, "\n", "\r")
        index += 1
    return opened


def _records(stream: TextIO, delimiter: str, first_row: int) -> Iterator[Record]:
    """Non-empty records with their row numbers; escaped cells unescaped. A record whose
    line, header or cell is too long, or whose quote is never closed, is refused."""
    lines = _Lines(stream, MAX_HEADER_CHARS)
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    row = first_row - 1
    header_seen = False
    while True:
        row += 1
        start_line = lines.number + 1
        lines.current.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _LineTooLongError:
            raise CsvError(row, _too_long(header_seen)) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise CsvError(row, _unclosed(lines, start_line, delimiter, True)) from None
            raise CsvError(row, f"cannot be split into cells ({exc})") from None
        if lines.ended:  # csv.reader only reads past the end inside a quoted cell
            raise CsvError(row, _unclosed(lines, start_line, delimiter, False))
        joined = "".join(cells)
        if not joined.strip():
            continue
        if not header_seen and _filled(cells) > 1:
            header_seen = True
            if len(cells) > MAX_COLUMNS:
                raise CsvError(
                    row,
                    f"the header has {len(cells):,} columns; {limits_text()} — is this the "
                    "right file?",
                )
            lines.limit = MAX_LINE_CHARS
        if "'" in joined:
            cells = [cell[1:] if _ESCAPED.match(cell) else cell for cell in cells]
        yield row, cells


def _too_long(header_seen: bool) -> str:
    what = "a line" if header_seen else "the header"
    most = MAX_LINE_CHARS if header_seen else MAX_HEADER_CHARS
    return f"{what} is longer than {most:,} characters; {limits_text()} — is this the right file?"


def _unclosed(lines: _Lines, start_line: int, delimiter: str, cut: bool) -> str:
    text = "".join(lines.current)
    line = start_line + text[: _opening_quote(text, delimiter)].count("\n")
    size = f"a cell longer than {csv.field_size_limit():,} characters: " if cut else ""
    return (
        f"{size}the quote opened on line {line} of the file is never closed, so the rest of "
        f"the file would be one cell; close the quote (or remove it) on line {line}"
    )


# --- reading a file ---------------------------------------------------------------------------


class _TextSource:
    """Opens the file's text again and again: after its BOM and its ``sep=`` line."""

    def __init__(self, open_binary: Callable[[], BinaryIO], encoding: _Encoding) -> None:
        self.open_binary = open_binary
        self.encoding = encoding
        self.delimiter = ","
        self.skip_lines = 0

    def open(self) -> TextIO:
        binary = self.open_binary()
        binary.seek(self.encoding.skip)
        stream = io.TextIOWrapper(binary, encoding=self.encoding.codec, newline="")
        for _ in range(self.skip_lines):
            stream.readline(MAX_HEADER_CHARS)
        return stream

    def walk(self) -> Iterator[Record]:
        with self.open() as stream:
            yield from _records(stream, self.delimiter, 1 + self.skip_lines)


def read_csv(data: bytes) -> CsvTable:
    """Decode, split and check a CSV file held in memory (see :func:`read_csv_file`)."""
    return _read(lambda: io.BytesIO(data))


def read_csv_file(path: str | Path) -> CsvTable:
    """Check a CSV file on disk in one streaming pass; its records are read again from the
    file when walked. A :class:`CsvError` names the row of a problem."""
    return _read(lambda: open(path, "rb"))


def _read(open_binary: Callable[[], BinaryIO]) -> CsvTable:
    with open_binary() as stream:
        head = stream.read(8)
    if not head.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe") and _blank(open_binary):
        raise CsvError(1, "the file is empty; choose a CSV file with a header row and data")
    source = _TextSource(open_binary, _choose_encoding(open_binary))
    with source.open() as stream:
        sample = stream.read(SNIFF_CHARS + 1)
    first_line = sample.partition("\n")[0]
    sep = _SEP_LINE.match(first_line)
    if sep is not None:  # Excel's "sep=;" line
        source.delimiter, source.skip_lines = sep.group(1), 1
    else:
        source.delimiter = sniff_delimiter(sample)
    table = table_of(source.walk, source.encoding.name, source.delimiter)
    return table


def _blank(open_binary: Callable[[], BinaryIO]) -> bool:
    with open_binary() as stream:
        while chunk := stream.read(CHUNK_BYTES):
            if chunk.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
                return False
    return True


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
        if _filled(record[1]) > 1:
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
