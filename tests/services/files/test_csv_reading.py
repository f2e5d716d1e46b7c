"""Reading CSV files as people have them: encodings, separators, quotes, totals, numbers and
dates decided once per column (pure: no database)."""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal_desktop.services.files.csv_reading import read_csv, read_csv_file, sniff_delimiter
from portal_desktop.services.files.csv_table import MAX_COLUMNS, MAX_HEADER_CHARS, CsvError
from portal_desktop.services.files.csv_values import (
    DateKind,
    NumberFormat,
    detect_date_format,
    detect_number_format,
    parse_number,
    with_day_first,
)
from portal_desktop.services.files.text_encoding import decode

DATA = Path(__file__).resolve().parents[2] / "data"


def load(name: str):
    return read_csv((DATA / name).read_bytes())


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "Zoë".encode(), "UTF-8 with BOM"),
        (codecs.BOM_UTF16_LE + "Zoë".encode("utf-16-le"), "UTF-16 LE"),
        (codecs.BOM_UTF16_BE + "Zoë".encode("utf-16-be"), "UTF-16 BE"),
        ("Zoë,Ann".encode("utf-16-le"), "UTF-16 LE"),  # Excel without a BOM
        ("Zoë".encode(), "UTF-8"),
        ("Zoë €".encode("cp1252"), "Windows-1252"),
    ],
)
def test_decode_by_bom_then_utf8_then_windows_1252(data: bytes, encoding: str) -> None:
    text, found = decode(data)
    assert found == encoding
    assert text.startswith("Zoë")


def test_bytes_no_code_page_knows_fall_back_to_latin_1() -> None:
    assert decode(b"caf\xe9 \x81") == ("café \x81", "Latin-1")


def test_a_bom_that_lies_names_the_row_of_the_bad_bytes() -> None:
    data = codecs.BOM_UTF8 + b"email\r\na@example.com\r\nb\xff@example.com\r\n"
    with pytest.raises(CsvError) as caught:
        read_csv(data)
    assert caught.value.row == 3
    assert "UTF-8 with BOM" in caught.value.problem


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \r\n", b"\xff\xfe"])
def test_an_empty_file_is_refused_on_row_1(data: bytes) -> None:
    with pytest.raises(CsvError) as caught:
        read_csv(data)
    assert caught.value.row == 1
    assert "empty" in caught.value.problem


# --- the sample files -----------------------------------------------------------------------


def test_utf8_bom_comma_file() -> None:
    table = load("leads_utf8_bom_comma.csv")
    assert (table.encoding, table.delimiter, table.header_row) == ("UTF-8 with BOM", ",", 1)
    assert table.header[0] == "First Name"  # the BOM is not part of the first title
    assert [row for row, _ in table.records] == [2, 3, 4, 5]
    assert table.records[2][1][1] == "Smith, Jr."  # a quoted separator


def test_utf16_tab_file_from_excel() -> None:
    table = load("leads_excel_utf16le_tab.csv")
    assert (table.encoding, table.delimiter) == ("UTF-16 LE", "\t")
    assert table.header == ("Name", "Email", "Mobile", "Source", "Created")
    assert table.records[1][1][0] == "Jürgen Weiß"
    assert table.records[2][1][0] == "Nguyen, Thi"


def test_windows_1252_semicolon_file_with_comma_decimals() -> None:
    table = load("leads_cp1252_semicolon.csv")
    assert (table.encoding, table.delimiter) == ("Windows-1252", ";")
    assert table.records[0][1][:2] == ["François", "Müller"]
    values = list(table.column(table.find("Order value")))
    fmt = detect_number_format(values, prefer_decimal_comma=False)
    assert fmt == NumberFormat(",")
    assert [parse_number(v, fmt).value for v in values] == [
        Decimal("1234.50"),
        Decimal("980.00"),
        Decimal("12000.00"),
    ]
    assert parse_number(values[1], fmt).currency == "€"
    dates = detect_date_format(table.column(table.find("Created")), prefer_day_first=False)
    assert dates.kind is DateKind.DMY and not dates.ambiguous  # 25/02/2025 tells


def test_multiline_notes_empty_lines_and_a_totals_row() -> None:
    table = load("leads_multiline_notes_totals.csv")
    # Row numbers as a spreadsheet shows them: the quoted note is one row, empty lines count.
    assert [row for row, _ in table.records] == [2, 4, 5]
    assert (
        table.records[0][1][4] == "Asked about the payment plan.\nCall back on Friday, after 3 pm."
    )
    assert table.records[1][1][4] == 'Said: "send me the brochure"'
    assert table.dropped_totals == (8,)


