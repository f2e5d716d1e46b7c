"""The Payment-schedules actions as dialogs: record a payment, a failed charge, a refund,
reschedule an installment. Each one writes through its service on a pool thread; a
ValidationError is shown at its field, a ConflictError or PermissionDeniedError in words at
the bottom, and nothing is written until Save (Esc cancels)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.payments_queries import InstallmentInfo
from portal_desktop.models.enums import PaymentMethod
from portal_desktop.services import collections, plan_changes
from portal_desktop.services.date_ranges import local_midnight_utc
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.money_input import MoneyInput
from portal_desktop.views.ops import run_write
from portal_desktop.views.tab_context import TabContext

# The tables a payment action changes (for ctx.bus.announce).
CHANGED_TABLES = frozenset({"installments", "payments", "enrollments"})
NOON = dt.timedelta(hours=12)


def date_edit(parent: QWidget, day: dt.date, *, latest: dt.date | None = None) -> QDateEdit:
    """A date field with a calendar pop-up (``latest``: no day after it can be chosen)."""
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if latest is not None:
        edit.setMaximumDate(QDate(latest.year, latest.month, latest.day))
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def today_of(ctx: TabContext) -> dt.date:
    """Today where the formatter shows times (the installation's zone, else this machine's)."""
    return clock.today(ctx.formatter.tz)


def zone_of(ctx: TabContext) -> dt.tzinfo:
    """Where the formatter shows times: the installation's zone, else this machine's."""
    return clock.local_now(ctx.formatter.tz).tzinfo or dt.UTC


def moment_of(day: dt.date, tz: dt.tzinfo | None) -> dt.datetime:
    """When something that happened on a local ``day`` is recorded: now for today, else
    noon of that day (the services refuse moments in the future)."""
    now = clock.now()
    zone = tz or now.astimezone().tzinfo or dt.UTC
    if day >= now.astimezone(zone).date():
        return now
    return local_midnight_utc(day, zone) + NOON


class ActionDialog(QDialog):
    """A form with errors at the fields, Save (disabled until valid) and Cancel."""

    saved = Signal(object)

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, title: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.ctx, self.info = ctx, info
        self.writing = False
        self.outcome: Any = None
        heading = QLabel(f"<b>{info.label}</b><br>due {ctx.formatter.date(info.due_date)}", self)
        self.form = QFormLayout()
        general = QLabel(self)
        general.setObjectName("error_general")
        self.errors = FieldErrors(general)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(self.form)
        layout.addWidget(general)
        layout.addWidget(self.buttons)

    def add_field(self, title: str, widget: QWidget, *fields: str) -> None:
        """A row of the form, with the label errors on ``fields`` go to under it."""
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(self.errors.label_for(self, *fields))
        self.form.addRow(title, box)

    def money_field(self, title: str, amount: Any, field: str = "amount") -> MoneyInput:
        money = MoneyInput(self, field=field)
        money.set_value(amount)
        money.value_changed.connect(self.update_save)
        self.add_field(title, money, field)
        return money

    def text_field(self, title: str, field: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self.update_save)
        self.add_field(title, edit, field)
        return edit

    def is_valid(self) -> bool:
        return True

    def update_save(self, *_: object) -> None:
        self.save_button.setEnabled(not self.writing and self.is_valid())

    def work(self) -> Callable[[Session], Any]:
        """The write, as a function of a Session (runs on a pool thread)."""
        raise NotImplementedError

    def save(self) -> None:
        if self.writing or not self.is_valid():
            return
        self.errors.clear()
        self.writing = True
        self.update_save()
        run_write(self.ctx, self, self.work(), self._done, self._failed)

    def _done(self, outcome: Any) -> None:
        self.writing = False
        self.outcome = outcome
        self.ctx.bus.announce(CHANGED_TABLES, {self.info.id})
        self.saved.emit(outcome)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.writing = False
        self.errors.show(error)
        self.update_save()


def _methods(parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    for method in PaymentMethod:
        combo.addItem(enum_label(method.value), method)
    return combo


class PaymentDialog(ActionDialog):
    """Record money received: all of the installment or part of it (the rest stays due)."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, info, "Record a payment", parent)
        self.amount = self.money_field("Amount *", info.amount)
        self.day = date_edit(self, today_of(ctx), latest=today_of(ctx))
        self.add_field("Paid on *", self.day, "paid_at")
        self.method = _methods(self)
        self.add_field("Method", self.method, "method")
        self.reference = self.text_field("Reference", "reference", "transaction or check number")
        self.update_save()

    def is_valid(self) -> bool:
        return self.amount.value() is not None

    def work(self) -> Callable[[Session], Any]:
        actor, info = self.ctx.actor, self.info
        amount, method = self.amount.value(), self.method.currentData()
        reference = self.reference.text().strip() or None
        when = moment_of(self.day.date().toPython(), self.ctx.formatter.tz)

        def write(session: Session) -> Any:
            result = collections.record_payment(
                session, actor, info.id, amount, paid_at=when, method=method,
                reference=reference, expected_version=info.version,
            )  # fmt: skip
            return result.payment.id

        return write


