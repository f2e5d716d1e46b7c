"""The Enrollments tab: the call-to-cash list (one row per enrollment, paged and sorted in
SQL) beside the selected enrollment's detail and its student's.

Hooks for the window: ``focus_search()``, ``refresh()``, ``open_selected()`` and
``apply_filters(dict)``, whose keys are ``enrollment_id`` / ``student_id`` (an id: only that
enrollment / that student's; None or "" clears it), the list's chips (``status``, ``plan``,
``closer``, ``program``) and ``search``.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from portal_desktop import clock
from portal_desktop.db.enrollments_queries import id_filters
from portal_desktop.db.lists import spec_of
from portal_desktop.views.enrollments.dialogs import EndDialog, PlanDialog, RescheduleDialog
from portal_desktop.views.enrollments.panels import EnrollmentPanel, StudentPanel
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.table_model import KEY_ROLE
from portal_desktop.views.theme import NOTICE, set_tone

WATCHED_TABLES = frozenset({"enrollments", "installments", "payments", "students", "leads"})


class EnrollmentsTab(QWidget):
    """See the module docstring."""

    status_changed = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_enrollments")
        self.ctx = ctx
        self.dialog: FormDialog | None = None
        self.id_filters: dict[str, Any] = {}

        self.list = EntityTab(ctx, spec_of("enrollments"), self)
        self.list.status_changed.connect(self.status_changed)
        self.view = self.list.view
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.list.model.modelReset.connect(self._after_reset)

        self.notice = QLabel(self)
        self.notice.setObjectName("notice")
        set_tone(self.notice, NOTICE)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.notice.linkActivated.connect(self.clear_id_filters)

        self.enrollment = EnrollmentPanel(ctx, self)
        self.student = StudentPanel(ctx, self)
        self.details = QTabWidget(self)
        self.details.setObjectName("details")
        self.details.addTab(self.enrollment, "Enrollment")
        self.details.addTab(self.student, "Student")
        self.enrollment.reschedule_requested.connect(self.reschedule)
        self.enrollment.plan_requested.connect(self.edit_plan)
        self.enrollment.end_requested.connect(self.end_enrollment)
        self.enrollment.calls_requested.connect(self.open_calls)
        self.enrollment.loaded.connect(self._show_student)
        self.student.enrollment_requested.connect(
            lambda key: self.apply_filters({"enrollment_id": key})
        )

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.notice)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("enrollmentsSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([910, 370])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        ctx.bus.data_changed.connect(self._on_data_changed)
        self._after_reset()  # the first page was read when the list was built

    # --- hooks for the window ------------------------------------------------------------

    def focus_search(self) -> None:
        self.list.focus_search()

    def refresh(self) -> None:
        self.list.refresh()
        self.enrollment.reload()
        self.student.reload()

    def status_text(self) -> str:
        return self.list.status_text()

    def open_selected(self) -> None:
        self.details.setCurrentWidget(self.enrollment)

    def apply_filters(self, filters: dict[str, Any]) -> None:
        """Show what another screen asked for (keys in the module docstring)."""
        rest = self.list.apply_filters(filters)
        keys = ("enrollment_id", "student_id")
        if any(key in rest for key in keys):  # a new request replaces the previous one
            self.id_filters = {key: rest[key] for key in keys if rest.get(key)}
        self.list.model.set_filters(*id_filters(self.id_filters))
        self.notice.setVisible(bool(self.id_filters))
        self.notice.setText(
            "Showing only the records asked for by another screen. "
            '<a href="clear">Show all enrollments</a>'
        )

    def clear_id_filters(self, *_: Any) -> None:
        self.apply_filters({"enrollment_id": None, "student_id": None})

    # --- selection -----------------------------------------------------------------------

    def selected_enrollment(self) -> uuid.UUID | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        key = index.siblingAtColumn(0).data(KEY_ROLE)
        return key if isinstance(key, uuid.UUID) else None

    def _after_reset(self) -> None:
        if self.list.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.selectRow(0)
        self._show_selected()

    def _show_selected(self) -> None:
        key = self.selected_enrollment()
        if key == self.enrollment.record_id and self.enrollment.detail is not None:
            return
        self.enrollment.show_record(key)

    def _show_student(self) -> None:
        detail = self.enrollment.detail
        student_id = detail["student_id"] if detail else None
        if student_id != self.student.record_id or student_id is None:
            self.student.show_record(student_id)

    # --- actions -------------------------------------------------------------------------

    def _open(self, dialog: FormDialog) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def reschedule(self, row: Any) -> None:
        key = self.enrollment.record_id
        if key is not None:
            self._open(RescheduleDialog(self.ctx, key, row, self))

    def edit_plan(self) -> None:
        detail = self.enrollment.detail
        if detail is None:
            return
        first = detail["next_due"] or clock.today(self.ctx.formatter.tz)
        self._open(PlanDialog(self.ctx, detail["id"], detail["version"], first, self))

    def end_enrollment(self, kind: str) -> None:
        detail = self.enrollment.detail
        if detail is None:
            return
        label = f"{detail['student']} · {detail['program']}"
        dialog = EndDialog(
            self.ctx, detail["id"], kind, detail["version"], label, self, detail.get("balance")
        )
        self._open(dialog)

    def open_calls(self) -> None:
        detail = self.enrollment.detail
        if detail is not None:
            self.ctx.bus.show_records(
                "sales_calls",
                {"range": "all", "student_id": detail["student_id"], "search": detail["email"]},
            )

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[object]) -> None:
        if tables and not tables & WATCHED_TABLES:
            return
        self.enrollment.reload()
        self.student.reload()
