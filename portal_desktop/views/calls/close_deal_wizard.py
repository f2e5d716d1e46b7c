"""The close-deal wizard: who bought, what, for how much and how it is paid.

``CloseDealWizard(ctx, sales_call_id=…)`` (from a CLOSED_WON call), ``lead_id=…`` (from the
Pipeline), ``student_id=…`` (an upsell), or none of them (a new student typed in).

What it offers is read off the UI thread (:func:`~portal_desktop.services.sales.call_facts.
deal_choices`; "Loading…" and no Next until then). Pages: the buyer (read from the call,
lead or student; a new student's details otherwise, showing the student already on file
with that email — the service's own lookup) → the deal (:mod:`.deal_page`, with the live
schedule preview) → "Close the deal" runs
:func:`~portal_desktop.services.sales.enrollments.close_deal` as a write op and, on success, the
last page says what was created and where to find it. A refusal is shown at the field it
names; ``ready`` says nothing is being read or written (tests wait for it).
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy.orm import Session

from portal_desktop.db.calls_queries import deal_summary
from portal_desktop.services.sales.call_facts import (
    Buyer,
    DealChoices,
    deal_choices,
    student_name_for_email,
)
from portal_desktop.services.sales.enrollments import NewStudent, close_deal
from portal_desktop.views.calls.deal_page import DealPage, WizardPage
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.form_dialog import LOADING
from portal_desktop.views.ops import ReadOp, WriteOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.theme import ERROR, set_tone
from portal_desktop.views.workers import OpGeneration

BUYER_PAGE, DEAL_PAGE, DONE_PAGE = 0, 1, 2
BUYER_FIELDS = frozenset(
    {"student", "email", "first_name", "last_name", "phone", "lead_id", "student_id"}
)
NEW_STUDENT = (
    "A new student: type their details. An email already on file adds the enrollment to "
    "that student."
)


def buyer_text(buyer: Buyer) -> str:
    """What the buyer page says about a known buyer."""
    email = f" ({buyer.email})" if buyer.email else " (no email on file)"
    if buyer.existing_student:
        where = f"The enrollment is added to the student <b>{buyer.existing_student}</b>."
    elif buyer.email:
        where = "A new student is created from the lead and linked to it."
    else:
        where = "The lead has no email: add one in the Pipeline before closing the deal."
    return f"<b>{buyer.name}</b>{email}<br>{where}"


def already_text(found: str | None) -> str:
    """What the buyer page says under a typed email."""
    if not found:
        return ""
    return (
        f"Already a student: <b>{found}</b>. The enrollment is added to them; the names "
        "typed above are not used."
    )


class CloseDealWizard(QWizard):
    """See the module docstring; ``deal_closed`` carries the result (plain data),
    ``loading_failed`` the error when what it needs could not be read (e.g. a deleted call)."""

    deal_closed = Signal(object)
    loading_failed = Signal(object)
    # A new student's details: made by _new_student_form, only when there is no buyer.
    first_name: QLineEdit
    last_name: QLineEdit
    email: QLineEdit
    phone: QLineEdit

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
        self.buyer: Buyer | None = None
        self.result: dict[str, Any] | None = None
        self.loading = True
        self.load_failed = False
        self._busy = False  # closing the deal
        self._lookups = OpGeneration()
        self._looking_up = False
        self.errors = FieldErrors(QLabel())
        self.buyer_page = self._buyer_page()
        self.deal = DealPage(self, ctx.formatter, self.errors, self._blocked, self._commit)
        self.setPage(BUYER_PAGE, self.buyer_page)
        self.setPage(DEAL_PAGE, self.deal)
        self.setPage(DONE_PAGE, self._done_page())
        self.setButtonText(QWizard.WizardButton.CommitButton, "Close the deal")
        self.resize(940, 600)
        source = {"sales_call_id": sales_call_id, "lead_id": lead_id, "student_id": student_id}
        ReadOp(ctx, lambda session: deal_choices(session, **source), parent=self).success(
            self._loaded
        ).failure(self._load_failed).run()

    @property
    def ready(self) -> bool:
        """Nothing is being read or written."""
        return not self.loading and not self._busy and not self._looking_up

    def _blocked(self) -> bool:
        return self.loading or self.load_failed or self._busy

    # --- the buyer and the last page -----------------------------------------------------

    def _buyer_page(self) -> QWizardPage:
        page = WizardPage(self, self._blocked)
        page.setTitle("Who is buying")
        self.buyer_note = QLabel(LOADING, page)
        self.buyer_note.setObjectName("buyerNote")
        self.buyer_note.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(self.buyer_note)
        layout.addStretch(1)
        return page

    def _show_buyer(self, buyer: Buyer | None) -> None:
        """The buyer as read, or the form for a new student's details. The form's boxes are
        made only for a new student: hidden boxes under a known buyer's name could be drawn
        over it by a later show of the page."""
        page = self.buyer_page
        layout = page.layout()
        assert isinstance(layout, QVBoxLayout)
        if buyer is not None:
            self.buyer_note.setText(buyer_text(buyer))
            layout.insertWidget(1, self.errors.label_for(page, "student", "email", "lead_id"))
            return
        page.setSubTitle(NEW_STUDENT)
        self.buyer_note.setText("")
        layout.insertLayout(0, self._new_student_form(page))
        self.email.editingFinished.connect(self._look_up_email)

    def _new_student_form(self, page: QWizardPage) -> QFormLayout:
        form = QFormLayout()
        self.first_name = QLineEdit(page)
        self.last_name = QLineEdit(page)
        self.email = QLineEdit(page)
        self.phone = QLineEdit(page)
        rows = (
            ("First name", "firstName", self.first_name, ("first_name",)),
            ("Last name", "lastName", self.last_name, ("last_name",)),
            ("Email", "email", self.email, ("email", "student")),
            ("Phone", "phone", self.phone, ("phone",)),
        )
        for title, name, edit, fields in rows:
            edit.setObjectName(name)
            form.addRow(title, edit)
            form.addRow("", self.errors.label_for(page, *fields))
        return form

    def _look_up_email(self) -> None:
        """Say which student on file the typed email belongs to (the service's lookup)."""
        ticket, email = self._lookups.next(), self.email.text()
        self._looking_up = True
        ReadOp(
            self.ctx, lambda session: student_name_for_email(session, email), parent=self
        ).success(lambda found: self._looked_up(ticket, found)).failure(
            lambda error: self._lookup_failed(ticket, error)
        ).run()

    def _looked_up(self, ticket: int, found: str | None) -> None:
        if self._lookups.is_current(ticket):
            self._looking_up = False
            self.buyer_note.setText(already_text(found))

    def _lookup_failed(self, ticket: int, error: BaseException) -> None:
        if self._lookups.is_current(ticket):
            self._looking_up = False
            self.errors.show(error)

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

    # --- loading -------------------------------------------------------------------------

    def _loaded(self, choices: DealChoices) -> None:
        self.loading = False
        self.buyer = choices.buyer
        self._show_buyer(choices.buyer)
        self.deal.fill(
            choices.programs, choices.members, choices.buyer, self.ctx.actor.team_member_id
        )
        self._pages_changed()

    def _load_failed(self, error: BaseException) -> None:
        self.loading = False
        self.load_failed = True  # nothing to close: Next stays off
        set_tone(self.buyer_note, ERROR)
        self.buyer_note.setText(str(error) if isinstance(error, LookupError) else repr(error))
        self._pages_changed()
        self.loading_failed.emit(error)

    def _pages_changed(self) -> None:
        for page in (self.buyer_page, self.deal):
            page.completeChanged.emit()

    # --- closing the deal ----------------------------------------------------------------

    def _commit(self) -> bool:
        """The deal page's "Close the deal": start the service; the page turns when it is done."""
        if self.result is not None:
            return True
        self.deal.update_preview()
        if not self.deal.schedule:
            return False
        terms = self.deal.terms()
        actor = self.ctx.actor
        people: dict[str, Any] = {
            "sales_call_id": self.sales_call_id,
            "lead_id": self.lead_id if self.sales_call_id is None else None,
            "student_id": self.student_id if self.sales_call_id is None else None,
            "closer_id": self.deal.closer.currentData(),
            "setter_id": self.deal.setter.currentData(),
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
            return deal_summary(session, enrollment.id)

        self._busy = True
        self._pages_changed()
        WriteOp(self.ctx, work, parent=self).success(self._closed).failure(self._failed).run()
        return False

    def _closed(self, result: dict[str, Any]) -> None:
        self._busy = False
        self.result = result
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
        self._pages_changed()
        self.next()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self._pages_changed()
        self.errors.clear()
        if self.errors.show(error) in BUYER_FIELDS and self.currentId() == DEAL_PAGE:
            self.back()  # the buyer's page shows the problem at its field

    def _show_enrollment(self) -> None:
        if self.result is not None:
            self.ctx.bus.show_records(
                "enrollments", {"enrollment_id": self.result["enrollment_id"]}
            )
        self.accept()
