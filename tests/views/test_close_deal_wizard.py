"""The close-deal wizard, driven as a user would, checked against the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWizard
from sqlalchemy import func, select

from portal_desktop.models import Enrollment, Installment, Student
from portal_desktop.models.enums import CallOutcome, PaymentFrequency, PlanType
from portal_desktop.services.sales.calls import record_outcome
from portal_desktop.services.sales.enrollments import student_by_email
from portal_desktop.views.calls.close_deal_wizard import (
    BUYER_PAGE,
    DEAL_PAGE,
    DONE_PAGE,
    CloseDealWizard,
)
from portal_desktop.views.member_picker import select_data
from portal_desktop.views.money_input import MoneyInput
from tests.services.factories import make_student
from tests.views.call_fixtures import make_context, make_world, statements_on_this_thread

# The offscreen platform warns each time QWizard changes its minimum size between pages.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def _open(qtbot, ctx, **source) -> CloseDealWizard:
    wizard = CloseDealWizard(ctx, **source)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    qtbot.waitUntil(lambda: wizard.ready, timeout=10_000)
    return wizard


def _choose(combo, data) -> None:
    select_data(combo, data)
    assert combo.currentData() == data


def _type(qtbot, widget, text: str) -> None:
    widget.clear()
    qtbot.keyClicks(widget, text)


def _preview(wizard: CloseDealWizard) -> list[tuple[str, str, str]]:
    table = wizard.deal.preview
    return [
        tuple(table.item(row, col).text() for col in range(3)) for row in range(table.rowCount())
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,250", "1250.00"), ("$1,250.00", "1250.00"), ("1250.5", "1250.50"), ("USD 99", "99.00")],
)
def test_money_input_reads_what_people_type(qtbot, text, expected) -> None:
    field = MoneyInput(field="contract_value")
    qtbot.addWidget(field)
    qtbot.keyClicks(field, text)
    assert field.value() == Decimal(expected)
    assert field.problem() is None


def test_money_input_says_what_is_wrong(qtbot) -> None:
    field = MoneyInput(field="contract_value")
    qtbot.addWidget(field)
    qtbot.keyClicks(field, "12.345")
    assert field.value() is None
    assert "more than two decimals" in field.problem()
    assert field.property("invalid") is True
    field.setText("twelve")
    assert "not an amount" in field.problem()


def test_closing_a_won_call_through_the_wizard_creates_the_enrollment(
    qtbot, engine, sessions
) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    with sessions() as session:
        record_outcome(session, ctx.actor, world.past_call_id, CallOutcome.CLOSED_WON)
    wizard = _open(qtbot, ctx, sales_call_id=world.past_call_id)
    note = wizard.findChild(QLabel, "buyerNote").text()
    assert "Paula Prospect" in note and "new student" in note
    wizard.next()
    assert wizard.currentId() == DEAL_PAGE
    assert wizard.deal.contract_value.value() == Decimal("3000.00")  # the program's price
    assert wizard.deal.closer.currentData() == world.host_id  # the call's host
    assert wizard.deal.setter.currentData() == world.setter_id

    _choose(wizard.deal.plan, PlanType.SPLIT)
    _type(qtbot, wizard.deal.contract_value, "$2,500.00")
    _type(qtbot, wizard.deal.down_payment, "500")
    wizard.deal.installments.setValue(3)
    wizard.deal.start_date.setDate(QDate(2026, 1, 31))
    # Monthly from the start date, clamped to each month's end; the last carries the cent.
    assert _preview(wizard) == [
        ("2026-01-31", "$500.00", "Down payment"),
        ("2026-02-28", "$666.66", "Installment 1"),
        ("2026-03-31", "$666.67", "Installment 2"),
        ("2026-04-30", "$666.67", "Installment 3"),
    ]
    assert "Total $2,500.00" in wizard.deal.total.text()

    with qtbot.waitSignal(ctx.bus.data_changed, timeout=10_000) as announced:
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == DONE_PAGE, timeout=10_000)
    assert {"enrollments", "installments", "students"} <= announced.args[0]
    assert "Enrollments" in wizard.done_text.text()

    with sessions() as session:
        enrollment = session.scalars(select(Enrollment)).one()
        assert enrollment.sales_call_id == world.past_call_id
        assert enrollment.contract_value == Decimal("2500.00")
        assert enrollment.closer_id == world.host_id
        assert enrollment.student.lead_id == world.lead_id
        amounts = session.scalars(
            select(Installment.amount)
            .where(Installment.enrollment_id == enrollment.id)
            .order_by(Installment.due_date)
        ).all()
        assert amounts == [Decimal(a) for a in ("500.00", "666.66", "666.67", "666.67")]
        assert sum(amounts) == enrollment.contract_value
    assert enrollment.id in announced.args[1]


def test_a_bad_plan_is_shown_at_its_field_and_nothing_is_written(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    wizard = _open(qtbot, ctx, lead_id=world.lead_id)
    wizard.next()
    _choose(wizard.deal.plan, PlanType.SPLIT)
    _type(qtbot, wizard.deal.contract_value, "1,000")
    _type(qtbot, wizard.deal.down_payment, "1000")
    label = wizard.findChild(QLabel, "error_down_payment")
    assert "must be less than the contract value" in label.text()
    assert wizard.deal.preview.rowCount() == 0
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.LeftButton)
    qtbot.wait(200)
    assert wizard.currentId() == DEAL_PAGE
    qtbot.keyClick(wizard, Qt.Key_Escape)
    assert not wizard.isVisible()
    assert _count(sessions, Enrollment) == 0
    assert _count(sessions, Student) == 0


@pytest.mark.parametrize("source", ["sales_call_id", "lead_id"])
def test_a_known_buyer_page_has_no_text_boxes(qtbot, engine, sessions, source) -> None:
    """The issue's four empty, typeable, ignored boxes over the buyer's name: a known buyer
    is read, never typed, so the page holds no text box at all, also after Back."""
    world = make_world(sessions)
    ids = {"sales_call_id": world.past_call_id, "lead_id": world.lead_id}
    wizard = _open(qtbot, make_context(engine, sessions), **{source: ids[source]})
    wizard.resize(1280, 800)
    assert "Paula Prospect" in wizard.buyer_note.text()
    assert wizard.buyer_page.findChildren(QLineEdit) == []
    wizard.next()
    wizard.back()
    assert wizard.currentId() == BUYER_PAGE
    assert wizard.buyer_page.findChildren(QLineEdit) == []
    wizard.grab().save(f"/tmp/close_deal_buyer_{source}.png")


def test_the_service_refusal_goes_back_to_the_buyer_field(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    wizard = _open(qtbot, ctx)  # a new student, typed in, but with no email
    qtbot.keyClicks(wizard.first_name, "Nora")
    wizard.next()
    _choose(wizard.deal.program, world.program_id)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == BUYER_PAGE, timeout=10_000)
    assert "required" in wizard.findChild(QLabel, "error_email").text()
    assert _count(sessions, Enrollment) == 0


def test_an_upsell_enrolls_the_existing_student_weekly(qtbot, engine, sessions) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    with sessions() as session:
        student = make_student(session, first_name="Uma", last_name="Upsell")
        session.commit()
    wizard = _open(qtbot, ctx, student_id=student.id)
    assert "Uma Upsell" in wizard.findChild(QLabel, "buyerNote").text()
    wizard.next()
    _choose(wizard.deal.program, world.program_id)
    _choose(wizard.deal.plan, PlanType.SPLIT)
    _choose(wizard.deal.frequency, PaymentFrequency.WEEKLY)
    wizard.deal.installments.setValue(2)
    wizard.deal.start_date.setDate(QDate(2026, 3, 2))
    wizard.deal.custom_first_due.setChecked(True)
    wizard.deal.first_due_date.setDate(QDate(2026, 3, 10))
    assert _preview(wizard) == [
        ("2026-03-10", "$1,500.00", "Installment 1"),
        ("2026-03-17", "$1,500.00", "Installment 2"),
    ]
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == DONE_PAGE, timeout=10_000)
    with sessions() as session:
        enrollment = session.scalars(select(Enrollment)).one()
        assert enrollment.student_id == student.id
        assert session.scalar(select(func.count()).select_from(Student)) == 1
        dues = session.scalars(
            select(Installment.due_date).where(Installment.enrollment_id == enrollment.id)
        ).all()
    assert sorted(dues) == [dt.date(2026, 3, 10), dt.date(2026, 3, 17)]


@pytest.mark.parametrize("source", ["sales_call_id", "lead_id", "student_id", None])
def test_building_the_wizard_runs_no_sql_on_the_ui_thread(qtbot, engine, sessions, source) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    with sessions() as session:
        record_outcome(session, ctx.actor, world.past_call_id, CallOutcome.CLOSED_WON)
        student = make_student(session, first_name="Uma", last_name="Upsell")
        session.commit()
        ids = {"sales_call_id": world.past_call_id, "lead_id": world.lead_id}
        ids["student_id"] = student.id
    with statements_on_this_thread(engine) as on_ui_thread:
        wizard = CloseDealWizard(ctx, **({source: ids[source]} if source else {}))
        qtbot.addWidget(wizard)
        wizard.show()
    assert on_ui_thread == []
    assert wizard.buyer_note.text() == "Loading…"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # not before loaded
    qtbot.waitUntil(lambda: wizard.ready, timeout=10_000)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert wizard.deal.contract_value.value() == Decimal("3000.00")


def test_the_buyer_lookup_is_the_services_whatever_the_case_and_spaces(
    qtbot, engine, sessions
) -> None:
    world = make_world(sessions)
    ctx = make_context(engine, sessions)
    with sessions() as session:
        student = make_student(
            session, first_name="Ann", last_name="Already", email="Ann.Already@Example.com"
        )
        session.commit()
    typed = "  ann.ALREADY@example.COM "
    with sessions() as session:  # the service's own definition finds her
        assert student_by_email(session, typed).id == student.id
    wizard = _open(qtbot, ctx)
    qtbot.keyClicks(wizard.first_name, "Someone Else")
    qtbot.keyClicks(wizard.email, typed)
    wizard.email.editingFinished.emit()
    note = wizard.findChild(QLabel, "buyerNote")
    qtbot.waitUntil(lambda: "Ann Already" in note.text(), timeout=10_000)
    assert "Already a student" in note.text()
    wizard.next()
    _choose(wizard.deal.program, world.program_id)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == DONE_PAGE, timeout=10_000)
    with sessions() as session:  # the wizard said whom the service would enroll
        assert session.scalars(select(Enrollment.student_id)).one() == student.id
        assert session.scalar(select(func.count()).select_from(Student)) == 1
    assert "Ann Already" in wizard.done_text.text()
    wizard.grab().save("/tmp/calls_wizard_done.png")
