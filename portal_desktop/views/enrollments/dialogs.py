"""The Enrollments tab's dialogs: reschedule one installment, edit the remaining plan (with a
preview before saving), cancel or mark defaulted. Each write is a service call in a worker;
errors are shown at their field, Esc cancels without writing anything."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.models.enums import PaymentFrequency
from portal_desktop.services import enrollments as enrollment_service
from portal_desktop.services import plan_changes
from portal_desktop.services.payment_plans import MAX_INSTALLMENTS, PlanChange
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.enrollments.grids import fill_grid, make_grid
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.ops import run_write
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.workers import OpGeneration, QueryOp

WRITTEN_TABLES = frozenset({"enrollments", "installments", "payments"})


class WriteDialog(QDialog):
    """A form whose Save runs one service call in a worker, then announces the change."""

    saved = Signal(object)

    def __init__(
        self, ctx: TabContext, enrollment_id: uuid.UUID, title: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.enrollment_id = enrollment_id
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.form = QFormLayout()
        general = QLabel(self)
        general.setObjectName("error_general")
        self.errors = FieldErrors(general)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.errors.general)
        self.layout_.addWidget(self.buttons)

    @property
    def save_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def add_field(self, label: str, widget: QWidget, *fields: str) -> None:
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(self.errors.label_for(self, *fields))
        self.form.addRow(label, box)

    def work(self, session: Session) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def submit(self) -> None:
        if not self.save_button.isEnabled():
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        run_write(self.ctx, self, self.work, self._done, self._failed)

    def _done(self, result: Any) -> None:
        self.ctx.bus.announce(WRITTEN_TABLES, {self.enrollment_id})
        self.saved.emit(result)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.errors.show(error)
        self.save_button.setEnabled(True)


class RescheduleDialog(WriteDialog):
    """Move one unpaid installment to another due date."""

    def __init__(
        self,
        ctx: TabContext,
        enrollment_id: uuid.UUID,
        row: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, enrollment_id, f"Reschedule installment {row.sequence}", parent)
        self.row = row
        fmt = ctx.formatter
        info = QLabel(
            f"Installment {row.sequence}: {fmt.money(row.amount)}, due {fmt.date(row.due_date)}",
            self,
        )
        self.form.addRow(info)
        self.due_date = date_edit(self, "dueDate", row.due_date)
        self.add_field("New due date *", self.due_date, "due_date", "installment_id")
        self.finish_layout()

    def work(self, session: Session) -> dt.date:
        day = self.due_date.date().toPython()
        plan_changes.reschedule_installment(
            session,
            self.ctx.actor,
            self.row.installment_id,
            day,
            expected_version=self.row.version,
        )
        return day


class EndDialog(WriteDialog):
    """Cancel an enrollment or mark it defaulted (ADMIN), with an optional reason."""

    ACTIONS: dict[str, tuple[str, Callable[..., Any]]] = {
        "cancel": ("Cancel enrollment", enrollment_service.cancel_enrollment),
        "default": ("Mark enrollment defaulted", enrollment_service.mark_defaulted),
    }

    def __init__(
        self,
        ctx: TabContext,
        enrollment_id: uuid.UUID,
        kind: str,
        version: int,
        label: str,
        parent: QWidget | None = None,
    ) -> None:
        title, self.action = self.ACTIONS[kind]
        super().__init__(ctx, enrollment_id, title, parent)
        self.version = version
        explain = (
            "Nothing more will be owed; unpaid installments stay for the record."
            if kind == "cancel"
            else "The student stopped paying; what is unpaid is still owed."
        )
        text = QLabel(f"{label}\n{explain}", self)
        text.setWordWrap(True)
        self.form.addRow(text)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setMaxLength(500)
        self.add_field("Reason", self.reason, "reason", "enrollment_id")
        self.save_button.setText(title)
        self.finish_layout()

    def work(self, session: Session) -> str:
        enrollment = self.action(
            session,
            self.ctx.actor,
            self.enrollment_id,
            self.reason.text().strip() or None,
            expected_version=self.version,
        )
        return str(enrollment.status)


class PlanDialog(WriteDialog):
    """Re-plan what is still unpaid: count, frequency, first due date, and a preview of the
    new schedule (the total and the paid part are kept). Save stays disabled until the
    preview of the current choices is shown."""

    previewed = Signal()

    def __init__(
        self,
        ctx: TabContext,
        enrollment_id: uuid.UUID,
        version: int,
        first_due: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, enrollment_id, "Edit the remaining plan", parent)
        self.setMinimumWidth(480)
        self.version = version
        self.change: PlanChange | None = None
        self._generation = OpGeneration()
        self.count = QSpinBox(self)
        self.count.setObjectName("installments")
        self.count.setRange(1, MAX_INSTALLMENTS)
        self.count.setValue(3)
        self.frequency = QComboBox(self)
        self.frequency.setObjectName("frequency")
        for value in PaymentFrequency:
            self.frequency.addItem(enum_label(value.value), value)
        self.frequency.setCurrentIndex(list(PaymentFrequency).index(PaymentFrequency.MONTHLY))
        self.first_due = date_edit(self, "firstDueDate", first_due)
        self.add_field("Installments *", self.count, "installments")
        self.add_field("Frequency *", self.frequency, "frequency")
        self.add_field("First due date *", self.first_due, "first_due_date", "due_date")
        self.summary = QLabel(self)
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.preview = make_grid(self, "preview", ("No.", "Due", "Amount", ""))
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.preview, 1)
        self.finish_layout()
        self.save_button.setEnabled(False)
        self.count.valueChanged.connect(self.refresh_preview)
        self.frequency.currentIndexChanged.connect(self.refresh_preview)
        self.first_due.dateChanged.connect(self.refresh_preview)
        self.refresh_preview()

    def choices(self) -> tuple[int, PaymentFrequency, dt.date]:
        return self.count.value(), self.frequency.currentData(), self.first_due.date().toPython()

    def refresh_preview(self) -> None:
        self.save_button.setEnabled(False)
        self.change = None
        ticket = self._generation.next()
        count, frequency, first = self.choices()

        def read(session: Session) -> PlanChange:
            return plan_changes.preview_remaining_plan(
                session, self.ctx.actor, self.enrollment_id, count, frequency, first
            )

        QueryOp(self.ctx.sessions, read, parent=self).success(
            lambda change: self._show(ticket, change)
        ).failure(lambda error: self._show(ticket, None, error)).run()

    def _show(self, ticket: int, change: PlanChange | None, error: Any = None) -> None:
        if not self._generation.is_current(ticket):
            return
        self.errors.clear()
        self.change = change
        fmt = self.ctx.formatter
        if change is None:
            self.errors.show(error)
            fill_grid(self.preview, [])
            self.summary.setText("")
        else:
            lines = [
                (str(item.sequence), fmt.date(item.due_date), fmt.money(item.amount), "paid, kept")
                for item in change.kept
            ] + [
                (str(item.sequence), fmt.date(item.due_date), fmt.money(item.amount), "new")
                for item in change.new
            ]
            fill_grid(self.preview, lines)
            self.summary.setText(
                f"Total {fmt.money(change.total)} stays; paid part "
                f"{fmt.money(change.total - change.remaining)} stays; the remaining "
                f"{fmt.money(change.remaining)} replaces {len(change.replaced)} unpaid "
                f"installment(s) with {len(change.new)}."
            )
        self.save_button.setEnabled(change is not None)
        self.previewed.emit()

    def work(self, session: Session) -> PlanChange:
        count, frequency, first = self.choices()
        return plan_changes.change_remaining_plan(
            session,
            self.ctx.actor,
            self.enrollment_id,
            count,
            frequency,
            first,
            expected_version=self.version,
        )
