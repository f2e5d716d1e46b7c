"""The dunning list: installments past due + grace days on active enrollments, with the
student's contact details, days late and failed attempts; exportable (CSV / Excel) through
``report_exports``' "dunning" report.

It differs from the Overdue card on purpose (whom to chase today, not what is owed): the
card counts every day past due and defaulted enrollments too. Its caption says so, with the
grace days in force."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db.query_spec import ColumnKind as K
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.receivables import MAX_PAGE, DunningRow, dunning_list
from portal_desktop.services.reporting.report_exports import ReportName
from portal_desktop.views import a11y
from portal_desktop.views.column_widths import Column, TableFit
from portal_desktop.views.export_actions import Exporter
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext

COLUMNS = (
    Column("Student", K.TEXT, 16),
    Column("Email", K.TEXT, 22),
    Column("Phone", K.TEXT, 14),
    Column("Program", K.TEXT, 16),
    Column("No.", K.NUMBER, 3),
    Column("Due date", K.DATE),
    Column("Days late", K.NUMBER),
    Column("Amount due", K.MONEY),
    Column("Failed\nattempts", K.NUMBER),
)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class DunningDialog(QDialog):
    """The first ``MAX_PAGE`` installments to chase (latest due first is the service's
    order); the export writes all of them."""

    def __init__(self, ctx: TabContext, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dunning list")
        self.resize(1000, 560)
        self.ctx, self.today = ctx, today
        self.rows: list[DunningRow] = []
        self.grace_days = 0
        self.loading = True
        self.summary = QLabel("Loading…", self)
        self.summary.setWordWrap(True)
        self.table = a11y.table(QTableWidget(0, len(COLUMNS), self), "Dunning list")
        self.table.setObjectName("dunningTable")
        self.fit = TableFit(self.table, COLUMNS, ctx.formatter)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.export_button = QPushButton("Export…", self)
        self.export_button.clicked.connect(self.ask_export)
        self.status = QLabel(self)
        self.exporter = Exporter(ctx.sessions, ctx.actor, self, ctx.formatter.tz)
        self.exporter.finished.connect(self.status.setText)
        self.exporter.failed.connect(self.status.setText)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        actor = ctx.actor

        def load(session: Session) -> tuple[list[DunningRow], int]:
            rows = dunning_list(session, actor, today, limit=MAX_PAGE)
            return rows, load_settings(session).grace_days

        ReadOp(ctx, load, parent=self).success(self._show).failure(self._failed).run()

    def _show(self, loaded: tuple[list[DunningRow], int]) -> None:
        self.loading = False
        rows, self.grace_days = loaded
        self.rows = rows
        fmt = self.ctx.formatter
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            cells = (
                (row.student_name, False),
                (row.email, False),
                (row.phone or "", False),
                (row.program, False),
                (str(row.sequence), True),
                (fmt.date(row.due_date), False),
                (f"{row.days_late:,}", True),
                (fmt.money(row.amount_due), True),
                (str(row.attempts), True),
            )
            for column, (text, right) in enumerate(cells):
                item = QTableWidgetItem(text)
                if right:
                    item.setTextAlignment(RIGHT)
                self.table.setItem(number, column, item)
        self.fit.refit()
        total = sum((row.amount_due for row in rows), start=0)
        more = " (the first ones; the export has them all)" if len(rows) == MAX_PAGE else ""
        self.summary.setText(
            f"<b>{len(rows):,}</b> installments to chase as of {fmt.date(self.today)}, "
            f"<b>{fmt.money(total)}</b> to collect{more}: past due + {self.grace_days} grace "
            "days, active enrollments only. The Overdue card counts more: every installment "
            "past its due date, of defaulted enrollments too."
        )

    def _failed(self, error: BaseException) -> None:
        self.loading = False
        self.summary.setText(f"Could not load the dunning list: {error_text(error)}")

    def ask_export(self) -> None:
        self.exporter.ask_and_export_report(ReportName.DUNNING.value, self.today, self.today)

    def export_to(self, path: str | Path) -> None:
        self.exporter.export_report(ReportName.DUNNING.value, self.today, self.today, path)
