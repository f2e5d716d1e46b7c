"""File → Import…: drive the dialog like a user — choose a file, change a mapping, read the
preview and the report, import, and find the rows in the database (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleFactory
from sqlalchemy import func, select

from portal_desktop.models import AdPerformance, Lead
from portal_desktop.services.common.changes import ROLLUP_TABLES
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.lead_mapping import LeadField
from portal_desktop.views.import_dialog import FILE, MAPPING, REPORT, RESULT, ImportDialog
from portal_desktop.views.tab_context import DataBus
from portal_desktop.views.theme import palette_for, style_sheet
from tests.screens import TEST_SCREENS

DATA = Path(__file__).resolve().parents[1] / "data"
SCREENSHOTS = TEST_SCREENS
WAIT_MS = 20_000


@pytest.fixture
def dialog(qtbot, sessions) -> ImportDialog:
    widget = ImportDialog(sessions, SYSTEM)
    widget.setStyle(QStyleFactory.create("Fusion"))
    widget.setStyleSheet(style_sheet(palette_for(dark=False)))  # the app's light theme
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.runner.wait()
    widget.previews.wait()


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def idle(qtbot, dialog: ImportDialog, page: int) -> None:
    qtbot.waitUntil(
        lambda: dialog.page == page and not dialog.runner.busy and not dialog.previews.busy,
        timeout=WAIT_MS,
    )


def preview_column(dialog: ImportDialog, title: str) -> list[str]:
    table = dialog.mapping_page.preview
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    column = headers.index(title)
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_import_leads_choosing_a_mapping_reading_the_report(qtbot, dialog, sessions, tmp_path):
    bus, changed = DataBus(), []  # File → Import… hands the change to the window's bus
    dialog.data_changed.connect(bus.data_changed)
    bus.data_changed.connect(lambda tables, ids: changed.append((tables, ids)))
    dialog.set_file(DATA / "leads_invalid_and_duplicates.csv")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, MAPPING)
    page = dialog.mapping_page
    assert [c.currentText() for c in page.combos] == [
        "Email", "First name", "Last name", "Phone", "Status", "Created", "Source",
    ]  # fmt: skip
    assert preview_column(dialog, "Phone")[0] == "+13035550101"
    assert "contains letters" in page.problem_of(2)
    # The user decides the phone column is not worth importing: the preview follows.
    page.set_field(3, None)
    qtbot.waitUntil(lambda: page.problem_of(2) == "", timeout=WAIT_MS)
    assert preview_column(dialog, "Phone")[0] == ""
    page.set_field(1, LeadField.EMAIL)  # a mistake: two columns for the email
    qtbot.waitUntil(lambda: not dialog.next_button.isEnabled(), timeout=WAIT_MS)
    assert "Email is chosen for both 'Email' and 'First name'" in page.summary.text()
    page.set_field(1, LeadField.FIRST_NAME)
    qtbot.waitUntil(dialog.next_button.isEnabled, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.preview.rowCount() == 10, timeout=WAIT_MS)
    idle(qtbot, dialog, MAPPING)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "import_mapping.png"))

    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, REPORT)
    report = dialog.report_page
    assert "4 new leads" in report.summary.text()  # row 4 is fine without its phone
    problems = [report.problems.item(r, 0).text() for r in range(report.problems.rowCount())]
    assert problems == ["3", "5", "6", "7", "8", "10"]  # row 5: a repeated email, skipped
    saved = tmp_path / "report.csv"
    dialog.save_report(saved)
    assert saved.read_text(encoding="utf-8-sig").splitlines()[1].startswith("3,Email,")
    dialog.grab().save(str(SCREENSHOTS / "import_report.png"))

    # All or nothing (the default) refuses; skipping the invalid rows imports the rest.
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, REPORT)
    assert "Nothing was imported" in report.message.text()
    assert count(sessions, Lead) == 0
    report.skip_invalid.setChecked(True)
    idle(qtbot, dialog, REPORT)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, RESULT)
    assert "Written: 4 leads created" in dialog.result_page.text.text()
    # What the import's unit of work wrote, as a write op announces it: any lead (a bulk
    # insert lists no ids), their daily facts, the audit trail.
    [(tables, ids)] = changed
    assert tables >= {"leads", "audit_log", *ROLLUP_TABLES} and ids == frozenset()
    with sessions() as session:
        emails = set(session.scalars(select(Lead.email)))
        phones = set(session.scalars(select(Lead.phone)))
    assert emails == {
        "good.one@example.com", "letters@example.com", "existing@example.com",
        "last.good@example.com",
    }  # fmt: skip
    assert phones == {None}  # the phone column was ignored


def test_import_a_facebook_export_after_going_back_from_a_leads_file(
    qtbot, dialog, sessions, tmp_path
):
    dialog.set_file(DATA / "leads_utf8_bom_comma.csv")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, MAPPING)
    qtbot.mouseClick(dialog.back_button, Qt.MouseButton.LeftButton)  # the wrong file: back
    dialog.set_file(DATA / "facebook_ads_daily.csv", "facebook")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, MAPPING)
    page = dialog.mapping_page
    assert page.preview.rowCount() == 6
    assert page.columns.cellWidget(0, 2) is None  # no combo box left from the leads file
    assert page.columns.item(2, 1).text() == "Amount spent (USD)"
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, REPORT)
    assert not dialog.report_page.duplicates_box.isVisible()
    changed = []
    dialog.data_changed.connect(lambda tables, _ids: changed.append(tables))
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, RESULT)
    assert count(sessions, AdPerformance) == 6
    assert changed[0] >= {"ad_performance", "ad_campaigns", "audit_log"}


def test_cancel_while_importing_writes_nothing(qtbot, dialog, sessions, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text(
        "email,name\n" + "".join(f"p{n}@example.com,P {n}\n" for n in range(30_000)),
        encoding="utf-8",
    )
    dialog.set_file(big)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, MAPPING)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, REPORT)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.runner.busy
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, RESULT)
    assert dialog.result_page.heading.text() == "Import cancelled"
    assert count(sessions, Lead) == 0


def test_an_unreadable_file_is_said_on_the_first_page(qtbot, dialog, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    dialog.set_file(empty)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, REPORT)
    assert "the file is empty" in dialog.report_page.message.text()
    dialog.set_file(tmp_path / "missing.csv")
    dialog._go(FILE)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, FILE)
    assert "cannot read" in dialog.file_page.info.text()


def test_leads_from_a_workbook_then_an_ad_report_that_links_them(qtbot, dialog, sessions, tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Full name", "Email", "utm_campaign", "Signup date"])
    for n in range(3):
        book.active.append(
            [f"Ann Lee{n}", f"ann{n}@example.com", "Spring Webinar", dt.datetime(2025, 3, 2, 9)]
        )
    path = tmp_path / "funnel.xlsx"
    book.save(path)
    dialog.set_file(path)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, MAPPING)
    assert "Excel workbook" in dialog.mapping_page.summary.text()
    qtbot.waitUntil(lambda: dialog.mapping_page.preview.rowCount() == 3, timeout=WAIT_MS)
    assert preview_column(dialog, "Created")[0] == "2025-03-02 09:00"
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, REPORT)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, RESULT)
    assert count(sessions, Lead) == 3
    dialog.close()
    dialog = ImportDialog(sessions, SYSTEM)  # File → Import… again, for the ad report
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_file(DATA / "facebook_ads_daily.csv", "facebook")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, MAPPING)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, REPORT)
    assert "3 existing leads to be linked to the new campaigns" in dialog.report_page.summary.text()
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog, RESULT)
    assert "3 existing leads linked to the new campaigns" in dialog.result_page.text.text()
    dialog.grab().save("/tmp/import_linked_result.png")
    with sessions() as session:
        linked = select(func.count()).where(Lead.ad_campaign_id.is_not(None))
        assert session.scalar(linked) == 3
