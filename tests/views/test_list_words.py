"""Lists as people read them: exports write what the screen shows (its columns, its words)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import Engine

from portal_desktop.db.engine import session_factory
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.tab_context import DataBus, TabContext
from tests.shell_helpers import temp_settings  # noqa: F401
from tests.views.list_rows import settled


@pytest.fixture
def window(qtbot, engine: Engine, request: pytest.FixtureRequest) -> MainWindow:
    request.getfixturevalue("temp_settings")
    seed_database(engine, leads=60, seed=7)
    ctx = TabContext(engine, session_factory(engine), SYSTEM, Formatter(), DataBus())
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_an_export_writes_the_columns_shown_in_their_order_and_words(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = window.tab("pipeline").list
    settled(qtbot, pipeline.model)
    header = pipeline.view.horizontalHeader()
    titles = [column.title for column in pipeline.spec.columns]
    pipeline.view.setColumnHidden(titles.index("Email"), True)
    header.moveSection(header.visualIndex(titles.index("Status")), 0)  # Status first
    target = tmp_path / "pipeline.xlsx"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "Excel")
    )
    window.export_current_list()
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=20_000)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    shown = [titles[header.logicalIndex(v)] for v in range(header.count())]
    assert rows[0] == tuple(t for t in shown if t != "Email")
    assert "Email" not in rows[0] and rows[0][0] == "Status"
    statuses = {row[0] for row in rows[1:]}
    assert statuses <= {"New", "Contacted", "Qualified", "Lost"} and statuses  # not QUALIFIED
