"""The Enrollments tab: the call-to-cash list in SQL, the detail panels and the actions."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.enrollments_queries import (
    CALL_TO_CASH,
    COLUMN,
    RECEIVED,
    enrollment_detail,
    id_filters,
)
from portal_desktop.db.paged_rows import PagedRows
from portal_desktop.db.query_spec import SortOrder
from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models import Enrollment, Installment, Payment
from portal_desktop.models.enums import EnrollmentStatus, InstallmentStatus, PaymentStatus, UserRole
from portal_desktop.services.billing import payments, plan_changes
from portal_desktop.services.billing.receivables import aging_summary
from portal_desktop.services.common.context import Actor
from portal_desktop.services.sales import enrollments as enrollment_service
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.enrollments import EnrollmentsTab
from portal_desktop.views.enrollments.dialogs import EndDialog, PlanDialog, RescheduleDialog
from portal_desktop.views.enrollments.grids import grid_lines
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.table_model import KEY_ROLE
from portal_desktop.views.toast import toast_of
from portal_desktop.views.undo import undo_slot_of
from tests.screens import TEST_SCREENS
from tests.services.factories import make_enrollment
from tests.views.confirming import answer

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
SEED_LEADS = 300


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, leads=SEED_LEADS, seed=7)
    return engine


def expected_figures(sessions: sessionmaker[Session]) -> dict[uuid.UUID, tuple]:
    """Per enrollment (cash collected, balance, next due), computed in Python from the ORM."""
    with sessions() as session:
        found = {}
        for enrollment in session.scalars(select(Enrollment)):
            cash = sum(
                (
                    p.amount - p.refunded_amount
                    for p in session.scalars(
                        select(Payment).where(Payment.enrollment_id == enrollment.id)
                    )
                    if p.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
                ),
                Decimal("0"),
            )
            unpaid = [
                i
                for i in session.scalars(
                    select(Installment).where(Installment.enrollment_id == enrollment.id)
                )
                if i.status is not InstallmentStatus.PAID
            ]
            owing = enrollment.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.DEFAULTED)
            next_due = min(i.due_date for i in unpaid) if unpaid and owing else None
            # The balance is the unpaid schedule; a cancelled enrollment owes nothing more.
            cancelled = enrollment.status is EnrollmentStatus.CANCELLED
            balance = Decimal(0) if cancelled else sum((i.amount for i in unpaid), Decimal(0))
            found[enrollment.id] = (cash, balance, next_due)
    return found


def test_call_to_cash_rows_match_python(seeded: Engine, sessions) -> None:
    truth = expected_figures(sessions)
    assert len(truth) > 10
    rows = PagedRows(seeded, CALL_TO_CASH.query(), page_size=500)
    assert rows.total == len(truth)
    listed = {}
    for index in range(rows.total):
        row = rows.row(index)
        assert row is not None
        listed[row[-1]] = (
            row[COLUMN["Cash collected"]],
            row[COLUMN["Balance"]],
            row[COLUMN["Next due"]],
        )
    assert listed == truth
    assert any(cash > 0 for cash, _b, _d in truth.values())
    assert any(due is not None for _c, _b, due in truth.values())


def test_sorts_by_balance_in_sql_and_filters_by_id(seeded: Engine, sessions) -> None:
    truth = expected_figures(sessions)
    query = CALL_TO_CASH.query(sort=SortOrder(COLUMN["Balance"], descending=True))
    rows = PagedRows(seeded, query, page_size=7)  # several pages
    balances = [rows.row(i)[COLUMN["Balance"]] for i in range(rows.total)]
    assert balances == sorted((b for _c, b, _d in truth.values()), reverse=True)
    some = next(iter(truth))
    one = PagedRows(seeded, CALL_TO_CASH.query().with_filters(*id_filters({"enrollment_id": some})))
    assert one.total == 1 and one.row(0)[-1] == some


def test_the_money_figures_add_up_on_every_enrollment(seeded: Engine, sessions) -> None:
    """contract = paid + balance + not owed; collected = paid - refunded (README)."""
    with sessions() as session:
        ids = session.scalars(select(Enrollment.id)).all()
        details = [enrollment_detail(session, enrollment_id) for enrollment_id in ids]
    statuses = set()
    for d in details:
        assert d["contract_value"] == d["paid"] + d["balance"] + d["not_owed"], d["id"]
        assert d["cash_collected"] == d["paid"] - d["refunded"], d["id"]
        assert d["not_owed"] == 0 or d["status"] is EnrollmentStatus.CANCELLED
        statuses.add(d["status"])
    assert EnrollmentStatus.CANCELLED in statuses and EnrollmentStatus.ACTIVE in statuses


# --- the tab, driven as a user would --------------------------------------------------------


def make_ctx(engine: Engine, sessions: sessionmaker[Session], role: UserRole) -> TabContext:
    actor = Actor(user_id=None, username=role.value.lower(), role=role)
    return TabContext(engine, sessions, actor, Formatter(), DataBus())


def open_tab(qtbot, engine: Engine, sessions, role: UserRole) -> EnrollmentsTab:
    tab = EnrollmentsTab(make_ctx(engine, sessions, role))
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitExposed(tab)
    settle(qtbot, tab)
    return tab


def settle(qtbot, tab: EnrollmentsTab) -> None:
    qtbot.waitUntil(lambda: tab.list.model.counted, timeout=5000)
    qtbot.waitUntil(lambda: tab.enrollment.detail is not None, timeout=5000)
    qtbot.waitUntil(
        lambda: (
            tab.student.detail is not None
            and tab.student.detail["id"] == tab.enrollment.detail["student_id"]
        ),
        timeout=5000,
    )


def show_only(qtbot, tab: EnrollmentsTab, enrollment_id: uuid.UUID) -> None:
    tab.apply_filters({"enrollment_id": enrollment_id})
    qtbot.waitUntil(
        lambda: (
            tab.enrollment.detail is not None
            and tab.enrollment.detail["id"] == enrollment_id
            and tab.list.model.rowCount() == 1
        ),
        timeout=5000,
    )
    settle(qtbot, tab)


def partly_paid(sessions) -> tuple[uuid.UUID, list[Installment]]:
    """An ACTIVE enrollment with a paid and an unpaid installment, and its schedule."""
    with sessions() as session:
        for enrollment in session.scalars(
            select(Enrollment)
            .where(Enrollment.status == EnrollmentStatus.ACTIVE)
            .order_by(Enrollment.start_date)
        ):
            rows = list(
                session.scalars(
                    select(Installment)
                    .where(Installment.enrollment_id == enrollment.id)
                    .order_by(Installment.due_date, Installment.sequence)
                )
            )
            statuses = {row.status for row in rows}
            if InstallmentStatus.PAID in statuses and len(statuses) > 1:
                session.expunge_all()
                return enrollment.id, rows
    raise AssertionError("the demo data has no partly paid enrollment")


def test_detail_shows_schedule_payments_and_student(qtbot, seeded: Engine, sessions) -> None:
    enrollment_id, schedule = partly_paid(sessions)
    tab = open_tab(qtbot, seeded, sessions, UserRole.SALES)
    show_only(qtbot, tab, enrollment_id)
    fmt = tab.ctx.formatter
    lines = grid_lines(tab.enrollment.schedule_grid)
    assert [line[1] for line in lines] == [fmt.date(row.due_date) for row in schedule]
    assert [line[2] for line in lines] == [fmt.money(row.amount) for row in schedule]
    with sessions() as session:
        paid = session.scalars(select(Payment).where(Payment.enrollment_id == enrollment_id)).all()
        student = session.get(Enrollment, enrollment_id).student
        email, lead_id = student.email, student.lead_id
    assert len(grid_lines(tab.enrollment.payments_grid)) == len(paid)
    cash = sum((p.amount - p.refunded_amount for p in paid if p.status in RECEIVED), Decimal("0"))
    assert fmt.money(cash) in tab.enrollment.figures.text()
    assert email in tab.student.contact.text()
    assert ("Came from a lead" in tab.student.origin.text()) == (lead_id is not None)
    # The chip and student filters narrow the list in SQL.
    tab.apply_filters({"enrollment_id": None, "student_id": tab.student.detail["id"]})
    assert len(tab.student.enrollments) >= 1
    qtbot.waitUntil(lambda: tab.list.model.rowCount() == len(tab.student.enrollments), timeout=5000)
    tab.clear_id_filters()
    qtbot.waitUntil(
        lambda: tab.list.model.rowCount() == len(expected_figures(sessions)), timeout=5000
    )
    assert not tab.notice.isVisibleTo(tab)
    # "Student's calls" asks the window for the Sales-calls tab.
    with qtbot.waitSignal(tab.ctx.bus.open_list) as asked:
        tab.enrollment.buttons["calls"].click()
    assert asked.args[0] == "sales_calls"
    with sessions() as session:  # the student of the enrollment shown now (the list changed)
        shown = session.get(Enrollment, tab.enrollment.detail["id"])
        assert asked.args[1]["student_id"] == shown.student_id


def test_a_partial_refund_shows_and_the_figures_add_up(qtbot, engine: Engine, sessions) -> None:
    """$997 down on $4,997, $200 of it refunded: the schedule row shows both, and contract =
    paid + balance, collected = paid - refunded, balance = the unpaid schedule = receivables."""
    admin = Actor(user_id=None, username="admin", role=UserRole.ADMIN)
    start = dt.date.today() - dt.timedelta(days=5)
    with sessions() as session:
        enrollment = make_enrollment(
            session, admin, start_date=start, plan_type="SPLIT", contract_value="4997",
            down_payment="997", installments=4, first_due_date=start + dt.timedelta(days=30),
        )  # fmt: skip
        enrollment_id = enrollment.id
        down = min(enrollment.installments, key=lambda i: i.sequence)
        payment = payments.record_payment(session, admin, down.id).payment
        payments.refund_payment(session, admin, payment.id, "200", reason="goodwill")
        owed = aging_summary(session, admin).total
    tab = open_tab(qtbot, engine, sessions, UserRole.ADMIN)
    show_only(qtbot, tab, enrollment_id)
    detail = tab.enrollment.detail
    figures = (detail["paid"], detail["refunded"], detail["cash_collected"], detail["balance"])
    assert figures == (Decimal("997.00"), Decimal("200.00"), Decimal("797.00"), owed)
    assert owed == Decimal("4000.00")
    assert tab.enrollment.figures.text().startswith(
        "Contract $4,997.00 = paid $997.00 + balance $4,000.00 · collected $797.00 "
        "(paid less $200.00 refunded)"
    )
    lines = grid_lines(tab.enrollment.schedule_grid)
    assert lines[0][2:] == ["$997.00", "Paid", "$200.00"]  # amount, status, refunded
    unpaid = sum((row.amount for row in tab.enrollment.schedule if not row.paid), Decimal(0))
    assert unpaid == detail["balance"]
    tab.enrollment.schedule_grid.selectRow(0)
    qtbot.wait(200)
    tab.resize(1280, 800)
    assert tab.grab().save("/tmp/enrollment_refund.png")

    # Cancelled: nothing is owed any more, and the schedule says so.
    with sessions() as session:
        enrollment_service.cancel_enrollment(session, admin, enrollment_id, "left")
    tab.enrollment.reload()
    qtbot.waitUntil(lambda: tab.enrollment.detail["balance"] == 0, timeout=5000)
    assert "+ balance $0.00 + not owed $4,000.00" in tab.enrollment.figures.text()
    statuses = [line[3] for line in grid_lines(tab.enrollment.schedule_grid)]
    assert statuses == ["Paid"] + ["Not owed (cancelled)"] * 4


def test_reschedule_shows_error_then_saves_and_audits(qtbot, seeded: Engine, sessions) -> None:
    enrollment_id, schedule = partly_paid(sessions)
    tab = open_tab(qtbot, seeded, sessions, UserRole.SALES)
    show_only(qtbot, tab, enrollment_id)
    unpaid = next(i for i, row in enumerate(schedule) if row.status is not InstallmentStatus.PAID)
    tab.enrollment.sections.setCurrentIndex(0)
    tab.enrollment.schedule_grid.selectRow(unpaid)
    assert tab.enrollment.buttons["reschedule"].isEnabled()
    tab.enrollment.buttons["reschedule"].click()
    dialog = tab.dialog
    assert isinstance(dialog, RescheduleDialog)
    with sessions() as session:
        start = session.get(Enrollment, enrollment_id).start_date
    too_early = start - dt.timedelta(days=3)
    dialog.due_date.setDate(QDate(too_early.year, too_early.month, too_early.day))
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors.shown()), timeout=5000)
    assert "due_date" in dialog.errors.shown()
    with sessions() as session:
        assert session.get(Installment, schedule[unpaid].id).due_date == schedule[unpaid].due_date
    new_day = schedule[unpaid].due_date + dt.timedelta(days=9)
    dialog.due_date.setDate(QDate(new_day.year, new_day.month, new_day.day))
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    with sessions() as session:
        assert session.get(Installment, schedule[unpaid].id).due_date == new_day
    qtbot.waitUntil(
        lambda: any(line[3] == "installment" for line in grid_lines(tab.enrollment.audit_grid)),
        timeout=5000,
    )
    assert fmt_in(tab, new_day)
    # Undo (Ctrl+Z, the toast's Undo) moves it back, through the same service.
    slot = undo_slot_of(tab)
    assert slot.text == f"Undo the new due date of Installment {schedule[unpaid].sequence}"
    with qtbot.waitSignal(tab.ctx.bus.data_changed, timeout=5000):
        slot.undo()
    with sessions() as session:
        assert session.get(Installment, schedule[unpaid].id).due_date == schedule[unpaid].due_date
    qtbot.waitUntil(lambda: toast_of(tab).text.text().endswith(" again."), timeout=5000)


def fmt_in(tab: EnrollmentsTab, day: dt.date) -> bool:
    return tab.ctx.formatter.date(day) in [
        line[1] for line in grid_lines(tab.enrollment.schedule_grid)
    ]


def test_edit_plan_previews_then_keeps_the_total(qtbot, seeded: Engine, sessions) -> None:
    enrollment_id, schedule = partly_paid(sessions)
    total = sum((row.amount for row in schedule), Decimal("0"))
    paid_ids = {row.id for row in schedule if row.status is InstallmentStatus.PAID}
    remaining = sum(
        (row.amount for row in schedule if row.status is not InstallmentStatus.PAID), Decimal("0")
    )
    tab = open_tab(qtbot, seeded, sessions, UserRole.SALES)
    show_only(qtbot, tab, enrollment_id)
    tab.enrollment.buttons["plan"].click()
    dialog = tab.dialog
    assert isinstance(dialog, PlanDialog)
    qtbot.waitUntil(lambda: dialog.change is not None, timeout=5000)
    with qtbot.waitSignal(dialog.previewed, timeout=5000):
        dialog.count.setValue(4)
    assert dialog.save_button.isEnabled()
    assert len(dialog.change.new) == 4 and dialog.change.remaining == remaining
    assert tab.ctx.formatter.money(remaining) in dialog.summary.text()
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    with sessions() as session:
        rows = session.scalars(
            select(Installment).where(Installment.enrollment_id == enrollment_id)
        ).all()
    assert sum((row.amount for row in rows), Decimal("0")) == total
    assert {row.id for row in rows if row.status is InstallmentStatus.PAID} == paid_ids
    assert len(rows) == len(paid_ids) + 4
    # The audit trail still lists the removed installments (found through old_values).
    qtbot.waitUntil(
        lambda: (
            tab.enrollment.detail is not None
            and len(grid_lines(tab.enrollment.schedule_grid)) == len(rows)
        ),
        timeout=5000,
    )
    audit = grid_lines(tab.enrollment.audit_grid)
    removed = len(schedule) - len(paid_ids)
    assert sum(1 for line in audit if line[2] == "Delete" and line[3] == "installment") == removed
    assert sum(1 for line in audit if line[2] == "Create" and line[3] == "installment") >= 4


def test_end_actions_are_admin_only(qtbot, seeded: Engine, sessions) -> None:
    enrollment_id, _schedule = partly_paid(sessions)
    sales = open_tab(qtbot, seeded, sessions, UserRole.SALES)
    assert not sales.enrollment.buttons["cancel"].isVisibleTo(sales)
    assert not sales.enrollment.buttons["default"].isVisibleTo(sales)
    with sessions() as session, pytest.raises(PermissionDeniedError):
        enrollment_service.mark_defaulted(session, sales.ctx.actor, enrollment_id)
    admin = open_tab(qtbot, seeded, sessions, UserRole.ADMIN)
    show_only(qtbot, admin, enrollment_id)
    admin.enrollment.buttons["default"].click()
    dialog = admin.dialog
    assert isinstance(dialog, EndDialog)
    dialog.reason.setText("stopped answering")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
        question = answer(qtbot, dialog)
    detail = admin.enrollment.detail
    assert question.startswith(f"Mark the enrollment of {detail['student']} · ")
    assert f"{admin.ctx.formatter.money(detail['balance'])} unpaid stays owed" in question
    with sessions() as session:
        assert session.get(Enrollment, enrollment_id).status is EnrollmentStatus.DEFAULTED
    qtbot.waitUntil(
        lambda: admin.enrollment.detail["status"] == EnrollmentStatus.DEFAULTED, timeout=5000
    )
    assert not admin.enrollment.buttons["default"].isEnabled()
    assert admin.enrollment.buttons["cancel"].isEnabled()


def test_marketing_sees_no_money_edits(qtbot, seeded: Engine, sessions) -> None:
    tab = open_tab(qtbot, seeded, sessions, UserRole.MARKETING)
    for key in ("reschedule", "plan", "cancel", "default"):
        assert not tab.enrollment.buttons[key].isVisibleTo(tab)
    with sessions() as session, pytest.raises(PermissionDeniedError):
        plan_changes.change_remaining_plan(
            session, tab.ctx.actor, tab.enrollment.detail["id"], 2, "MONTHLY", dt.date.today()
        )


def test_screenshot(qtbot, seeded: Engine, sessions, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("one screenshot is enough")
    tab = open_tab(qtbot, seeded, sessions, UserRole.ADMIN)
    enrollment_id, _schedule = partly_paid(sessions)
    model = tab.list.model
    row = next(
        r for r in range(model.rowCount()) if model.index(r, 0).data(KEY_ROLE) == enrollment_id
    )
    tab.view.selectRow(row)
    qtbot.waitUntil(lambda: tab.enrollment.detail["id"] == enrollment_id, timeout=5000)
    qtbot.wait(300)
    path = TEST_SCREENS / "enrollments.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(path))
