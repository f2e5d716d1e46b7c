"""Exporting from the window: a list as shown, and a report, written off the UI thread."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.query_spec import SortOrder
from portal_desktop.models import Lead
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.views.export_actions import Exporter, suggested_name
from tests.services.pipeline_data import MARKETING


def test_export_the_list_as_shown_and_a_report(qtbot, sessions, tmp_path) -> None:
    with sessions() as session:
        for name in ("Cy", "Ann", "Bo"):
            session.add(Lead(first_name=name, email=f"{name.lower()}@example.com"))
        session.commit()
    exporter = Exporter(sessions, SYSTEM)
    target = tmp_path / "pipeline.xlsx"
    with qtbot.waitSignal(exporter.finished, timeout=20_000) as done:
        exporter.export_list(PIPELINE.query().with_sort(SortOrder(1)), target)  # by email
    assert done.args == ["Exported 3 rows to pipeline.xlsx."]
    names = [row[0] for row in load_workbook(target).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["Ann", "Bo", "Cy"]
    report = tmp_path / "kpis.csv"
    with qtbot.waitSignal(exporter.finished, timeout=20_000):
        exporter.export_report("kpis", dt.date(2025, 1, 1), dt.date(2025, 1, 31), report)
    assert report.read_text(encoding="utf-8-sig").splitlines()[0] == "KPI,Key,Value"
    exporter.runner.wait()


def test_a_refused_export_says_why(qtbot, sessions, tmp_path) -> None:
    from portal_desktop.db.admin_queries import USERS

    exporter = Exporter(sessions, MARKETING)
    with qtbot.waitSignal(exporter.failed, timeout=20_000) as failed:
        exporter.export_list(USERS.query(), tmp_path / "users.csv")
    assert "may not manage users" in failed.args[0]
    assert not (tmp_path / "users.csv").exists()
    exporter.runner.wait()
    assert suggested_name("Payment schedules", dt.date(2025, 3, 5)) == (
        "payment-schedules-2025-03-05.xlsx"
    )
