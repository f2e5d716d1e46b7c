"""Exports: lists as filtered and sorted, reports, CSV and xlsx types, formula escaping,
``--where`` filters, and the round trip export → import → export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select

from portal_desktop.db.admin_queries import USERS
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.db.enrollments_queries import CALL_TO_CASH
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.query_spec import ColumnKind, SortOrder
from portal_desktop.errors import PermissionDeniedError, ValidationError
from portal_desktop.models import Lead
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.billing.receivables import dunning_list
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.csv_reading import read_csv
from portal_desktop.services.files.export_where import parse_where
from portal_desktop.services.files.exports import (
    ExportColumn,
    ExportFormat,
    escape_text,
    export_list,
    export_rows,
)
from portal_desktop.services.files.lead_import import import_leads
from portal_desktop.services.files.lead_mapping import guess_mapping
from portal_desktop.services.reporting.kpis import kpi_report
from portal_desktop.services.reporting.report_exports import export_report
from portal_desktop.services.sales.team import leaderboard
from tests.services.pipeline_data import MARKETING
from tests.services.reporting.test_kpis import _create_database, shared_world_fixture
from tests.test_report_cli import MARCH_JSON

_fixtures = (shared_world_fixture,)  # registers `shared_world`
DATA = Path(__file__).resolve().parents[2] / "data"
NY = dt.timezone(dt.timedelta(hours=-5))
K = ColumnKind


def add_leads(sessions, *rows: dict) -> None:
    with sessions() as session:
        for values in rows:
            session.add(Lead(**values))
        session.commit()


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, 1, day, hour, 30, 15, tzinfo=dt.UTC)


PEOPLE = (
    {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "phone": "+15551230001",
     "source": "facebook", "campaign": "Spring", "created_at": at(3)},
    {"first_name": "=HYPERLINK(\"http://x\")", "last_name": "", "email": "evil@example.com",
     "source": "-google", "created_at": at(4), "status": LeadStatus.CONTACTED},
    {"first_name": "Bo", "last_name": "van Dyke", "email": None, "phone": "+442079460958",
     "source": "@referral", "created_at": at(5, 23)},
    {"first_name": "Cy", "last_name": "Old", "email": "cy@example.com", "source": "organic",
     "created_at": at(1), "status": LeadStatus.LOST, "lost_reason": "price"},
)  # fmt: skip


def test_a_list_as_searched_filtered_and_sorted_to_csv(sessions, tmp_path) -> None:
    add_leads(sessions, *PEOPLE)
    query = (
        PIPELINE.query(search="o")  # Bo, Cy … and every email has an "o" in example.com
        .with_sort(SortOrder(0))  # by name (last, first)
        .with_filters(parse_where(PIPELINE, "status!=LOST", NY))
    )
    target = tmp_path / "pipeline.csv"
    with sessions() as session:
        written = export_list(session, SYSTEM, query, target)
    assert written == 3
    text = target.read_bytes().decode("utf-8")
    assert text == (
        "\ufeffName,Email,Phone,Status,Source,Campaign,Owner,Created\r\n"
        '"\'=HYPERLINK(""http://x"")",evil@example.com,,CONTACTED,\'-google,,,'
        "2025-01-04 05:30:15\r\n"
        "Ann Lee,ann@example.com,'+15551230001,NEW,facebook,Spring,,2025-01-03 05:30:15\r\n"
        "Bo van Dyke,,'+442079460958,NEW,'@referral,,,2025-01-05 18:30:15\r\n"
    )  # fmt: skip  (New York is UTC-5 in January; names sort by last name, "" first)


def test_a_list_to_xlsx_keeps_types_and_stores_formulas_as_text(sessions, tmp_path) -> None:
    add_leads(sessions, *PEOPLE)
    target = tmp_path / "pipeline.xlsx"
    with sessions() as session:
        export_list(session, SYSTEM, PIPELINE.query(), target)  # newest first
    sheet = load_workbook(target)["Pipeline"]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Email", "Phone", "Status", "Source", "Campaign", "Owner", "Created")
    assert [row[0] for row in rows[1:]] == ["Bo van Dyke", '=HYPERLINK("http://x")', "Ann Lee",
                                           "Cy Old"]  # fmt: skip
    assert rows[1][7] == dt.datetime(2025, 1, 5, 18, 30, 15)  # local time, a real date-time
    formula = sheet.cell(row=3, column=1)
    assert (formula.data_type, formula.value) == ("s", '=HYPERLINK("http://x")')
    assert sheet.cell(row=2, column=8).number_format == "yyyy-mm-dd hh:mm"
    assert sheet.cell(row=1, column=1).font.bold


def test_numbers_stay_numbers_and_risky_text_is_escaped(tmp_path) -> None:
    columns = [
        ExportColumn("Note"),
        ExportColumn("Amount", K.MONEY),
        ExportColumn("Count", K.NUMBER),
        ExportColumn("Day", K.DATE),
        ExportColumn("Ok", K.BOOL),
    ]
    rows = [
        ("-12.50", Decimal("-12.50"), -3, dt.date(2025, 3, 1), True),
        ("\tcmd", Decimal("1234.5"), 0, None, False),
        ("@SUM(A1)", None, None, None, None),
    ]
    csv_path, xlsx_path = tmp_path / "r.csv", tmp_path / "r.xlsx"
    export_rows(rows, columns, csv_path, currency="EUR")
    assert csv_path.read_text(encoding="utf-8-sig").splitlines() == [
        "Note,Amount (EUR),Count,Day,Ok",
        "'-12.50,-12.50,-3,2025-03-01,true",
        "'\tcmd,1234.50,0,,false",
        "'@SUM(A1),,,,",
    ]
    export_rows(rows, columns, xlsx_path, currency="EUR")
    sheet = load_workbook(xlsx_path).active
    assert next(sheet.iter_rows(min_row=2, values_only=True)) == (
        "-12.50", -12.5, -3, dt.datetime(2025, 3, 1), True,
    )  # fmt: skip
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert sheet.cell(row=2, column=2).data_type == "n"
    assert sheet.cell(row=2, column=2).number_format.startswith("[$EUR]")
    assert sheet.cell(row=4, column=1).value == "@SUM(A1)"
    assert [escape_text(t) for t in ("=1", "+1", "-1", "@1", "\t1", "\r1", "a=1")] == [
        "'=1", "'+1", "'-1", "'@1", "'\t1", "'\r1", "a=1",
    ]  # fmt: skip


def test_where_filters_are_bound_never_sql(sessions) -> None:
    add_leads(sessions, *PEOPLE)

    def names(*filters: str, spec=PIPELINE) -> list[str]:
        query = spec.query().with_sort(SortOrder(0))
        query = query.with_filters(*(parse_where(spec, text, NY) for text in filters))
        dialect = sessions.kw["bind"].dialect.name
        with sessions() as session:
            statement = query.page_statement(dialect, 0, 100)
            return [row[0] for row in session.execute(statement)]

    assert names("status=new") == ["Ann Lee", "Bo van Dyke"]
    assert names("Source = FACEBOOK") == ["Ann Lee"]  # text compares without case
    assert names("source~GOOG") == ['=HYPERLINK("http://x")']
    assert names("email=") == ["Bo van Dyke"]
    assert names("created>=2025-01-04", "created<2025-01-06") == [
        '=HYPERLINK("http://x")', "Bo van Dyke",
    ]  # fmt: skip
    assert names("created=2025-01-05") == ["Bo van Dyke"]  # 18:30 local on the 5th
    assert names("created>2025-01-03T05:30:15") == ['=HYPERLINK("http://x")', "Bo van Dyke"]
    assert names("source=x' OR '1'='1") == []
    assert names("name~'; DROP TABLE leads; --") == []
    assert inspect(sessions.kw["bind"]).has_table("leads")
    for bad, message in (
        ("nope=1", "no column 'nope'"),
        ("status", "not COLUMN OP VALUE"),
        ("created>=yesterday", "not a date"),
    ):
        with pytest.raises(ValidationError, match=message):
            parse_where(PIPELINE, bad, NY)
    with pytest.raises(ValidationError, match="not a number"):
        parse_where(CALL_TO_CASH, "contractvalue>lots", NY)


def test_who_may_export_which_list(sessions, tmp_path) -> None:
    with sessions() as session:
        export_list(session, MARKETING, PIPELINE.query(), tmp_path / "ok.csv")
        with pytest.raises(PermissionDeniedError):
            export_list(session, MARKETING, USERS.query(), tmp_path / "no.csv")


# --- the round trip -------------------------------------------------------------------------


def test_export_import_into_an_empty_database_and_export_again_gives_the_same_file(
    sessions, backend, migrated_templates, pg_admin_url, tmp_path
) -> None:
    add_leads(sessions, *PEOPLE)
    for name in ("leads_utf8_bom_comma.csv", "leads_multiline_notes_totals.csv"):
        table = read_csv((DATA / name).read_bytes())
        with sessions() as session:
            import_leads(session, SYSTEM, table, guess_mapping(table.header))
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    with sessions() as session:
        assert export_list(session, SYSTEM, PIPELINE.query(), first) == 11

    empty = make_engine(_create_database(backend, migrated_templates, pg_admin_url, tmp_path))
    try:
        other = session_factory(empty)
        table = read_csv(first.read_bytes())
        with other() as session:
            report = import_leads(session, SYSTEM, table, guess_mapping(table.header))
        assert (report.created, report.problems) == (11, ())
        with other() as session:
            export_list(session, SYSTEM, PIPELINE.query(), second)
            statuses = session.scalars(select(Lead.status).order_by(Lead.status)).all()
    finally:
        empty.dispose()
    assert second.read_bytes() == first.read_bytes()
    assert statuses.count(LeadStatus.LOST) == 1


# --- reports --------------------------------------------------------------------------------

MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


def test_kpi_report_to_xlsx_has_every_kpi_typed(shared_world, tmp_path) -> None:
    sessions, _ = shared_world
    target = tmp_path / "kpis.xlsx"
    with sessions() as session:
        export_report(session, SYSTEM, "kpis", *MARCH, target)
    sheet = load_workbook(target).active
    rows = {key: value for _, key, value in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows.pop("from") == dt.datetime(2024, 3, 1)
    assert rows.pop("to") == dt.datetime(2024, 3, 31)
    expected = {key: MARCH_JSON[key] for key in rows}
    got = {
        key: (None if v is None else f"{Decimal(str(v)):.2f}" if isinstance(expected[key], str)
              else round(v, 4) if isinstance(expected[key], float) else v)
        for key, v in rows.items()
    }  # fmt: skip
    assert got == expected
    formats = {row[1].value: row[2].number_format for row in sheet.iter_rows(min_row=4)}
    assert formats["show_rate"] == "0.0%"
    assert formats["cash_collected"].startswith("[$USD]")


def test_leaderboard_and_dunning_to_csv_match_their_services(shared_world, tmp_path) -> None:
    sessions, _ = shared_world
    with sessions() as session:
        board = leaderboard(session, SYSTEM, *MARCH)
        export_report(session, SYSTEM, "leaderboard", *MARCH, tmp_path / "board.csv")
        export_report(session, SYSTEM, "dunning", *MARCH, tmp_path / "dunning.csv")
        due = dunning_list(session, SYSTEM, MARCH[1], limit=1000)
        kpis = kpi_report(session, SYSTEM, *MARCH)
        export_report(session, SYSTEM, "receivables", *MARCH, tmp_path / "receivables.csv")
        export_report(session, SYSTEM, "commissions", *MARCH, tmp_path / "commissions.csv")
    lines = (tmp_path / "board.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Name,Role,Active,As closer: calls booked,")
    assert [line.split(",")[0] for line in lines[1:]] == [row.name for row in board]
    first = lines[1].split(",")
    assert first[3] == str(board[0].as_closer.calls.calls_booked)
    assert first[10] == f"{board[0].as_closer.cash_collected:.2f}"
    dunning = (tmp_path / "dunning.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(dunning) == len(due) + 1 > 1
    assert dunning[1].split(",")[5:8] == [
        due[0].due_date.isoformat(), str(due[0].days_late), f"{due[0].amount_due:.2f}",
    ]  # fmt: skip
    receivables = (tmp_path / "receivables.csv").read_text(encoding="utf-8-sig").splitlines()
    assert receivables[-1].split(",")[:2] == ["Total", MARCH_JSON["receivables"]]
    assert kpis.receivables == Decimal(MARCH_JSON["receivables"])
    commissions = (tmp_path / "commissions.csv").read_text(encoding="utf-8-sig").splitlines()
    assert commissions[-1].startswith("Total,")
    assert ExportFormat.of("x.XLSX") is ExportFormat.XLSX
