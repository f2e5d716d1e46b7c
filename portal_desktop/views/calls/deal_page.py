"""The close-deal wizard's deal page: program (its price prefills the contract value), plan,
contract value, down payment, installments, frequency, start and first due dates, closer
and setter, beside a live preview of the schedule from
:func:`~portal_desktop.services.billing.payment_plans.build_schedule`, whose total always equals
the contract value. A field that cannot be read is shown in red at the field."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from portal_desktop import clock
from portal_desktop.db.team_queries import Member
from portal_desktop.errors import ValidationError
from portal_desktop.models.enums import PaymentFrequency, PlanType
from portal_desktop.services.billing.payment_plans import (
    MAX_INSTALLMENTS,
    ScheduledInstallment,
    build_schedule,
)
from portal_desktop.services.common.money import ZERO
from portal_desktop.services.sales.call_facts import Buyer
from portal_desktop.services.sales.enrollments import DealTerms
from portal_desktop.views import a11y
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.formatting import Formatter, enum_label
from portal_desktop.views.member_picker import fill_members, select_data
from portal_desktop.views.money_input import MoneyInput
from portal_desktop.views.theme import ERROR, set_tone

Program = tuple[uuid.UUID, str, Decimal]  # id, name, price


class WizardPage(QWizardPage):
    """A page that cannot be left while its wizard is ``busy()``; its "next" runs
    ``on_next()`` (True lets the wizard move on)."""

    def __init__(
        self,
        parent: QWidget,
        busy: Callable[[], bool],
        on_next: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(parent)
        self._busy = busy
        self._on_next = on_next

    def isComplete(self) -> bool:  # noqa: N802
        return not self._busy() and super().isComplete()

    def validatePage(self) -> bool:  # noqa: N802
        return not self._busy() and self._on_next()


class DealPage(WizardPage):
    """See the module docstring; :meth:`fill` gives it the programs and the team."""

    def __init__(
        self,
        parent: QWidget,
        formatter: Formatter,
        errors: FieldErrors,
        busy: Callable[[], bool],
        on_commit: Callable[[], bool],
    ) -> None:
        super().__init__(parent, busy, on_commit)
        self.setTitle("The deal and its payment schedule")
        self.setCommitPage(True)
        self.formatter = formatter
        self.errors = errors
        self.programs: list[Program] = []
        self.filled = False  # the choices have come from the database
        self.schedule: list[ScheduledInstallment] = []

        self.program = QComboBox(self)
        self.program.setObjectName("program")
        self.plan = QComboBox(self)
        self.plan.setObjectName("plan")
        self.plan.addItem("Paid in full (PIF)", PlanType.PIF)
        self.plan.addItem("Split payments", PlanType.SPLIT)
        self.contract_value = MoneyInput(self, field="contract_value")
        self.contract_value.setObjectName("contractValue")
        self.down_payment = MoneyInput(self, field="down_payment", allow_zero=True, maximum=None)
        self.down_payment.setObjectName("downPayment")
        self.installments = QSpinBox(self)
        self.installments.setObjectName("installments")
        self.installments.setRange(1, MAX_INSTALLMENTS)
        self.frequency = QComboBox(self)
        self.frequency.setObjectName("frequency")
        for frequency in PaymentFrequency:
            self.frequency.addItem(enum_label(frequency.value), frequency)
        select_data(self.frequency, PaymentFrequency.MONTHLY)
        today = clock.today(formatter.tz)
        self.start_date = date_edit(self, "startDate", today)
        self.custom_first_due = QCheckBox("First installment on", self)
        self.custom_first_due.setObjectName("customFirstDue")
        first_due = date_edit(self, "firstDueDate", today)
        self.first_due_date = a11y.named(first_due, "First installment on")  # its label: a box
        self.first_due_date.setEnabled(False)
        self.closer = QComboBox(self)
        self.closer.setObjectName("closer")
        self.setter = QComboBox(self)
        self.setter.setObjectName("setter")
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("dealNotes")
        self.notes.setFixedHeight(54)
        self.preview = a11y.table(QTableWidget(0, 3, self), "Installment schedule")
        self.preview.setObjectName("schedulePreview")
        self.preview.setHorizontalHeaderLabels(["Due date", "Amount", ""])
        self.preview.verticalHeader().setVisible(False)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.total = QLabel(self)
        self.total.setObjectName("scheduleTotal")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._lay_out()

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
        self._on_plan_changed()

    def _lay_out(self) -> None:
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
            form.addRow("", self.errors.label_for(self, *fields))
        form.addRow(self.custom_first_due, self.first_due_date)
        form.addRow("", self.errors.label_for(self, "first_due_date"))
        form.addRow("Closer", self.closer)
        form.addRow("", self.errors.label_for(self, "closer_id"))
        form.addRow("Setter", self.setter)
        form.addRow("", self.errors.label_for(self, "setter_id"))
        form.addRow("Notes", self.notes)
        form.addRow("", self.errors.label_for(self, "notes", "sales_call_id"))
        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Payment schedule</b>", self))
        side.addWidget(self.preview, 1)
        side.addWidget(self.total)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.errors.general)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(side, 2)

    def fill(
        self, programs: list[Program], members: list[Member], buyer: Buyer | None, me: object
    ) -> None:
        """The choices read from the database; the call's host closes unless it has none
        (then ``me``, the user's team member)."""
        self.programs, self.filled = programs, True
        self.program.blockSignals(True)
        for program_id, name, price in programs:
            self.program.addItem(f"{name} — {self.formatter.money(price)}", program_id)
        self.program.blockSignals(False)
        closer_id = buyer.closer_id if buyer and buyer.closer_id else me
        fill_members(self.closer, members, none_text="(nobody)", selected=closer_id)
        fill_members(
            self.setter,
            members,
            none_text="(no setter)",
            selected=buyer.setter_id if buyer else None,
            active_only=False,
        )
        self._on_program_changed()

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
        if not self.filled:
            return
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
        fmt = self.formatter
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
            set_tone(self.total, ERROR)
            return
        total = sum((item.amount for item in self.schedule), ZERO)
        count = len(self.schedule)
        set_tone(self.total, None)
        self.total.setText(
            f"<b>Total {fmt.money(total)}</b> in {count} payment{'s' if count > 1 else ''}"
        )
