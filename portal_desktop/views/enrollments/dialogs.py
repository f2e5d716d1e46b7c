"""The Enrollments tab's dialogs: reschedule one installment, edit the remaining plan (with a
preview before saving), cancel or mark defaulted. Each is a
:class:`~portal_desktop.views.form_dialog.FormDialog`: Save runs one service as a write op
(which announces what changed), errors show at their field, Esc cancels without writing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from portal_desktop.models.enums import PaymentFrequency
from portal_desktop.services.billing import plan_changes
from portal_desktop.services.billing.payment_plans import MAX_INSTALLMENTS, PlanChange
from portal_desktop.services.sales import enrollments as enrollment_service
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.enrollments.grids import fill_grid, make_grid
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.form_fields import enum_combo
from portal_desktop.views.member_picker import select_data
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.payments.reschedule_undo import Moved, reschedule, reschedule_undo
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.undo import Undo
from portal_desktop.views.workers import OpGeneration

PREVIEWING = "Save is possible once the preview below shows the new schedule."


class RescheduleDialog(FormDialog):
    """Move one unpaid installment to another due date."""

    def __init__(
        self,
        ctx: TabContext,
        enrollment_id: uuid.UUID,
        row: Any,
        parent: QWidget | None = None,
    ) -> None:
        fmt = ctx.formatter
        super().__init__(
            ctx,
            f"Reschedule installment {row.sequence}",
            parent,
            heading=(
                f"Installment {row.sequence}: {fmt.money(row.amount)}, due {fmt.date(row.due_date)}"
            ),
            width=420,
        )
        self.enrollment_id = enrollment_id
        self.row = row
        self.due_date = date_edit(self, "dueDate", row.due_date)
        self.add_field("New due date", self.due_date, "due_date", "installment_id", required=True)
        self.update_state()

    def undo(self, outcome: Moved) -> Undo:
        label = f"Installment {self.row.sequence}"
        return reschedule_undo(
            self.ctx, outcome, label, self.row.due_date, self.due_date.date().toPython()
        )

    def work(self) -> Callable[[Session], Moved]:
        row, day = self.row, self.due_date.date().toPython()
        return reschedule(self.ctx, row.installment_id, day, row.version)


class EndDialog(FormDialog):
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
        balance: Decimal | None = None,
    ) -> None:
        title, self.action = self.ACTIONS[kind]
        self.kind, self.label, self.balance = kind, label, balance
        explain = (
            "Nothing more will be owed; unpaid installments stay for the record."
            if kind == "cancel"
            else "The student stopped paying; what is unpaid is still owed."
        )
        super().__init__(
            ctx, title, parent, save_text=title, heading=f"{label}\n{explain}", width=420
        )
        self.enrollment_id = enrollment_id
        self.version = version
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setMaxLength(500)
        self.add_field("Reason", self.reason, "reason", "enrollment_id")
        self.update_state()

    def confirmation(self) -> str:
        unpaid = self.ctx.formatter.money(self.balance) if self.balance is not None else None
        if self.kind == "cancel":
            owed = f"{unpaid} still unpaid will no longer be owed" if unpaid else ""
            question = f"Cancel the enrollment of {self.label}?"
        else:
            owed = f"{unpaid} unpaid stays owed" if unpaid else ""
            question = f"Mark the enrollment of {self.label} defaulted?"
        return f"{question}\n\n{owed + '; ' if owed else ''}this cannot be undone here."

    def done_text(self, outcome: str) -> str:
        done = "Cancelled" if self.kind == "cancel" else "Marked defaulted:"
        return f"{done} the enrollment of {self.label}."

    def work(self) -> Callable[[Session], str]:
        actor, action, enrollment_id = self.ctx.actor, self.action, self.enrollment_id
        reason, version = self.reason.text().strip() or None, self.version

        def write(session: Session) -> str:
            enrollment = action(session, actor, enrollment_id, reason, expected_version=version)
            return str(enrollment.status)

        return write


class PlanDialog(FormDialog):
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
        super().__init__(ctx, "Edit the remaining plan", parent, width=480)
        self.enrollment_id = enrollment_id
        self.version = version
        self.change: PlanChange | None = None
        self._generation = OpGeneration()
        self.count = QSpinBox(self)
        self.count.setObjectName("installments")
        self.count.setRange(1, MAX_INSTALLMENTS)
        self.count.setValue(3)
        self.frequency = enum_combo(self, "frequency", PaymentFrequency)
        select_data(self.frequency, PaymentFrequency.MONTHLY)
        self.first_due = date_edit(self, "firstDueDate", first_due)
        self.add_field("Installments", self.count, "installments", required=True)
        self.add_field("Frequency", self.frequency, "frequency", required=True)
        self.add_field(
            "First due date", self.first_due, "first_due_date", "due_date", required=True
        )
        self.summary = QLabel(self)
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.preview = make_grid(
            self, "preview", ("No.", "Due", "Amount", ""), "The new installments"
        )
        layout = cast(QVBoxLayout, self.layout())  # the preview goes between form and hint
        layout.insertWidget(layout.indexOf(self.hint), self.summary)
        layout.insertWidget(layout.indexOf(self.hint), self.preview, 1)
        self.count.valueChanged.connect(self.refresh_preview)
        self.frequency.currentIndexChanged.connect(self.refresh_preview)
        self.first_due.dateChanged.connect(self.refresh_preview)
        self.refresh_preview()

    def choices(self) -> tuple[int, PaymentFrequency, dt.date]:
        return self.count.value(), self.frequency.currentData(), self.first_due.date().toPython()

    def problem(self) -> str | None:
        return None if self.change is not None else PREVIEWING

    def refresh_preview(self) -> None:
        self.change = None
        self.update_state()
        ticket = self._generation.next()
        actor, enrollment_id = self.ctx.actor, self.enrollment_id
        count, frequency, first = self.choices()

        def read(session: Session) -> PlanChange:
            return plan_changes.preview_remaining_plan(
                session, actor, enrollment_id, count, frequency, first
            )

        ReadOp(self.ctx, read, parent=self).success(
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
        self.update_state()
        self.previewed.emit()

    def work(self) -> Callable[[Session], PlanChange]:
        actor, enrollment_id, version = self.ctx.actor, self.enrollment_id, self.version
        count, frequency, first = self.choices()

        def write(session: Session) -> PlanChange:
            return plan_changes.change_remaining_plan(
                session, actor, enrollment_id, count, frequency, first, expected_version=version
            )

        return write