class FailedChargeDialog(ActionDialog):
    """Record a charge that failed; the installment stays due."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, info, "Record a failed charge", parent)
        self.amount = self.money_field("Amount *", info.amount)
        self.day = date_edit(self, today_of(ctx), latest=today_of(ctx))
        self.add_field("Attempted on *", self.day, "attempted_at")
        self.method = _methods(self)
        self.add_field("Method", self.method, "method")
        self.reason = self.text_field("Reason *", "reason", "e.g. card declined")
        self.reference = self.text_field("Reference", "reference")
        self.update_save()

    def is_valid(self) -> bool:
        return self.amount.value() is not None and bool(self.reason.text().strip())

    def work(self) -> Callable[[Session], Any]:
        actor, info = self.ctx.actor, self.info
        amount, method = self.amount.value(), self.method.currentData()
        reason, reference = self.reason.text(), self.reference.text().strip() or None
        when = moment_of(self.day.date().toPython(), self.ctx.formatter.tz)

        def write(session: Session) -> Any:
            return collections.record_failed_charge(
                session, actor, info.id, reason, amount, attempted_at=when, method=method,
                reference=reference,
            ).id  # fmt: skip

        return write


class RefundDialog(ActionDialog):
    """Give back all or part of the installment's payment (ADMIN)."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, info, "Refund a payment", parent)
        paid = ctx.formatter.money(info.paid)
        left = ctx.formatter.money(info.refundable)
        self.form.addRow("Paid", QLabel(f"{paid} ({left} left to refund)", self))
        self.amount = self.money_field("Refund *", info.refundable if info.payment_id else None)
        self.reason = self.text_field("Reason", "reason")
        if info.payment_id is None:
            self.errors.general.setText(
                "Nothing was paid on this installment, so there is nothing to refund."
            )
            self.errors.general.show()
        self.update_save()

    def is_valid(self) -> bool:
        return self.info.payment_id is not None and self.amount.value() is not None

    def work(self) -> Callable[[Session], Any]:
        actor, payment_id = self.ctx.actor, self.info.payment_id
        amount, reason = self.amount.value(), self.reason.text().strip() or None
        assert payment_id is not None

        def write(session: Session) -> Any:
            payment = collections.refund_payment(session, actor, payment_id, amount, reason=reason)
            return payment.id

        return write


class RescheduleDialog(ActionDialog):
    """Move an unpaid installment to another due date."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, info, "Reschedule an installment", parent)
        self.day = date_edit(self, info.due_date)
        self.day.dateChanged.connect(self.update_save)
        self.add_field("New due date *", self.day, "due_date")
        self.update_save()

    def is_valid(self) -> bool:
        return self.day.date().toPython() != self.info.due_date

    def work(self) -> Callable[[Session], Any]:
        actor, info, day = self.ctx.actor, self.info, self.day.date().toPython()

        def write(session: Session) -> Any:
            return plan_changes.reschedule_installment(
                session, actor, info.id, day, expected_version=info.version
            ).id

        return write