def test_google_report_title_lines_and_totals_rows() -> None:
    table = load("google_ads_campaign_report.csv")
    assert table.title_lines == ("Campaign performance report", "March 1, 2025 - March 3, 2025")
    assert table.header_row == 3
    assert table.header[:2] == ("Campaign", "Day")
    assert [row for row, _ in table.records] == [4, 5, 6, 7, 8]
    assert table.dropped_totals == (9, 10, 11)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1,5;2,5;3\n", ";"),
        ("a\tb\n1,234.50\t2\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('name;note\n"Lee; Ann";"a, b, c"\n', ";"),
    ],
)
def test_sniff_the_separator(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_excel_sep_line_wins() -> None:
    table = read_csv(b"sep=;\r\nname;email\r\nAnn, Lee;ann@example.com\r\n")
    assert table.delimiter == ";"
    assert table.header == ("name", "email")
    assert table.records == [(3, ["Ann, Lee", "ann@example.com"])]


def test_escaped_cells_lose_their_apostrophe_other_apostrophes_stay() -> None:
    table = read_csv(b"a,b,c\n'+15551234567,'=1+2,O'Neil\n")
    assert table.records[0][1] == ["+15551234567", "=1+2", "O'Neil"]


def test_blank_and_repeated_titles_get_a_name() -> None:
    table = read_csv(b"email,,email\nx,y,z\n")
    assert table.header == ("email", "Column 2", "email (3)")


def test_an_unclosed_quote_swallowing_the_file_names_its_row() -> None:
    data = b'name,note\nAnn,"never closed\n' + b"x" * 200_000 + b"\n"
    with pytest.raises(CsvError) as caught:
        read_csv(data)
    assert caught.value.row == 2
    assert "quote" in caught.value.problem


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("1,234.50", ".", "1234.50"),
        ("$1,234.50", ".", "1234.50"),
        ("1.234,50", ",", "1234.50"),
        ("€1.234,50", ",", "1234.50"),
        ("1 234,50", ",", "1234.50"),
        ("(12.00)", ".", "-12.00"),
        ("-12.00", ".", "-12.00"),
        ("12.00-", ".", "-12.00"),
        ("USD 99", ".", "99"),
        ("12.5%", ".", "0.125"),
        ("0,5", ",", "0.5"),
    ],
)
def test_parse_numbers(text: str, decimal: str, value: str) -> None:
    assert parse_number(text, NumberFormat(decimal)).value == Decimal(value)


@pytest.mark.parametrize("text", ["", "  ", "--", " -- "])
def test_platform_blanks_are_no_number(text: str) -> None:
    assert parse_number(text, NumberFormat(".")) is None


@pytest.mark.parametrize("text", ["12,5", "1.2.3", "abc", "1,23,4.5", "--5-"])
def test_numbers_not_in_the_columns_format_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not"):
        parse_number(text, NumberFormat("."))


@pytest.mark.parametrize(
    ("values", "comma_file", "decimal"),
    [
        (["1,234.50", "12"], False, "."),
        (["1.234,50", "12"], False, ","),
        (["1,234", "2,000"], False, "."),  # undecided: a comma file would say decimal comma
        (["1,234", "2,000"], True, ","),
        (["1,234", "0,5"], False, ","),  # "0,5" decides
        (["1.000.000", "5"], False, ","),
    ],
)
def test_the_decimal_mark_is_decided_by_the_whole_column(
    values: list[str], comma_file: bool, decimal: str
) -> None:
    assert detect_number_format(values, prefer_decimal_comma=comma_file).decimal == decimal


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "kind", "parsed"),
    [
        (["03/05/2025", "03/25/2025"], DateKind.MDY, dt.date(2025, 3, 5)),
        (["05/03/2025", "25/03/2025"], DateKind.DMY, dt.date(2025, 3, 5)),
        (["2025/03/05"], DateKind.YMD, dt.date(2025, 3, 5)),
        (["Mar 5, 2025", "March 25th 2025"], DateKind.MONTH_NAME_FIRST, dt.date(2025, 3, 5)),
        (["5-Mar-2025", "05-Mar-25"], DateKind.DAY_MONTH_NAME, dt.date(2025, 3, 5)),
        (["5 Mar 2025"], DateKind.DAY_MONTH_NAME, dt.date(2025, 3, 5)),
        (["Wednesday, March 5, 2025"], DateKind.MONTH_NAME_FIRST, dt.date(2025, 3, 5)),
    ],
)
def test_date_formats(values: list[str], kind: DateKind, parsed: dt.date) -> None:
    fmt = detect_date_format(values, prefer_day_first=False)
    assert fmt.kind is kind
    assert fmt.parse(values[0]) == parsed


def test_times_offsets_and_12_hour_clocks() -> None:
    fmt = detect_date_format(["2025-03-05 14:30"], prefer_day_first=False)
    assert fmt.parse("2025-03-05 14:30") == dt.datetime(2025, 3, 5, 14, 30)
    assert fmt.parse("2025-03-05T14:30:05Z") == dt.datetime(2025, 3, 5, 14, 30, 5, tzinfo=dt.UTC)
    offset = dt.timezone(dt.timedelta(hours=-5))
    assert fmt.parse("2025-03-05T09:30:00-05:00") == dt.datetime(2025, 3, 5, 9, 30, tzinfo=offset)
    us = detect_date_format(["3/25/2025 2:30 PM"], prefer_day_first=False)
    assert us.parse("3/25/2025 2:30 PM") == dt.datetime(2025, 3, 25, 14, 30)
    assert us.parse("3/25/2025 12:05 am") == dt.datetime(2025, 3, 25, 0, 5)


