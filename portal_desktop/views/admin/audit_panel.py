"""The audit trail: a paged list over ``audit_log`` with chips (record, action, user, last N
days), a From/To date range, and the selected entry's old and new values, field by field."""

from __future__ import annotations

import datetime as dt
import html
import uuid

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.db.admin_queries import AUDIT_TRAIL, audit_period
from portal_desktop.services.common.audit_names import Shown
from portal_desktop.services.common.audit_summary import AuditDetail, describe, readable_rows
from portal_desktop.views import a11y
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.workers import OpGeneration

SUMMARY_COLUMN = next(n for n, c in enumerate(AUDIT_TRAIL.columns) if c.title == "Summary")


def _date_edit(parent: QWidget, name: str) -> QDateEdit:
    """A From/To box, off until its check box is ticked."""
    edit = date_edit(parent, name, QDate.currentDate().toPython())
    edit.setEnabled(False)
    return edit


class AuditPanel(QWidget):
    """See the module docstring."""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditPanel")
        self.ctx = ctx
        self.list = EntityTab(ctx, AUDIT_TRAIL, parent=self, show_totals=False)
        formatter = ctx.formatter
        self.shown = Shown(formatter.money, formatter.date, formatter.datetime)
        self.list.model.set_row_finish(readable_rows(self.shown, SUMMARY_COLUMN))
        self.use_from = QCheckBox("From", self)
        self.use_from.setObjectName("useFrom")
        self.date_from = a11y.named(_date_edit(self, "dateFrom"), "Audit trail from")
        self.use_to = QCheckBox("to", self)
        self.use_to.setObjectName("useTo")
        self.date_to = a11y.named(_date_edit(self, "dateTo"), "Audit trail to")
        for box, edit in ((self.use_from, self.date_from), (self.use_to, self.date_to)):
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(self.apply_period)
            edit.dateChanged.connect(self.apply_period)

        self.heading = QLabel("Select an entry to see what changed.", self)
        self.heading.setObjectName("auditHeading")
        self.heading.setWordWrap(True)
        self.changes = a11y.table(QTableWidget(0, 3, self), "What changed in the entry")
        self.changes.setObjectName("auditChanges")
        self.changes.setHorizontalHeaderLabels(["Field", "Before", "After"])
        self.changes.verticalHeader().setVisible(False)
        self.changes.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.changes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.changes.setWordWrap(True)
        self._loads = OpGeneration()
        self.detail: AuditDetail | None = None
        self.list.view.selectionModel().selectionChanged.connect(self._on_selected)

        period = QHBoxLayout()
        period.setContentsMargins(12, 0, 12, 0)
        period.addWidget(self.use_from)
        period.addWidget(self.date_from)
        period.addWidget(self.use_to)
        period.addWidget(self.date_to)
        period.addStretch(1)
        detail = QWidget(self)
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(12, 0, 12, 8)
        detail_layout.addWidget(self.heading)
        detail_layout.addWidget(self.changes, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setObjectName("auditSplitter")
        split.addWidget(self.list)
        split.addWidget(detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(period)
        layout.addWidget(split, 1)

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        start = self.date_from.date().toPython() if self.use_from.isChecked() else None
        end = self.date_to.date().toPython() if self.use_to.isChecked() else None
        return start, end  # type: ignore[return-value]

    def apply_period(self, *_: object) -> None:
        start, end = self.period()
        self.list.model.set_filters(*audit_period(start, end, self.ctx.formatter.tz))
        self.list.refresh()

    def _on_selected(self, *_: object) -> None:
        ids = self.list.selected_ids()
        if len(ids) != 1:
            return
        self.show_entry(ids[0])

    def show_entry(self, entry_id: uuid.UUID) -> None:
        ticket = self._loads.next()
        shown = self.shown
        ReadOp(
            self.ctx, lambda session: describe(session.connection(), entry_id, shown), parent=self
        ).success(lambda detail: self._show(ticket, detail)).run()

    def _show(self, ticket: int, detail: AuditDetail | None) -> None:
        if not self._loads.is_current(ticket) or detail is None:
            return
        self.detail = detail
        when = self.ctx.formatter.datetime(detail.at)
        self.heading.setText(
            f"<b>{html.escape(detail.line)}</b><br>by {html.escape(detail.username)} · {when}"
        )
        self.changes.setRowCount(len(detail.changes))
        for row, line in enumerate(detail.changes):
            for column, text in enumerate((line.field, line.old, line.new)):
                self.changes.setItem(row, column, QTableWidgetItem(text))
        self.changes.resizeRowsToContents()
