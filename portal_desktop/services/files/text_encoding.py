"""The text of a file's bytes: decoded by its BOM (UTF-8, UTF-16 LE/BE as Excel writes them),
else as UTF-16 without a BOM (a NUL in every other byte), else as UTF-8, else as
Windows-1252 (Excel's "CSV" on Western Windows), else Latin-1 (never fails). The file is
read a chunk at a time, never whole."""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from portal_desktop.services.files.csv_table import CsvError

CHUNK_BYTES = 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)
_GUESSES = (("utf-8", "UTF-8"), ("cp1252", "Windows-1252"))


@dataclass(frozen=True)
class Encoding:
    codec: str
    name: str
    skip: int  # bytes of a BOM
    strict: bool  # a BOM (or UTF-16's NULs) said it: bad bytes are an error, not a guess


def _encoding_of(head: bytes) -> Encoding | None:
    """The encoding the file's first bytes say (a BOM, UTF-16's NULs); None: guess."""
    for bom, codec, name in _BOMS:
        if head.startswith(bom):
            return Encoding(codec, name, len(bom), True)
    bomless = _bomless_utf16(head)
    if bomless is not None:
        return Encoding(*bomless, 0, True)
    return None


def _fits(open_binary: Callable[[], BinaryIO], encoding: Encoding) -> bool:
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


def choose_encoding(open_binary: Callable[[], BinaryIO]) -> Encoding:
    with open_binary() as stream:
        head = stream.read(4096)
    said = _encoding_of(head)
    if said is not None:
        _fits(open_binary, said)
        return said
    for codec, name in _GUESSES:
        guess = Encoding(codec, name, 0, False)
        if _fits(open_binary, guess):
            return guess
    return Encoding("latin-1", "Latin-1", 0, False)


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the name of the encoding it was read with."""
    encoding = choose_encoding(lambda: io.BytesIO(data))
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