def test_the_order_is_decided_once_for_the_column_not_row_by_row() -> None:
    values = ["01/02/2025", "03/04/2025", "13/04/2025"]
    fmt = detect_date_format(values, prefer_day_first=False)
    assert (fmt.kind, fmt.ambiguous) == (DateKind.DMY, False)
    # 01/02/2025 is read day-first like the rest, not as January 2.
    assert [fmt.parse(v) for v in values] == [
        dt.date(2025, 2, 1),
        dt.date(2025, 4, 3),
        dt.date(2025, 4, 13),
    ]


def test_an_undecidable_order_is_assumed_and_said_so() -> None:
    us = detect_date_format(["01/02/2025", "03/04/2025"], prefer_day_first=False)
    assert (us.kind, us.ambiguous) == (DateKind.MDY, True)
    assert "assumed" in us.describe()
    europe = detect_date_format(["01/02/2025"], prefer_day_first=True)
    assert europe.kind is DateKind.DMY
    dotted = detect_date_format(["01.02.2025"], prefer_day_first=False)
    assert dotted.kind is DateKind.DMY
    assert with_day_first(us, True).parse("01/02/2025") == dt.date(2025, 2, 1)


def test_values_of_another_format_are_refused_on_their_row() -> None:
    fmt = detect_date_format(["2025-03-01", "2025-03-02", "03/04/2025"], prefer_day_first=False)
    assert fmt.kind is DateKind.YMD
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        fmt.parse("03/04/2025")
    with pytest.raises(ValueError, match="not a real date"):
        fmt.parse("2025-02-30")
    assert fmt.parse("") is None


# --- never a crash --------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_a_table_or_a_csv_error(data: bytes) -> None:
    try:
        table = read_csv(data)
    except CsvError as exc:
        assert exc.row >= 1
        return
    assert all(row > table.header_row for row, _ in table.records)
    assert [row for row, _ in table.records] == sorted({row for row, _ in table.records})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=30))
def test_any_column_gives_a_format_or_none_and_parsing_only_raises_value_error(
    values: list[str],
) -> None:
    for prefer in (False, True):
        numbers = detect_number_format(values, prefer_decimal_comma=prefer)
        dates = detect_date_format(values, prefer_day_first=prefer)
        for value in values:
            with contextlib.suppress(ValueError):
                parse_number(value, numbers)
            if dates is not None:
                with contextlib.suppress(ValueError):
                    dates.parse(value)


# --- files that are not tables: refused on their line, fast ----------------------------------


def test_an_unclosed_quote_is_refused_with_the_line_where_it_opened() -> None:
    data = b'name,note\nAnn,ok\nBob,"never closed\nCid,x\nDan,y\n'
    with pytest.raises(CsvError) as caught:
        read_csv(data)
    assert caught.value.row == 3
    assert "quote opened on line 3" in caught.value.problem


def test_the_line_of_an_unclosed_quote_counts_the_line_breaks_of_cells_above() -> None:
    data = b'name,note\nAnn,"two\nlines"\nBob,fine,"open\nCid,x\n'
    with pytest.raises(CsvError) as caught:
        read_csv(data)
    assert caught.value.row == 3  # the third record…
    assert "line 4" in caught.value.problem  # …starts on the fourth line


def test_a_closed_quote_on_the_last_line_without_a_line_break_is_fine() -> None:
    table = read_csv(b'name,note\nAnn,"a ""quoted"" word"')
    assert table.records == [(2, ["Ann", 'a "quoted" word'])]


def test_a_header_of_too_many_columns_is_refused_with_the_limits() -> None:
    data = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 500)).encode() + b"\n1,2\n"
    with pytest.raises(CsvError) as caught:
        read_csv(data)
    assert caught.value.row == 1
    assert f"{MAX_COLUMNS + 500:,} columns" in caught.value.problem
    assert f"at most {MAX_COLUMNS:,} columns" in caught.value.problem


def test_a_huge_header_line_is_refused_fast_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    with path.open("wb") as out:  # 20 MB: a header of about 7 million columns
        out.write(b"email,name" + b",x" * 10_000_000 + b"\nann@example.com,Ann\n")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(CsvError) as caught:
            read_csv_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5
    assert peak < 16 * 1024 * 1024
    assert caught.value.row == 1
    assert f"longer than {MAX_HEADER_CHARS:,} characters" in caught.value.problem
    assert f"at most {MAX_COLUMNS:,} columns" in caught.value.problem


def test_a_file_is_read_again_from_the_disk_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(b"email,name\r\n" + b"".join(b"a%d@x.com,A\r\n" % n for n in range(3)))
    table = read_csv_file(path)
    assert len(table.records) == 3
    path.write_bytes(b"email,name\r\nb@x.com,B\r\nc@x.com,C\r\nd@x.com,D\r\n")
    assert [cells[0] for _, cells in table.records] == ["b@x.com", "c@x.com", "d@x.com"]
