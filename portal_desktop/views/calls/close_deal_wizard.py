"""The close-deal wizard: who bought, what, for how much and how it is paid.

``CloseDealWizard(ctx, sales_call_id=…)`` (from a CLOSED_WON call), ``lead_id=…`` (from the
Pipeline), ``student_id=…`` (an upsell), or none of them (a new student typed in).

Pages: the buyer (read from the call, lead or student; a new student's details otherwise,
showing the student already on file with that email, as the service will use it) → the deal:
program (its price prefills the contract value), plan, contract value, down payment,
installments, frequency, start and first due dates, closer and setter, beside a live preview
of the schedule from :func:`~portal_desktop.services.payment_plans.build_schedule`, whose
total always equals the contract value → "Close the deal" runs
:func:`~portal_desktop.services.enrollments.close_deal` in a worker and, on success, the last
page says what was created and where to find it. A refusal is shown at the field it names.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.team_queries import load_members
from portal_desktop.errors import ValidationError
from portal_desktop.models import Enrollment, Installment, Lead, Program, SalesCall, Student
from portal_desktop.models.enums import PaymentFrequency, PlanType
from portal_desktop.services.enrollments import DealTerms, NewStudent, close_deal
from portal_desktop.services.money import ZERO
from portal_desktop.services.payment_plans import (
    MAX_INSTALLMENTS,
    ScheduledInstallment,
    build_schedule,
)
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.field_errors import ERROR_STYLE, FieldErrors
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.member_picker import fill_members, select_data
from portal_desktop.views.money_input import MoneyInput
from portal_desktop.views.ops import run_write
from portal_desktop.views.tab_context import TabContext

BUYER_PAGE, DEAL_PAGE, DONE_PAGE = 0, 1, 2
BUYER_FIELDS = frozenset(
    {"student", "email", "first_name", "last_name", "phone", "lead_id", "student_id"}
)
CHANGED_TABLES = frozenset({"enrollments", "installments", "students", "sales_calls", "leads"})


@dataclass(frozen=True)
class Buyer:
    """Who is buying, as far as the wizard can tell before the service decides."""

    name: str
    email: str | None
    source: str  # "call", "lead", "student" or "new"
    existing_student: str | None = None  # the student the enrollment will go to
    lead_id: uuid.UUID | None = None
    student_id: uuid.UUID | None = None
    closer_id: uuid.UUID | None = None
    setter_id: uuid.UUID | None = None


def _student_name(student: Student) -> str:
    return f"{student.first_name} {student.last_name}".strip() or student.email


def student_by_email(session: Session, email: str) -> Student | None:
    """The student on file with this email, any case (the one close_deal will use)."""
    return session.scalar(select(Student).where(func.lower(Student.email) == email.lower()))


def _lead_buyer(session: Session, lead: Lead, source: str, **people: Any) -> Buyer:
    linked = session.scalar(select(Student).where(Student.lead_id == lead.id))
    found = linked or (student_by_email(session, lead.email) if lead.email else None)
    name = f"{lead.first_name} {lead.last_name}".strip() or (lead.email or "this lead")
    return Buyer(
        name,
        lead.email,
        source,
        existing_student=_student_name(found) if found else None,
        lead_id=lead.id,
        **people,
    )


def load_buyer(
    session: Session,
    *,
    sales_call_id: uuid.UUID | None,
    lead_id: uuid.UUID | None,
    student_id: uuid.UUID | None,
) -> Buyer | None:
    """The buyer of a call, lead or student (None: a new student to type in)."""
    if sales_call_id is not None:
        call = session.get(SalesCall, sales_call_id)
        if call is None:
            raise LookupError("This call no longer exists; reload the list of calls.")
        people = {"closer_id": call.host_id, "setter_id": call.setter_id}
        if call.lead is not None:
            return _lead_buyer(session, call.lead, "call", **people)
        if call.student is not None:
            student = call.student
            return Buyer(
                _student_name(student),
                student.email,
                "call",
                existing_student=_student_name(student),
                student_id=student.id,
                **people,
            )
    if lead_id is not None:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise LookupError("This lead no longer exists; reload the pipeline.")
        return _lead_buyer(session, lead, "lead")
    if student_id is not None:
        student = session.get(Student, student_id)
        if student is None:
            raise LookupError("This student no longer exists; reload the list.")
        name = _student_name(student)
        return Buyer(name, student.email, "student", existing_student=name, student_id=student.id)
    return None


def _programs(session: Session) -> list[tuple[uuid.UUID, str, Decimal]]:
    rows = session.execute(
        select(Program.id, Program.name, Program.price)
        .where(Program.active.is_(True))
        .order_by(Program.name)
    )
    return [(row.id, row.name, row.price) for row in rows]


class _CommitPage(QWizardPage):
    """A page whose "next" runs ``on_commit()``: True lets the wizard move on."""

    def __init__(self, parent: QWidget, on_commit: Callable[[], bool]) -> None:
        super().__init__(parent)
        self._on_commit = on_commit

    def validatePage(self) -> bool:  # noqa: N802
        return self._on_commit()


class CloseDealWizard(QWizard):
    """See the module docstring; ``deal_closed`` carries the result (plain data)."""

    deal_closed = Signal(object)

    def __init__(
        self,
        ctx: TabContext,
        *,
        lead_id: uuid.UUID | None = None,
        sales_call_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("closeDealWizard")
        self.setWindowTitle("Close the deal")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.ctx = ctx
        self.sales_call_id = sales_call_id
        self.lead_id = lead_id
        self.student_id = student_id
        self.result: dict[str, Any] | None = None
        self.schedule: list[ScheduledInstallment] = []
        self._busy = False
        with ctx.sessions() as session:
            self.buyer = load_buyer(
                session, sales_call_id=sales_call_id, lead_id=lead_id, student_id=student_id
            )
            self.programs = _programs(session)
            self.members = load_members(session)
        self.errors = FieldErrors(QLabel())
        self.setPage(BUYER_PAGE, self._buyer_page())
        self.setPage(DEAL_PAGE, self._deal_page())
        self.setPage(DONE_PAGE, self._done_page())
        self.setButtonText(QWizard.WizardButton.CommitButton, "Close the deal")
        self._on_program_changed()
        self._on_plan_changed()
        self.resize(940, 600)

    # --- pages ---------------------------------------------------------------------------

    def _buyer_page(self) -> QWizardPage:
        page = QWizardPage(self)
        page.setTitle("Who is buying")
        layout = QVBoxLayout(page)
        self.first_name = QLineEdit(page)
        self.last_name = QLineEdit(page)
        self.email = QLineEdit(page)
        self.phone = QLineEdit(page)
        for name, edit in (
            ("firstName", self.first_name),
            ("lastName", self.last_name),
            ("email", self.email),
            ("phone", self.phone),
        ):
            edit.setObjectName(name)
        self.buyer_note = QLabel(page)
        self.buyer_note.setObjectName("buyerNote")
        self.buyer_note.setWordWrap(True)
        if self.buyer is not None:
            self.buyer_note.setText(self._buyer_text(self.buyer))
            layout.addWidget(self.buyer_note)
            layout.addWidget(self.errors.label_for(page, "student", "email", "lead_id"))
        else:
            page.setSubTitle(
                "A new student: type their details. An email already on file "
                "adds the enrollment to that student."
            )
            form = QFormLayout()
            form.addRow("First name", self.first_name)
            form.addRow("", self.errors.label_for(page, "first_name"))
            form.addRow("Last name", self.last_name)
            form.addRow("", self.errors.label_for(page, "last_name"))
            form.addRow("Email", self.email)
            form.addRow("", self.errors.label_for(page, "email", "student"))
            form.addRow("Phone", self.phone)
            form.addRow("", self.errors.label_for(page, "phone"))
            layout.addLayout(form)
            layout.addWidget(self.buyer_note)
            self.email.editingFinished.connect(self._look_up_email)
        layout.addStretch(1)
        return page

    def _buyer_text(self, buyer: Buyer) -> str:
        email = f" ({buyer.email})" if buyer.email else " (no email on file)"
        if buyer.existing_student:
            where = f"The enrollment is added to the student <b>{buyer.existing_student}</b>."
        elif buyer.email:
            where = "A new student is created from the lead and linked to it."
        else:
            where = "The lead has no email: add one in the Pipeline before closing the deal."
        return f"<b>{buyer.name}</b>{email}<br>{where}"

    def _look_up_email(self) -> None:
        email = self.email.text().strip()
        found = None
        if email:
            with self.ctx.sessions() as session:
                student = student_by_email(session, email)
                found = _student_name(student) if student else None
        self.buyer_note.setText(
            f"Already a student: <b>{found}</b>. The enrollment is added to them; the names "
            "typed above are not used."
            if found
            else ""
        )

    def _deal_page(self) -> QWizardPage:
        page = _CommitPage(self, self._commit)
        page.setTitle("The deal and its payment schedule")
        page.setCommitPage(True)
        errors = self.errors

        self.program = QComboBox(page)
        self.program.setObjectName("program")
        for program_id, name, price in self.programs:
            self.program.addItem(f"{name} — {self.ctx.formatter.money(price)}", program_id)
        self.plan = QComboBox(page)
        self.plan.setObjectName("plan")
        self.plan.addItem("Paid in full (PIF)", PlanType.PIF)
        self.plan.addItem("Split payments", PlanType.SPLIT)
        self.contract_value = MoneyInput(page, field="contract_value")
        self.contract_value.setObjectName("contractValue")
        self.down_payment = MoneyInput(page, field="down_payment", allow_zero=True, maximum=None)
        self.down_payment.setObjectName("downPayment")
        self.installments = QSpinBox(page)
        self.installments.setObjectName("installments")
        self.installments.setRange(1, MAX_INSTALLMENTS)
        self.frequency = QComboBox(page)
        self.frequency.setObjectName("frequency")
        for frequency in PaymentFrequency:
            self.frequency.addItem(enum_label(frequency.value), frequency)
        select_data(self.frequency, PaymentFrequency.MONTHLY)
        today = clock.today(self.ctx.formatter.tz)
        self.start_date = date_edit(page, "startDate", today)
        self.custom_first_due = QCheckBox("First installment on", page)
        self.custom_first_due.setObjectName("customFirstDue")
        self.first_due_date = date_edit(page, "firstDueDate", today)
        self.first_due_date.setEnabled(False)
        self.closer = QComboBox(page)
        self.closer.setObjectName("closer")
        self.setter = QComboBox(page)
        self.setter.setObjectName("setter")
        buyer = self.buyer
        closer_id = buyer.closer_id if buyer and buyer.closer_id else self.ctx.actor.team_member_id
        fill_members(self.closer, self.members, none_text="(nobody)", selected=closer_id)
        fill_members(
            self.setter,
            self.members,
            none_text="(no setter)",
            selected=buyer.setter_id if buyer else None,
            active_only=False,
        )
        self.notes = QPlainTextEdit(page)
        self.notes.setObjectName("dealNotes")
        self.notes.setFixedHeight(54)

        form = QFormLayout()
        rows: list[tuple[str, QWidget, tuple[str, ...]]] = [
            ("Program", self.program, ("program_id",)),
            ("Plan", self.plan, ("plan_type",)),
            ("Contract value", self.contract_value, ("contract_value",)),
            ("Down payment", self.down_payment, ("down_payment",)),
            ("Installments", self.installments, ("installments",)),
            ("Frequency", self.frequency, ("frequency",)),
            ("Start date", self.start_date, ("start_date",)),
        ]
        for title, widget, fields in rows:
            form.addRow(title, widget)
            form.addRow("", errors.label_for(page, *fields))
        form.addRow(self.custom_first_due, self.first_due_date)
        form.addRow("", errors.label_for(page, "first_due_date"))
        form.addRow("Closer", self.closer)
        form.addRow("", errors.label_for(page, "closer_id"))
        form.addRow("Setter", self.setter)
        form.addRow("", errors.label_for(page, "setter_id"))
        form.addRow("Notes", self.notes)
        form.addRow("", errors.label_for(page, "notes", "sales_call_id"))

        self.preview = QTableWidget(0, 3, page)
        self.preview.setObjectName("schedulePreview")
        self.preview.setHorizontalHeaderLabels(["Due date", "Amount", ""])
        self.preview.verticalHeader().setVisible(False)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.total = QLabel(page)
        self.total.setObjectName("scheduleTotal")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Payment schedule</b>", page))
        side.addWidget(self.preview, 1)
        side.addWidget(self.total)

        layout = QHBoxLayout(page)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(errors.general)
        left.addStretch(1)
        layout.addLayout(left, 3)
        layout.addLayout(side, 2)

        self.program.currentIndexChanged.connect(self._on_program_changed)
        self.plan.currentIndexChanged.connect(self._on_plan_changed)
        self.custom_first_due.toggled.connect(self._on_first_due_toggled)
        for signal in (
            self.contract_value.value_changed,
            self.down_payment.value_changed,
            self.installments.valueChanged,
            self.frequency.currentIndexChanged,
            self.start_date.dateChanged,
            self.first_due_date.dateChanged,
        ):
            signal.connect(self.update_preview)
        return page

    def _done_page(self) -> QWizardPage:
        page = QWizardPage(self)
        page.setTitle("Deal closed")
        page.setFinalPage(True)
        self.done_text = QLabel(page)
        self.done_text.setObjectName("doneText")
        self.done_text.setWordWrap(True)
        self.show_enrollment = QPushButton("Show it in Enrollments", page)
        self.show_enrollment.setObjectName("showEnrollment")
        self.show_enrollment.clicked.connect(self._show_enrollment)
        layout = QVBoxLayout(page)
        layout.addWidget(self.done_text)
        layout.addWidget(self.show_enrollment, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    # --- the live preview ----------------------------------------------------------------

    def _on_program_changed(self) -> None:
        index = self.program.currentIndex()
        if 0 <= index < len(self.programs):
            self.contract_value.set_value(self.programs[index][2])
        self.update_preview()

    def _on_plan_changed(self) -> None:
        split = self.plan.currentData() == PlanType.SPLIT
        if not split:
            self.installments.setValue(1)
            self.down_payment.clear()
        elif self.installments.value() == 1:
            self.installments.setValue(3)
        for widget in (self.installments, self.down_payment, self.frequency):
            widget.setEnabled(split)
        self.update_preview()

    def _on_first_due_toggled(self, on: bool) -> None:
        self.first_due_date.setEnabled(on)
        if on and self.first_due_date.date() < self.start_date.date():
            self.first_due_date.setDate(self.start_date.date())
        self.update_preview()

    def terms(self) -> DealTerms:
        """The deal as typed; raises ValidationError for a field that is not readable."""
        program_id = self.program.currentData()
        if program_id is None:
            raise ValidationError("program_id", "choose a program (add one in Admin first)")
        for money in (self.contract_value, self.down_payment):
            if money.problem():
                raise ValidationError(money.field, money.problem() or "")
        value = self.contract_value.value()
        if value is None:
            raise ValidationError("contract_value", "is empty; type the amount sold")
        return DealTerms(
            program_id=program_id,
            start_date=self.start_date.date().toPython(),
            plan_type=self.plan.currentData(),
            contract_value=value,
            installments=self.installments.value(),
            frequency=self.frequency.currentData(),
            down_payment=self.down_payment.value() or ZERO,
            first_due_date=(
                self.first_due_date.date().toPython() if self.custom_first_due.isChecked() else None
            ),
            notes=self.notes.toPlainText().strip() or None,
        )

    def update_preview(self) -> None:
        """Rebuild the schedule preview from the fields; an error is shown at its field."""
        if not hasattr(self, "total"):
            return  # still building the page
        self.errors.clear()
        try:
            terms = self.terms()
            self.schedule = build_schedule(
                terms.contract_value or ZERO,
                terms.plan_type,
                terms.start_date,
                terms.installments,
                terms.frequency,
                terms.down_payment,
                terms.first_due_date,
            )
        except ValidationError as error:
            self.schedule = []
            self.errors.show(error)
        self._fill_preview()

    def _fill_preview(self) -> None:
        fmt = self.ctx.formatter
        self.preview.setRowCount(len(self.schedule))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        regular = 0
        for row, item in enumerate(self.schedule):
            regular += 0 if item.is_down_payment else 1
            kind = "Down payment" if item.is_down_payment else f"Installment {regular}"
            cells = [item.due_date.isoformat(), fmt.money(item.amount), kind]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 1:
                    cell.setTextAlignment(right)
                self.preview.setItem(row, column, cell)
        if not self.schedule:
            self.total.setText("No schedule yet: fix the field in red")
            self.total.setStyleSheet(ERROR_STYLE)
            return
        total = sum((item.amount for item in self.schedule), ZERO)
        count = len(self.schedule)
        self.total.setStyleSheet("")
        self.total.setText(
            f"<b>Total {fmt.money(total)}</b> in {count} payment{'s' if count > 1 else ''}"
        )

    # --- closing the deal ----------------------------------------------------------------

    def _commit(self) -> bool:
        """The deal page's "Close the deal": start the service; the page turns when it is done."""
        if self.result is not None:
            return True
        if self._busy:
            return False
        self.update_preview()
        if not self.schedule:
            return False
        terms = self.terms()
        actor = self.ctx.actor
        people = {
            "sales_call_id": self.sales_call_id,
            "lead_id": self.lead_id if self.sales_call_id is None else None,
            "student_id": self.student_id if self.sales_call_id is None else None,
            "closer_id": self.closer.currentData(),
            "setter_id": self.setter.currentData(),
        }
        if self.buyer is None:
            people["new_student"] = NewStudent(
                self.first_name.text(),
                self.last_name.text(),
                self.email.text(),
                self.phone.text() or None,
            )

        def work(session: Session) -> dict[str, Any]:
            enrollment = close_deal(session, actor, terms, **people)
            return _summary(session, enrollment.id)

        self._busy = True
        self.button(QWizard.WizardButton.CommitButton).setEnabled(False)
        run_write(self.ctx, self, work, self._closed, self._failed)
        return False

    def _closed(self, result: dict[str, Any]) -> None:
        self._busy = False
        self.result = result
        ids = {result["enrollment_id"], result["student_id"], *result["installment_ids"]}
        for extra in (self.sales_call_id, self.lead_id):
            if extra is not None:
                ids.add(extra)
        self.ctx.bus.announce(CHANGED_TABLES, ids)
        fmt = self.ctx.formatter
        count = result["installment_count"]
        self.done_text.setText(
            f"<b>{result['student']}</b> is enrolled in <b>{result['program']}</b> for "
            f"{fmt.money(result['contract_value'])}, paid in {count} "
            f"payment{'s' if count > 1 else ''} (first due {result['first_due']}).<br><br>"
            "Find the enrollment in the <b>Enrollments</b> tab and its installments in "
            "<b>Payment schedules</b>."
        )
        self.deal_closed.emit(result)
        self.button(QWizard.WizardButton.CommitButton).setEnabled(True)
        self.next()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.button(QWizard.WizardButton.CommitButton).setEnabled(True)
        self.errors.clear()
        if self.errors.show(error) in BUYER_FIELDS and self.currentId() == DEAL_PAGE:
            self.back()  # the buyer's page shows the problem at its field

    def _show_enrollment(self) -> None:
        if self.result is not None:
            self.ctx.bus.show_records(
                "enrollments", {"enrollment_id": self.result["enrollment_id"]}
            )
        self.accept()


def _summary(session: Session, enrollment_id: uuid.UUID) -> dict[str, Any]:
    """What the last page says about a new enrollment (plain data, read back from the DB)."""
    enrollment = session.get(Enrollment, enrollment_id)
    assert enrollment is not None
    installments = session.scalars(
        select(Installment)
        .where(Installment.enrollment_id == enrollment_id)
        .order_by(Installment.due_date, Installment.sequence)
    ).all()
    return {
        "enrollment_id": enrollment.id,
        "student_id": enrollment.student_id,
        "student": _student_name(enrollment.student),
        "program": enrollment.program.name,
        "contract_value": enrollment.contract_value,
        "installment_count": len(installments),
        "installment_ids": [item.id for item in installments],
        "first_due": installments[0].due_date.isoformat() if installments else "",
    }
