"""Every export from a screen ends with a message: where the file is, with "Open folder", or
why nothing was written, in words; no exception escapes and nothing is printed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.views.charts import ChartsTab
from portal_desktop.views.export_actions import Exporter
from portal_desktop.views.export_notice import ExportNotice, notice_of
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.tab_context import DataBus, TabContext


@pytest.fixture
def tab(qtbot, engine, sessions) -> ChartsTab:
    widget = ChartsTab(TabContext(engine, sessions, SYSTEM, Formatter("USD", dt.UTC), DataBus()))
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show()
    qtbot.waitUntil(lambda: widget.data is not None, timeout=20_000)
    return widget


@pytest.fixture
def readonly_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder no file can be created in: a chmod 555 folder, or (as root, who ignores
    permissions) /sys, where the kernel refuses new files to everyone."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        yield folder
    else:
        (folder / "probe").unlink()
        yield Path("/sys")
    finally:
        folder.chmod(0o755)


class _FolderOpener(QObject):
    """Stands in for the file manager: receives the URL "Open folder" asks the system to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


@pytest.fixture
def file_manager() -> Iterator[_FolderOpener]:
    opener = _FolderOpener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    yield opener
    QDesktopServices.unsetUrlHandler("file")


def notice(widget: QWidget) -> ExportNotice:
    found = notice_of(widget)
    assert found.isVisible(), "no message after the export"
    return found


def test_a_saved_chart_says_where_with_open_folder(
    qtbot, tab: ChartsTab, tmp_path: Path, file_manager, capfd
) -> None:
    view = tab.panel_view("money_over_time")
    for save, name, done in [
        (lambda p: tab.save_png(view, p, 2), "chart.png", "Saved the chart image"),
        (lambda p: tab.save_csv(view, p), "chart.csv", "Saved the chart data"),
        (tab.save_pdf, "report.pdf", "Saved the dashboard report"),
    ]:
        save(tmp_path / name)
        shown = notice(tab)
        assert shown.text.text() == f"{done} to {(tmp_path / name).resolve()}."
        assert shown.property("kind") == "saved"
        assert shown.open_button.isVisibleTo(shown)
        assert (tmp_path / name).stat().st_size > 0
    qtbot.mouseClick(notice(tab).open_button, Qt.MouseButton.LeftButton)
    assert [url.toLocalFile() for url in file_manager.opened] == [str(tmp_path.resolve())]
    assert capfd.readouterr().err == ""


def test_a_missing_or_readonly_folder_says_why_and_writes_nothing(
    qtbot, tab: ChartsTab, tmp_path: Path, readonly_folder: Path, capfd
) -> None:
    view = tab.panel_view("money_over_time")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    missing = tmp_path / "no such folder"
    cases = [
        (lambda p: tab.save_png(view, p, 1), missing / "chart.png", "does not exist"),
        (lambda p: tab.save_csv(view, p), missing / "chart.csv", "does not exist"),
        (tab.save_pdf, missing / "report.pdf", "does not exist"),
        (lambda p: tab.save_png(view, p, 1), readonly_folder / "chart.png", "may not write"),
        (lambda p: tab.save_csv(view, p), readonly_folder / "chart.csv", "may not write"),
        (tab.save_pdf, readonly_folder / "report.pdf", "may not write"),
        (lambda p: tab.save_png(view, p, 1), a_file / "chart.png", "is a file, not a folder"),
        (lambda p: tab.save_png(view, p, 1), tmp_path, "is a folder; type a file name"),
    ]
    for save, path, words in cases:
        save(path)
        shown = notice(tab)
        text = shown.text.text()
        assert text.startswith(f"Nothing was saved to {path.name}: "), text
        assert words in text, text
        assert shown.property("kind") == "failed"
        assert not shown.open_button.isVisibleTo(shown)
        assert not path.is_file()
    assert f"the folder {missing} does not exist; choose another one" in cases_text(tab, missing)
    assert capfd.readouterr().err == ""


def cases_text(tab: ChartsTab, missing: Path) -> str:
    tab.save_csv(tab.panel_view("funnel"), missing / "funnel.csv")
    return notice_of(tab).text.text()


def test_a_list_export_says_where_or_why(
    qtbot, sessions, tmp_path: Path, readonly_folder: Path
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    exporter = Exporter(sessions, SYSTEM, window)
    target = tmp_path / "pipeline.csv"
    with qtbot.waitSignal(exporter.finished, timeout=20_000):
        exporter.export_list(PIPELINE.query(), target)
    assert notice(window).text.text() == f"Exported 0 rows to {target.resolve()}."
    assert notice(window).open_button.isVisibleTo(notice(window))

    missing = tmp_path / "gone" / "pipeline.xlsx"
    with qtbot.waitSignal(exporter.failed, timeout=20_000) as failed:
        exporter.export_list(PIPELINE.query(), missing)
    expected = (
        f"Nothing was saved to pipeline.xlsx: the folder {missing.parent} does not exist; "
        "choose another one or create it first."
    )
    assert failed.args == [expected]
    assert notice(window).text.text() == expected
    assert not missing.parent.exists()

    locked = readonly_folder / "pipeline.csv"  # found out by the export's own write
    with qtbot.waitSignal(exporter.failed, timeout=20_000) as failed:
        exporter.export_list(PIPELINE.query(), locked)
    assert failed.args == [
        f"Nothing was saved to pipeline.csv: you may not write in the folder {readonly_folder}; "
        "choose another one."
    ]
    assert not locked.exists()
    exporter.runner.wait()
