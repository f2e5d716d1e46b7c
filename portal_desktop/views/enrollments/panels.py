"""The panels beside the call-to-cash list: the selected enrollment (schedule, payments with
refunds, audit trail, actions) and its student (contact, lead and campaign, enrollments)."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db import enrollments_queries as queries
from portal_desktop.models.enums import EnrollmentStatus, InstallmentStatus
from portal_desktop.services.billing import receivables
from portal_desktop.services.common.context import Permission
from portal_desktop.views.enrollments.grids import fill_grid, make_grid
from portal_desktop.views.formatting import Formatter, enum_label
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.workers import OpGeneration

PANEL_STYLE = """
QLabel#title { font-size: 16px; font-weight: 600; }
"""
OPEN = (EnrollmentStatus.ACTIVE,)


def _label(parent: QWidget, name: str, text: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def figures_text(detail: dict[str, Any], fmt: Formatter) -> str:
    """The enrollment's money in one line that adds up: contract = paid + balance (+ not
    owed, once cancelled); collected = paid - refunded (enrollments_queries)."""
    not_owed = detail["not_owed"]
    owed_part = f" + not owed {fmt.money(not_owed)}" if not_owed else ""
    refunded = detail["refunded"]
    kept = f" (paid less {fmt.money(refunded)} refunded)" if refunded else ""
    next_due = fmt.date(detail["next_due"]) if detail["next_due"] else "—"
    return (
        f"Contract {fmt.money(detail['contract_value'])} = paid {fmt.money(detail['paid'])}"
        f" + balance {fmt.money(detail['balance'])}{owed_part} · collected "
        f"{fmt.money(detail['cash_collected'])}{kept} · next due {next_due}"
    )


def schedule_status(row: receivables.ScheduleRow, cancelled: bool) -> str:
    """An installment's status; an unpaid one of a cancelled enrollment is not owed."""
    if cancelled and row.status is not InstallmentStatus.PAID:
        text = enum_label("NOT_OWED")
    else:
        text = enum_label(str(row.status))
    return text + (f", {row.failed_attempts} failed" if row.failed_attempts else "")


def refunded_text(row: receivables.ScheduleRow, fmt: Formatter) -> str:
    """What was given back of the payment that paid an installment (its amount is the
    installment's: a partial payment splits the installment)."""
    return fmt.money(row.refunded) if row.paid and row.refunded else ""


class Loader(QWidget):
    """A panel that reads its record in a worker and ignores stale answers."""

    loaded = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record_id: uuid.UUID | None = None
        self.detail: dict[str, Any] | None = None
        self._generation = OpGeneration()
        self.setStyleSheet(PANEL_STYLE)

    def read(self, session: Session, record_id: uuid.UUID) -> dict[str, Any] | None:
        raise NotImplementedError  # pragma: no cover

    def fill(self, detail: dict[str, Any] | None) -> None:
        raise NotImplementedError  # pragma: no cover

    def show_record(self, record_id: uuid.UUID | None) -> None:
        self.record_id = record_id
        ticket = self._generation.next()
        if record_id is None:
            self._loaded(ticket, None)
            return
        ReadOp(self.ctx, lambda s: self.read(s, record_id), parent=self).success(
            lambda detail: self._loaded(ticket, detail)
        ).failure(lambda _error: self._loaded(ticket, None)).run()

    def reload(self) -> None:
        self.show_record(self.record_id)

    def _loaded(self, ticket: int, detail: dict[str, Any] | None) -> None:
        if self._generation.is_current(ticket):
            self.detail = detail
            self.fill(detail)
            self.loaded.emit()


