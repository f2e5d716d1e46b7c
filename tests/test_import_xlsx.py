"""Leads from Excel workbooks (both databases): typed cells read as such, a named sheet,
and the pipeline's own .xlsx export imported into an empty database and exported back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, select

from portal_desktop.cli import main
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import AuditEntry, Lead, SalesCall
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.files.import_files import cell_text, read_table
from portal_desktop.services.sales.leads import change_lead_status, create_lead
from tests.services.pipeline_data import ADMIN


def cells(path: Path) -> list[tuple[object, ...]]:
    book = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def test_typed_cells_become_the_text_the_import_reads() -> None:
    assert cell_text(dt.datetime(2025, 3, 5, 14, 30)) == "2025-03-05 14:30:00"
    assert cell_text(dt.datetime(2025, 3, 5)) == "2025-03-05"
    assert cell_text(15551234567.0) == "15551234567"
    assert cell_text(12.5) == "12.5"
    assert cell_text(1e-7) == "0.0000001"
    assert cell_text(True) == "TRUE" and cell_text(None) == ""


def test_a_named_sheet_with_excel_dates_and_numbers_imports_them_as_such(
    capsys, db_url: str, tmp_path: Path
) -> None:
    book = Workbook()
    book.active.title = "Summary"
    book.active.append(["Exported by the funnel tool"])
    sheet = book.create_sheet("Leads")
    sheet.append(["Name", "Email", "Phone", "Signup date", "utm_campaign"])
    # 03/04 would be ambiguous as text; as an Excel date it is the 4th of March.
    sheet.append(["Ann Lee", "ann@example.com", 15551234567, dt.datetime(2025, 3, 4, 9, 15), "A"])
    sheet.append(["Bob Ng", "bob@example.com", None, dt.datetime(2025, 3, 12), "B"])
    path = tmp_path / "funnel.xlsx"
    book.save(path)
    code = main(["--url", db_url, "import", "leads", str(path), "--sheet", "leads"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 rows, Excel workbook, sheet 'Leads'" in out
    sessions = session_factory(make_engine(db_url))
    with sessions() as session:
        tz = load_settings(session).tz
        found = {lead.email: lead for lead in session.scalars(select(Lead))}
    ann, bob = found["ann@example.com"], found["bob@example.com"]
    assert ann.created_at.astimezone(tz).replace(tzinfo=None) == dt.datetime(2025, 3, 4, 9, 15)
    assert bob.created_at.astimezone(tz).date() == dt.date(2025, 3, 12)
    assert ann.phone is not None and ann.phone.replace(" ", "").endswith("5551234567")
    assert (ann.first_name, ann.last_name) == ("Ann", "Lee")


def test_an_unknown_sheet_is_refused_with_the_sheets_there_are(
    capsys, db_url: str, tmp_path: Path
) -> None:
    book = Workbook()
    book.active.title = "Leads"
    path = tmp_path / "book.xlsx"
    book.save(path)
    code = main(["--url", db_url, "import", "leads", str(path), "--sheet", "Contacts"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().endswith("the workbook has no sheet 'Contacts'; it has 'Leads'")


def test_the_pipeline_export_imports_into_an_empty_database_and_exports_back_the_same(
    capsys, db_url: str, tmp_path: Path
) -> None:
    sessions = session_factory(make_engine(db_url))
    with sessions() as session:
        for n, (status, campaign) in enumerate(
            [("NEW", "Spring Webinar"), ("CONTACTED", None), ("LOST", "Brand Search")]
        ):
            lead = create_lead(
                session,
                ADMIN,
                first_name=f"Zoë{n}",
                last_name="García Lee",
                email=f"zoe{n}@example.com",
                phone="+1 (555) 201-000" + str(n),
                source="facebook",
                campaign=campaign,
                created_at=dt.datetime(2025, 3, 1 + n, 9, 30, 15, tzinfo=dt.UTC),
            )
            if status != "NEW":
                change_lead_status(
                    session, ADMIN, lead.id, status, "Too expensive" if status == "LOST" else None
                )
    first, second = tmp_path / "pipeline.xlsx", tmp_path / "again.xlsx"
    assert main(["--url", db_url, "export", "pipeline", "--format", "xlsx", "-o", str(first)]) == 0
    with sessions() as session:  # an empty database of leads
        for model in (SalesCall, Lead):
            session.execute(delete(model))
        session.commit()
    assert main(["--url", db_url, "import", "leads", str(first)]) == 0
    assert main(["--url", db_url, "export", "pipeline", "--format", "xlsx", "-o", str(second)]) == 0
    capsys.readouterr()
    exported = cells(first)
    assert len(exported) == 4 and exported[0][0] == "Name"
    assert cells(second) == exported
    with sessions() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.entity == "leads")).first()


def test_a_workbook_keeps_the_csv_rules_for_header_and_totals(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Email", "Created"])
    book.active.append(["a@example.com", dt.datetime(2025, 1, 2, 3, 4, 5)])
    book.active.append(["Total", None])
    path = tmp_path / "a.xlsx"
    book.save(path)
    table = read_table(path)
    assert table.header == ("Email", "Created")
    assert list(table.records) == [(2, ["a@example.com", "2025-01-02 03:04:05"])]
    assert table.dropped_totals == (3,)
