"""Export a list (as the user filtered and sorted it) or a report to CSV or Excel, off the UI
thread.

Use: ``exporter = Exporter(sessions_factory, actor, parent)``; connect ``exporter.finished``
(a message for the status bar) and ``exporter.failed`` (why nothing was written, in words);
with a widget as parent, the window also shows where the file is with "Open folder", or why
it failed (:mod:`portal_desktop.views.export_notice`). Then
``exporter.ask_and_export_list(tab.model.query)`` from a menu action, or
``exporter.ask_and_export_report("kpis", start, end)``. ``export_list`` and
``export_report`` take the file name directly (tests, scripts).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QTableView, QWidget
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop import clock
from portal_desktop.db.query_spec import ListQuery
from portal_desktop.services.common.context import Actor
from portal_desktop.services.common.words import plural
from portal_desktop.services.files import exports
from portal_desktop.services.files.exports import ExportFormat
from portal_desktop.services.files.import_common import ImportCancelledError, Progress
from portal_desktop.services.reporting import report_exports
from portal_desktop.views.export_notice import (
    check_folder,
    failure_text,
    show_failed,
    show_saved,
)
from portal_desktop.views.task_runner import TaskRunner, in_session
from portal_desktop.views.toast import Toast, show_toast, start_progress

FILTERS = "Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"


def suggested_name(title: str, day: dt.date) -> str:
    """``pipeline-2025-03-05.xlsx`` from a list's or report's title and the day."""
    slug = re.sub(r"[^0-9a-z]+", "-", title.lower()).strip("-") or "export"
    return f"{slug}-{day.isoformat()}.xlsx"


def ask_path(parent: QWidget | None, title: str, day: dt.date) -> str | None:
    """The file to write, from a save dialog (None when the user cancels)."""
    path, chosen = QFileDialog.getSaveFileName(parent, f"Export {title}",
                                               suggested_name(title, day), FILTERS)  # fmt: skip
    if not path:
        return None
    if not Path(path).suffix:
        path += ".csv" if chosen.startswith("CSV") else ".xlsx"
    return path


def shown_columns(view: QTableView) -> list[int]:
    """The columns a table shows, in their on-screen order (hidden ones left out)."""
    header = view.horizontalHeader()
    logical = (header.logicalIndex(visual) for visual in range(header.count()))
    return [index for index in logical if not header.isSectionHidden(index)]


class Exporter(QObject):
    """Runs exports on a pool thread, one at a time; reports on the UI thread."""

    finished = Signal(str)
    failed = Signal(str)
    progressed = Signal(str)

    def __init__(
        self,
        sessions_factory: sessionmaker[Session],
        actor: Actor,
        parent: QObject | None = None,
        tz: dt.tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._sessions, self._actor = sessions_factory, actor
        self.toast: Toast | None = None  # the window's toast while an export runs
        self.tz = tz  # the installation's zone: the suggested file names carry its today
        self.runner = TaskRunner(self)

    def _parent_widget(self) -> QWidget | None:
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    def ask_and_export_list(self, query: ListQuery, columns: list[int] | None = None) -> None:
        path = ask_path(self._parent_widget(), query.spec.title, clock.today(self.tz))
        if path:
            self.export_list(query, path, columns)

    def ask_and_export_report(self, name: str, start: dt.date, end: dt.date) -> None:
        path = ask_path(self._parent_widget(), name, clock.today(self.tz))
        if path:
            self.export_report(name, start, end, path)

    def export_list(
        self, query: ListQuery, path: str | Path, columns: list[int] | None = None
    ) -> None:
        """Write the list; ``columns``: the ones shown, in their on-screen order (None: all)."""
        actor = self._actor

        def work(session: Session, progress: Any, cancel: Any) -> int:
            return exports.export_list(
                session, actor, query, path, ExportFormat.of(path), progress=progress,
                cancel=cancel, columns=columns,
            )  # fmt: skip

        self._start(in_session(self._sessions, work), path)

    def export_report(self, name: str, start: dt.date, end: dt.date, path: str | Path) -> None:
        actor = self._actor

        def work(session: Session, _progress: Any, _cancel: Any) -> int:
            return report_exports.export_report(session, actor, name, start, end, path)

        self._start(in_session(self._sessions, work), path)

    def _start(self, work: Any, path: str | Path) -> None:
        if self.runner.busy:
            self.failed.emit("An export is still running; wait for it to finish.")
            return
        try:
            check_folder(path)
        except OSError as error:
            self._failed(path, error)
            return
        widget = self._parent_widget()
        self.toast = None if widget is None else start_progress(
            widget, f"Exporting to {Path(path).name}…", cancel=self.cancel
        )  # fmt: skip
        self.runner.start(
            work,
            lambda count: self._done(path, count),
            lambda error: self._failed(path, error),
            self._progressed,
        )

    def _progressed(self, progress: Progress) -> None:
        text = progress.describe()
        self.progressed.emit(text)
        if self.toast is not None and shiboken6.isValid(self.toast):
            self.toast.set_progress(
                text, progress.done / progress.total if progress.total else None
            )

    def _done(self, path: str | Path, count: int) -> None:
        self.finished.emit(f"Exported {plural(count, 'row')} to {Path(path).name}.")
        if (widget := self._parent_widget()) is not None:
            show_saved(widget, path, f"Exported {plural(count, 'row')}")

    def _failed(self, path: str | Path, error: BaseException) -> None:
        if isinstance(error, ImportCancelledError):  # the toast's Cancel: not a failure
            message = f"Export cancelled; nothing was saved to {Path(path).name}."
            self.failed.emit(message)
            if (widget := self._parent_widget()) is not None:
                show_toast(widget, message)
            return
        message = failure_text(path, error)
        self.failed.emit(message)
        if (widget := self._parent_widget()) is not None:
            show_failed(widget, message)

    def cancel(self) -> None:
        self.runner.cancel()