class EnrollmentPanel(Loader):
    """One enrollment; its buttons ask the tab to act (signals carry the enrollment id)."""

    reschedule_requested = Signal(object)  # the schedule row
    plan_requested = Signal()
    end_requested = Signal(str)  # "cancel" / "default"
    calls_requested = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("enrollmentDetail")
        self.schedule: list[receivables.ScheduleRow] = []
        self.title = _label(self, "title", "Select an enrollment")
        self.subtitle = _label(self, "subtitle")
        self.figures = _label(self, "figures")
        can = ctx.actor.can
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        actions = (
            ("reschedule", "Reschedule…", self._reschedule, can(Permission.EDIT_ENROLLMENTS)),
            ("plan", "Edit plan…", self.plan_requested.emit, can(Permission.EDIT_ENROLLMENTS)),
            ("cancel", "Cancel…", lambda: self.end_requested.emit("cancel"), False),
            ("default", "Mark defaulted…", lambda: self.end_requested.emit("default"), False),
            ("calls", "Student's calls", self.calls_requested.emit, True),
        )
        ending = can(Permission.END_ENROLLMENTS)
        for number, (key, text, handler, allowed) in enumerate(actions):
            button = QPushButton(text, self)
            button.setObjectName(f"{key}Button")
            button.clicked.connect(lambda _checked=False, run=handler: run())
            button.setVisible(allowed or (ending and key in ("cancel", "default")))
            self.buttons[key] = button
            grid.addWidget(button, number // 3, number % 3)

        self.sections = QTabWidget(self)
        self.schedule_grid = make_grid(
            self, "scheduleGrid", ("No.", "Due", "Amount", "Status", "Refund"), "Installments"
        )
        # The refunds take the room left, not more: the panel never scrolls sideways for them.
        self.schedule_grid.horizontalHeader().setSectionResizeMode(
            4, QHeaderView.ResizeMode.Stretch
        )
        self.schedule_grid.itemSelectionChanged.connect(self._update_buttons)
        self.schedule_grid.doubleClicked.connect(lambda _index: self._reschedule())
        self.payments_grid = make_grid(
            self,
            "paymentsGrid",
            ("Date", "No.", "Amount", "Status", "Method", "Refunded", "Note"),
            "Payments",
        )
        self.audit_grid = make_grid(
            self, "auditGrid", ("When", "User", "Action", "Record", "What"), "Audit trail"
        )
        self.sections.addTab(self.schedule_grid, "Schedule")
        self.sections.addTab(self.payments_grid, "Payments")
        self.sections.addTab(self.audit_grid, "Audit trail")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.figures)
        layout.addLayout(grid)
        layout.addWidget(self.sections, 1)
        self._update_buttons()

    def read(self, session: Session, record_id: uuid.UUID) -> dict[str, Any] | None:
        detail = queries.enrollment_detail(session, record_id)
        if detail is not None and self.ctx.actor.can(Permission.VIEW_FINANCE):
            detail["schedule"] = receivables.enrollment_schedule(session, self.ctx.actor, record_id)
        return detail

    def fill(self, detail: dict[str, Any] | None) -> None:
        fmt = self.ctx.formatter
        self.schedule = list(detail.get("schedule", ())) if detail else []
        if detail is None:
            gone = self.record_id is not None
            self.title.setText(
                "This enrollment no longer exists" if gone else "Select an enrollment"
            )
            for label in (self.subtitle, self.figures):
                label.setText("")
            for grid in (self.schedule_grid, self.payments_grid, self.audit_grid):
                fill_grid(grid, [])
            self._update_buttons()
            return
        self.title.setText(f"{detail['student']} · {detail['program']}")
        frequency = detail["payment_frequency"]
        plan = enum_label(str(detail["plan_type"]))
        if frequency is not None and len(self.schedule) > 1:
            plan += f", {enum_label(str(frequency)).lower()}"
        status = enum_label(str(detail["status"]))
        self.subtitle.setText(
            f"{status} · {plan} · started {fmt.date(detail['start_date'])}"
            f" · closer {detail['closer'] or '—'} · setter {detail['setter'] or '—'}"
        )
        self.figures.setText(figures_text(detail, fmt))
        cancelled = detail["status"] == EnrollmentStatus.CANCELLED
        fill_grid(
            self.schedule_grid,
            [
                (
                    str(row.sequence) + (" (down)" if row.is_down_payment else ""),
                    fmt.date(row.due_date),
                    fmt.money(row.amount),
                    schedule_status(row, cancelled),
                    refunded_text(row, fmt),
                )
                for row in self.schedule
            ],
        )
        fill_grid(
            self.payments_grid,
            [
                (
                    fmt.datetime(line.paid_at),
                    str(line.installment_sequence or ""),
                    fmt.money(line.amount),
                    enum_label(line.status),
                    enum_label(line.method),
                    (
                        f"{fmt.money(line.refunded_amount)} on {fmt.datetime(line.refunded_at)}"
                        if line.refunded_amount and line.refunded_at
                        else ""
                    ),
                    line.failure_reason or line.reference or "",
                )
                for line in detail["payments"]
            ],
        )
        fill_grid(
            self.audit_grid,
            [
                (
                    fmt.datetime(line.at),
                    line.username,
                    enum_label(line.action),
                    line.entity.rstrip("s"),
                    line.summary,
                )
                for line in detail["audit"]
            ],
        )
        self._update_buttons()

    def selected_installment(self) -> receivables.ScheduleRow | None:
        rows = self.schedule_grid.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.schedule):
            return None
        return self.schedule[rows[0].row()]

    def _reschedule(self) -> None:
        row = self.selected_installment()
        if row is not None and row.status is not InstallmentStatus.PAID:
            self.reschedule_requested.emit(row)

    def _update_buttons(self) -> None:
        detail = self.detail
        status = detail["status"] if detail else None
        is_open = status in OPEN
        row = self.selected_installment()
        self.buttons["reschedule"].setEnabled(
            is_open and row is not None and row.status is not InstallmentStatus.PAID
        )
        self.buttons["reschedule"].setToolTip("Select an unpaid installment of the schedule")
        unpaid = any(row.status is not InstallmentStatus.PAID for row in self.schedule)
        self.buttons["plan"].setEnabled(is_open and unpaid)
        self.buttons["cancel"].setEnabled(
            status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.DEFAULTED)
        )
        self.buttons["default"].setEnabled(is_open)
        self.buttons["calls"].setEnabled(detail is not None)


