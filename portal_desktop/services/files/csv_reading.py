"""Reading CSV files as people really have them (pure: no database, no Qt).

* Bytes are decoded by their BOM, else by a guess (:mod:`.text_encoding`).
* The separator is the one of ``, ; TAB |`` that splits the first records into the most
  consistent number of cells (an Excel ``sep=;`` first line wins outright).
* Quoted cells may hold separators, quotes and line breaks. Empty lines are skipped.
* Title lines above the header (a Google Ads report name, its date range) are kept aside:
  the header is the first record with more than one filled cell.
* Totals rows at the end ("Total", "Totals", "Grand total", "Total: Account"…) are dropped.
* A cell that an export escaped against formula injection (``'=…``, ``'+…``, ``'-…``,
  ``'@…``) loses its apostrophe again.

The result is a :class:`~.csv_table.CsvTable`, whose row numbers are the spreadsheet's.

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

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from portal_desktop.services.files.csv_table import (
    MAX_COLUMNS,
    MAX_HEADER_CHARS,
    MAX_LINE_CHARS,
    CsvError,
    CsvTable,
    Record,
    filled_cells,
    limits_text,
    table_of,
)
from portal_desktop.services.files.text_encoding import CHUNK_BYTES, Encoding, choose_encoding

DELIMITERS = (",", ";", "\t", "|")
SNIFF_RECORDS = 200
SNIFF_CHARS = 256 * 1024
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
_ESCAPED = re.compile(r"^'[=+\-@\t\r]")

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
        if not header_seen and filled_cells(cells) > 1:
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

    def __init__(self, open_binary: Callable[[], BinaryIO], encoding: Encoding) -> None:
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
    source = _TextSource(open_binary, choose_encoding(open_binary))
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
