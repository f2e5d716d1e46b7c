"""The Payment-schedules actions as dialogs: record a payment, a failed charge, a refund,
reschedule an installment. Each is a :class:`~portal_desktop.views.form_dialog.FormDialog`
on one installment (read afresh by the tab): its service runs as a write op, a
ValidationError is shown at its field, a ConflictError or PermissionDeniedError in words at
the bottom, and nothing is written until Save (Esc cancels)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.payments_queries import InstallmentInfo
from portal_desktop.models.enums import PaymentMethod
from portal_desktop.services.billing import payments
from portal_desktop.services.common.date_ranges import local_midnight_utc
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.form_fields import enum_combo
from portal_desktop.views.money_input import MoneyInput
from portal_desktop.views.payments.reschedule_undo import Moved, reschedule, reschedule_undo
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.undo import Undo

NOON = dt.timedelta(hours=12)
ENTER_AMOUNT = "Type the amount, e.g. 1,250.00."


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


def amount_problem(money: MoneyInput) -> str | None:
    """The hint while ``money`` holds no amount (why its text is not one shows under it)."""
    return None if money.value() is not None else ENTER_AMOUNT


class InstallmentDialog(FormDialog):
    """A form about one installment, headed by whose it is and when it is due."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, title: str, parent: QWidget | None
    ) -> None:
        heading = f"<b>{info.label}</b><br>due {ctx.formatter.date(info.due_date)}"
        super().__init__(ctx, title, parent, heading=heading, width=420)
        self.info = info

    def day_field(self, title: str, field: str) -> None:
        today = today_of(self.ctx)
        self.day = date_edit(self, "day", today, latest=today)
        self.add_field(title, self.day, field, required=True)

    def moment(self) -> dt.datetime:
        return moment_of(self.day.date().toPython(), self.ctx.formatter.tz)


class PaymentDialog(InstallmentDialog):
    """Record money received: all of the installment or part of it (the rest stays due)."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, info, "Record a payment", parent)
        self.amount = self.money_field("Amount", info.amount, required=True)
        self.day_field("Paid on", "paid_at")
        self.method = enum_combo(self, "method", PaymentMethod)
        self.add_field("Method", self.method, "method")
        self.reference = self.text_field("Reference", "reference", "transaction or check number")
        self.update_state()

    def problem(self) -> str | None:
        return amount_problem(self.amount)

    def done_text(self, outcome: Any) -> str:
        money = self.ctx.formatter.money(self.amount.value())
        return f"Recorded a payment of {money} on {self.info.label}."

    def work(self) -> Callable[[Session], Any]:
        actor, info, when = self.ctx.actor, self.info, self.moment()
        amount, method = self.amount.value(), self.method.currentData()
        reference = self.reference.text().strip() or None

        def write(session: Session) -> Any:
            result = payments.record_payment(
                session, actor, info.id, amount, paid_at=when, method=method,
                reference=reference, expected_version=info.version,
            )  # fmt: skip
            return result.payment.id

        return write


class FailedChargeDialog(InstallmentDialog):
    """Record a charge that failed; the installment stays due."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, info, "Record a failed charge", parent)
        self.amount = self.money_field("Amount", info.amount, required=True)
        self.day_field("Attempted on", "attempted_at")
        self.method = enum_combo(self, "method", PaymentMethod)
        self.add_field("Method", self.method, "method")
        self.reason = self.text_field("Reason", "reason", "e.g. card declined", required=True)
        self.reference = self.text_field("Reference", "reference")
        self.update_state()

    def problem(self) -> str | None:
        if not self.reason.text().strip():
            return "Type why the charge failed, e.g. card declined."
        return amount_problem(self.amount)

    def done_text(self, outcome: Any) -> str:
        money = self.ctx.formatter.money(self.amount.value())
        return f"Recorded a failed charge of {money} on {self.info.label}."

    def work(self) -> Callable[[Session], Any]:
        actor, info, when = self.ctx.actor, self.info, self.moment()
        amount, method = self.amount.value(), self.method.currentData()
        reason, reference = self.reason.text(), self.reference.text().strip() or None

        def write(session: Session) -> Any:
            return payments.record_failed_charge(
                session, actor, info.id, reason, amount, attempted_at=when, method=method,
                reference=reference,
            ).id  # fmt: skip

        return write


class RefundDialog(InstallmentDialog):
    """Give back all or part of the installment's payment (ADMIN)."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, info, "Refund a payment", parent)
        paid = ctx.formatter.money(info.paid)
        left = ctx.formatter.money(info.refundable)
        self.form.addRow("Paid", QLabel(f"{paid} ({left} left to refund)", self))
        self.amount = self.money_field(
            "Refund", info.refundable if info.payment_id else None, required=True
        )
        self.reason = self.text_field("Reason", "reason")
        self.update_state()

    def problem(self) -> str | None:
        if self.info.payment_id is None:
            return "Nothing was paid on this installment, so there is nothing to refund."
        return amount_problem(self.amount)

    def confirmation(self) -> str:
        money, info = self.ctx.formatter.money, self.info
        return (
            f"Refund {money(self.amount.value())} of the {money(info.paid)} payment on "
            f"{info.label}?\n\nThe money goes back to the student; a refund cannot be undone."
        )

    def confirm_text(self) -> str:
        return f"Refund {self.ctx.formatter.money(self.amount.value())}"

    def done_text(self, outcome: Any) -> str:
        money = self.ctx.formatter.money
        return f"Refunded {money(self.amount.value())} on {self.info.label}."

    def work(self) -> Callable[[Session], Any]:
        actor, payment_id = self.ctx.actor, self.info.payment_id
        amount, reason = self.amount.value(), self.reason.text().strip() or None
        assert payment_id is not None

        def write(session: Session) -> Any:
            payment = payments.refund_payment(session, actor, payment_id, amount, reason=reason)
            return payment.id

        return write


class RescheduleDialog(InstallmentDialog):
    """Move an unpaid installment to another due date."""

    def __init__(
        self, ctx: TabContext, info: InstallmentInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, info, "Reschedule an installment", parent)
        self.day = date_edit(self, "dueDate", info.due_date)
        self.add_field("New due date", self.day, "due_date", required=True)
        self.watch(self.day.dateChanged)
        self.update_state()

    def problem(self) -> str | None:
        if self.day.date().toPython() == self.info.due_date:
            return "Choose the new due date."
        return None

    def undo(self, outcome: Moved) -> Undo:
        info = self.info
        return reschedule_undo(
            self.ctx, outcome, info.label, info.due_date, self.day.date().toPython()
        )

    def work(self) -> Callable[[Session], Moved]:
        return reschedule(self.ctx, self.info.id, self.day.date().toPython(), self.info.version)