class StudentPanel(Loader):
    """One student: contact details, the lead it came from and its campaign, enrollments."""

    enrollment_requested = Signal(object)

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("studentDetail")
        self.title = _label(self, "title", "Select an enrollment")
        self.contact = _label(self, "contact")
        self.origin = _label(self, "origin")
        self.enrollments: list[dict[str, Any]] = []
        self.grid = make_grid(
            self,
            "studentEnrollments",
            ("Program", "Status", "Contract", "Collected", "Start"),
            "The student's enrollments",
        )
        self.grid.doubleClicked.connect(self._open_enrollment)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.contact)
        layout.addWidget(self.origin)
        layout.addWidget(QLabel("Enrollments (double-click to open)", self))
        layout.addWidget(self.grid, 1)

    def read(self, session: Session, record_id: uuid.UUID) -> dict[str, Any] | None:
        return queries.student_detail(session, record_id)

    def fill(self, detail: dict[str, Any] | None) -> None:
        fmt = self.ctx.formatter
        self.enrollments = list(detail["enrollments"]) if detail else []
        if detail is None:
            self.title.setText("Select an enrollment")
            self.contact.setText("")
            self.origin.setText("")
            fill_grid(self.grid, [])
            return
        self.title.setText(detail["name"])
        self.contact.setText(
            f"Email: {detail['email']}\nPhone: {detail['phone'] or '—'}\n"
            f"Student since {fmt.datetime(detail['created_at'])}"
            + (f"\nNotes: {detail['notes']}" if detail["notes"] else "")
        )
        lead = detail["lead"]
        if lead is None:
            self.origin.setText("Came from: no lead (entered directly)")
        else:
            name = lead["ad_campaign"] or lead["campaign"]
            platform = f" ({enum_label(str(lead['platform']))})" if lead["platform"] else ""
            campaign = f"campaign {name}{platform}" if name else "no campaign"
            self.origin.setText(
                f"Came from a lead of {fmt.datetime(lead['created_at'])}: source "
                f"{lead['source'] or '—'}, {campaign}, "
                f"now {enum_label(str(lead['status'])).lower()}"
            )
        fill_grid(
            self.grid,
            [
                (
                    row["program"],
                    enum_label(str(row["status"])),
                    fmt.money(row["contract_value"]),
                    fmt.money(row["cash_collected"]),
                    fmt.date(row["start_date"]),
                )
                for row in self.enrollments
            ],
        )

    def _open_enrollment(self, index: Any) -> None:
        if 0 <= index.row() < len(self.enrollments):
            self.enrollment_requested.emit(self.enrollments[index.row()]["id"])
