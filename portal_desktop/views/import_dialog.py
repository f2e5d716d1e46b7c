"""File → Import…: leads from any CSV, ad performance from Facebook or Google Ads exports.

Use: ``dialog = ImportDialog(sessions_factory, actor, parent)``; connect
``dialog.data_changed`` to the window's ``DataBus.data_changed``: once an import is written
it emits what the import's unit of work changed (tables, ids: ``services.common.changes``, as a
write op announces it); ``dialog.open()``. ``sessions_factory`` is a
``sessionmaker``: each piece of work opens its own Session on a pool thread, so the window
stays usable and only plain data crosses threads.

Steps: the file and what it holds → the columns (leads: a combo box per column, prefilled
by the guess) with a preview of the first rows as they will be imported → the check: counts,
duplicates and invalid rows, the duplicate policy and all-or-nothing choices, "Save
report…" → the import, with rows per second and time left, and Cancel (nothing written) →
the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.errors import PortalError, ValidationError
from portal_desktop.services.common.changes import Changes
from portal_desktop.services.common.context import Actor
from portal_desktop.services.files.ad_import import AdImportOptions
from portal_desktop.services.files.csv_table import CsvError, CsvTable
from portal_desktop.services.files.import_common import (
    ImportCancelledError,
    ImportRefusedError,
    Problem,
    Progress,
    refused_by,
)
from portal_desktop.services.files.lead_import import (
    DuplicatePolicy,
    LeadImportOptions,
)
from portal_desktop.services.files.lead_mapping import check_mapping, guess_mapping
from portal_desktop.views.export_notice import failure_text, show_failed, show_saved
from portal_desktop.views.import_jobs import (
    PLATFORMS,
    describe_table,
    import_job,
    lead_preview,
    read_file,
)
from portal_desktop.views.import_pages import (
    FilePage,
    MappingPage,
    ProgressPage,
    ReportPage,
    ResultPage,
)
from portal_desktop.views.task_runner import TaskRunner, Work
from portal_desktop.views.theme import ERROR, rich_tone
from portal_desktop.views.toast import show_toast

FILE, MAPPING, REPORT, PROGRESS, RESULT = range(5)


class ImportDialog(QDialog):
    # What a written import changed, as DataBus.data_changed carries it: tables, ids.
    data_changed = Signal(object, object)

    def __init__(
        self, sessions_factory: sessionmaker[Session], actor: Actor, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import")
        self.setObjectName("importDialog")
        # An explicit minimum: the pages' layouts must not change it while the dialog is shown.
        self.setMinimumSize(760, 520)
        self.resize(980, 640)
        self.sessions, self.actor = sessions_factory, actor
        self.runner = TaskRunner(self)
        self.previews = TaskRunner(self)
        self._preview_generation = 0
        self.table: CsvTable | None = None
        self.tz: Any = None
        self.report: Any = None
        self.file_page, self.mapping_page = FilePage(self), MappingPage(self)
        self.report_page, self.progress_page = ReportPage(self), ProgressPage(self)
        self.result_page = ResultPage(self)
        self.stack = QStackedWidget(self)
        pages = (self.file_page, self.mapping_page, self.report_page, self.progress_page)
        for page in (*pages, self.result_page):
            self.stack.addWidget(page)
        self.back_button = QPushButton("Back", self)
        self.next_button = QPushButton("Next", self)
        self.next_button.setObjectName("nextButton")
        self.next_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelButton")
        self.back_button.clicked.connect(self._back)
        self.next_button.clicked.connect(self._next)
        self.cancel_button.clicked.connect(self._cancel)
        self.file_page.path.textChanged.connect(self._update_buttons)
        self.mapping_page.mapping_changed.connect(self._refresh_preview)
        self.report_page.options_changed.connect(self._check)
        self.report_page.save_requested.connect(self._ask_save_report)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    # --- state --------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self.file_page.kind

    @property
    def page(self) -> int:
        return self.stack.currentIndex()

    def set_file(self, path: str | Path, kind: str = "leads") -> None:
        self.file_page.path.setText(str(path))
        self.file_page.set_kind(kind)

    def _go(self, page: int) -> None:
        self.stack.setCurrentIndex(page)
        self._update_buttons()

    def _update_buttons(self) -> None:
        page, busy = self.page, self.runner.busy
        self.back_button.setVisible(page in (MAPPING, REPORT))
        self.back_button.setEnabled(not busy)
        labels = {REPORT: "Import", RESULT: "Close"}
        self.next_button.setText(labels.get(page, "Next"))
        self.next_button.setVisible(page != PROGRESS)
        ready = bool(self.file_page.path.text().strip()) if page == FILE else True
        if page == MAPPING and self.kind == "leads" and self.table is not None:
            ready = self._mapping_problem() is None
        self.next_button.setEnabled(ready and not busy)
        self.cancel_button.setVisible(page != RESULT)

    def _mapping_problem(self) -> str | None:
        assert self.table is not None
        try:
            check_mapping(self.table.header, self.mapping_page.mapping())
        except ValidationError as exc:
            return exc.problem
        return None

    # --- navigation ---------------------------------------------------------------------

    def _next(self) -> None:
        page = self.page
        if page == FILE:
            self._read_file()
        elif page == MAPPING:
            self._check()
        elif page == REPORT:
            self._import()
        elif page == RESULT:
            self.accept()

    def _back(self) -> None:
        self._go(max(self.page - 1, FILE))

    def _cancel(self) -> None:
        if self.runner.busy:
            self.runner.cancel()
            self.progress_page.detail.setText("Cancelling… nothing will be written.")
            return
        self.reject()

    def _run(self, work: Any, on_done: Any, on_progress: Any = None) -> None:
        self.runner.start(work, lambda result: self._after(on_done, result), self._failed,
                          on_progress)  # fmt: skip
        self._update_buttons()

    def _after(self, on_done: Any, result: Any) -> None:
        on_done(result)
        self._update_buttons()

    # --- 1. read the file ---------------------------------------------------------------

    def _read_file(self) -> None:
        path, sessions = self.file_page.path.text().strip(), self.sessions
        self.file_page.info.setText("Reading the file…")
        self._run(read_file(sessions, path), self._file_read)

    def _file_read(self, result: tuple[CsvTable, Any]) -> None:
        self.table, self.tz = result
        self.file_page.info.setText(
            f"{Path(self.file_page.path.text()).name}: {self.table.describe()}"
        )
        self.mapping_page.summary.setText(describe_table(self.table))
        self._go(MAPPING)
        if self.kind == "leads":
            self.mapping_page.show_lead_file(self.table, guess_mapping(self.table.header))
            self._refresh_preview()
        else:
            self.mapping_page.preview_title.setText("<b>Preview</b>: the days to be saved")
            self._run(self._job(write=False), self._ad_previewed)

    # --- 2. mapping and preview ---------------------------------------------------------

    def _refresh_preview(self) -> None:
        self._update_buttons()
        if self.table is None or self.kind != "leads":
            return
        problem = self._mapping_problem()
        if problem is not None:
            self.mapping_page.summary.setText(rich_tone(problem, ERROR))
            self.mapping_page.show_lead_preview([])
            return
        table, mapping, tz = self.table, self.mapping_page.mapping(), self.tz
        day_first = self.mapping_page.day_first if self.mapping_page.date_row.isVisible() else None
        self._preview_generation += 1
        generation = self._preview_generation

        def work(_progress: Any, _cancel: Any) -> tuple[Any, Any]:
            return lead_preview(table, mapping, tz, day_first)

        def done(result: tuple[Any, Any]) -> None:
            if generation == self._preview_generation:
                self._show_preview(*result)

        self.previews.start(work, done, self._failed)

    def _show_preview(self, rows: Any, date_format: Any) -> None:
        assert self.table is not None
        self.mapping_page.show_lead_preview(rows)
        text = describe_table(self.table)
        if date_format is not None:
            text += f" Dates read as {date_format.describe()}."
            if date_format.ambiguous:
                self.mapping_page.date_row.show()
        self.mapping_page.summary.setText(text)

    # --- 3. check -----------------------------------------------------------------------

    def _lead_options(self) -> LeadImportOptions:
        page = self.report_page
        dates = self.mapping_page
        return LeadImportOptions(
            duplicates=(
                DuplicatePolicy.UPDATE
                if page.update_duplicates.isChecked()
                else DuplicatePolicy.SKIP
            ),
            skip_invalid=page.skip_invalid.isChecked(),
            day_first=dates.day_first if dates.date_row.isVisible() else None,
            file_name=Path(self.file_page.path.text()).name,
        )

    def _ad_options(self) -> AdImportOptions:
        return AdImportOptions(
            platform=PLATFORMS[self.kind],
            skip_invalid=self.report_page.skip_invalid.isChecked(),
            file_name=Path(self.file_page.path.text()).name,
        )

    def _job(self, *, write: bool) -> Work:
        """The check (or the import) with the choices made, as work for a pool thread."""
        assert self.table is not None
        if self.kind == "leads":
            arguments: tuple[Any, ...] = (self.mapping_page.mapping(), self._lead_options())
        else:
            arguments = (self._ad_options(),)
        return import_job(self.sessions, self.actor, self.kind, self.table, arguments, write=write)

    def _check(self) -> None:
        if self.table is not None and not self.runner.busy:
            self._run(self._job(write=False), self._checked)

    def _ad_previewed(self, report: Any) -> None:
        from portal_desktop.services.files.ad_rows import FORMATS, AdColumns

        assert self.table is not None
        columns = AdColumns(self.table, FORMATS[PLATFORMS[self.kind]])
        self.mapping_page.show_ad_preview(columns.described(self.table.header), report.preview)
        self.mapping_page.summary.setText(" ".join(report.notes))

    def _checked(self, report: Any) -> None:
        self.report = report
        self.report_page.duplicates_box.setVisible(self.kind == "leads")
        self.report_page.message.setText("")
        self.report_page.show_report(
            report.summary_lines(), report.notes, report.all_entries(), len(report.invalid_rows)
        )
        self._go(REPORT)

    # --- 4. import ----------------------------------------------------------------------

    def _import(self) -> None:
        assert self.table is not None
        work = self._job(write=True)
        self.progress_page.bar.setRange(0, max(len(self.table.records), 1))
        self.progress_page.bar.setValue(0)
        self.progress_page.detail.setText("Starting…")
        self._go(PROGRESS)
        self._run(work, self._imported, self._progress)

    def _progress(self, progress: Progress) -> None:
        self.progress_page.bar.setMaximum(max(progress.total, 1))
        self.progress_page.bar.setValue(progress.done)
        self.progress_page.detail.setText(progress.describe())

    def _imported(self, outcome: tuple[Any, Changes]) -> None:
        report, changed = outcome
        self.report = report
        lines = report.summary_lines()
        skipped = report.problem_lines(30)
        text = "<br>".join(lines)
        if skipped:
            text += "<br><br><b>Skipped rows</b><br>" + "<br>".join(skipped)
        self._finish("Import finished", text)
        if (window := self.parentWidget()) is not None:  # stays said once the dialog is closed
            written = lines[-1].removeprefix("Written: ")
            show_toast(window, f"Import finished: {written}.")
        if changed:
            self.data_changed.emit(changed.tables, changed.ids)

    def _finish(self, heading: str, text: str) -> None:
        self.result_page.heading.setText(heading)
        self.result_page.text.setText(text)
        self._go(RESULT)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, ImportCancelledError):
            self._finish("Import cancelled", "Nothing was written.")
        elif isinstance(error, ImportRefusedError | CsvError):
            refusal = error if isinstance(error, ImportRefusedError) else refused_by(error)
            self._show_refusal(str(refusal), refusal.problems)
        elif isinstance(error, PortalError) and self.page in (FILE, MAPPING):
            self.file_page.info.setText(rich_tone(str(error), ERROR))
            self._go(FILE)
        elif isinstance(error, PortalError):
            self._show_refusal(str(error), ())
        else:
            self._finish("Import failed", f"Nothing was written. {type(error).__name__}: {error}")
        self._update_buttons()

    def _show_refusal(self, message: str, problems: tuple[Problem, ...]) -> None:
        invalid = len({p.row for p in problems})
        self.report_page.show_report([], [], problems, invalid)
        self.report_page.summary.setText("")
        self.report_page.message.setText(f"Nothing was imported: {message}")
        self.report = None
        self._refused_problems = problems
        self._go(REPORT)

    # --- the report file ----------------------------------------------------------------

    def save_report(self, path: str | Path) -> None:
        from portal_desktop.services.files.import_common import save_report

        entries = self.report.all_entries() if self.report is not None else self._refused_problems
        save_report(entries, path)

    def _ask_save_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save report", "import-report.csv", "CSV files (*.csv)"
        )
        if path:
            try:
                self.save_report(path)
            except OSError as error:
                show_failed(self, failure_text(path, error))
            else:
                show_saved(self, path, "Saved the report")

    # --- closing ------------------------------------------------------------------------

    def done(self, result: int) -> None:
        self.runner.cancel()
        self.previews.cancel()
        self.runner.wait()
        self.previews.wait()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.runner.cancel()
        self.runner.wait()
        self.previews.wait()
        super().closeEvent(event)
