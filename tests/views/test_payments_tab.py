"""The Payment-schedules tab driven as a user would: quick filters, the totals bar, the
payment flow (pay, pay again from another session → told it is paid, refund), failed charges,
rescheduling, roles and the dunning list's export, checked against the database."""

from __future__ import annotations

import csv
import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QDialog
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.payments_queries import load_installment
from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models import Enrollment, Installment, Payment
from portal_desktop.models.enums import (
    EnrollmentStatus,
    InstallmentStatus,
    PaymentStatus,
    UserRole,
)
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing import payments as payment_service
from portal_desktop.services.billing.plan_changes import reschedule_installment
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.common.date_ranges import end_of_day_utc, local_midnight_utc
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.payments.dialogs import (
    FailedChargeDialog,
    InstallmentDialog,
    PaymentDialog,
    RefundDialog,
    RescheduleDialog,
)
from portal_desktop.views.payments.tab import PaymentSchedulesTab
from portal_desktop.views.payments.totals import TotalsBar
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.table_model import KEY_ROLE, RAW_ROLE
from portal_desktop.views.toast import toast_of
from portal_desktop.views.undo import undo_slot_of
from tests.screens import TEST_SCREENS
from tests.services.factories import make_enrollment, table_state
from tests.views.confirming import answer, answer_if_asked

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
SCREENSHOT = TEST_SCREENS / "payment_schedules.png"
STATUS = 6


def make_ctx(engine: Engine, sessions: sessionmaker[Session], role: UserRole) -> TabContext:
    actor = Actor(user_id=None, username=role.value.lower(), role=role)
    return TabContext(engine, sessions, actor, Formatter(), DataBus())


def open_tab(qtbot, engine, sessions, role: UserRole = UserRole.ADMIN) -> PaymentSchedulesTab:
    tab = PaymentSchedulesTab(make_ctx(engine, sessions, role))
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    settle(qtbot, tab)
    return tab


def settle(qtbot, tab: PaymentSchedulesTab) -> None:
    qtbot.waitUntil(lambda: tab.list.model.counted, timeout=10000)
    qtbot.waitUntil(lambda: not tab.totals.loading, timeout=10000)
    # The list's chip counts and sums wait for the totals when the tab opens: let them land.
    pool = QThreadPool.globalInstance()
    qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=10000)
    qtbot.wait(50)


def shown_keys(tab: PaymentSchedulesTab) -> list[uuid.UUID]:
    model = tab.list.model
    return [model.index(row, 0).data(KEY_ROLE) for row in range(model.rowCount())]


def select_installment(qtbot, tab: PaymentSchedulesTab, installment_id: uuid.UUID) -> None:
    row = shown_keys(tab).index(installment_id)
    tab.list.view.selectRow(row)
    qtbot.waitUntil(lambda: tab.selected_id() == installment_id, timeout=2000)


def start(qtbot, tab: PaymentSchedulesTab, kind: type[InstallmentDialog]) -> InstallmentDialog:
    tab.dialog = None
    tab.start(kind)
    qtbot.waitUntil(lambda: isinstance(tab.dialog, kind), timeout=5000)
    assert tab.dialog is not None
    return tab.dialog


def save(qtbot, dialog: InstallmentDialog) -> None:
    """Press Save and wait for the write: accepted, or an error shown."""
    assert dialog.save_button.isEnabled()
    dialog.save_button.click()
    answer_if_asked(dialog)  # a refund asks first, naming the amount
    qtbot.waitUntil(lambda: not dialog.writing, timeout=5000)


# --- demo data: filters, totals, screenshot -------------------------------------------------


# Days ago of the starts of extra split deals (3 monthly installments), so that every aging
# bucket holds unpaid installments (the demo data's past installments are all paid).
LATE_STARTS = (10, 45, 75, 130, 200)
ADMIN = Actor(user_id=None, username="admin", role=UserRole.ADMIN)


@pytest.fixture
def seeded(engine: Engine, sessions) -> Engine:
    seed_database(engine, leads=300, seed=7)
    with sessions() as session:
        today = dt.datetime.now(load_settings(session).tz).date()
        for days in LATE_STARTS:
            make_enrollment(
                session, ADMIN, start_date=today - dt.timedelta(days=days), plan_type="SPLIT",
                contract_value="4500", installments=3,
            )  # fmt: skip
        payment_service.roll_overdue(session, ADMIN)
    return engine


def test_quick_filters_and_totals_on_demo_data(qtbot, seeded, sessions) -> None:
    tab = open_tab(qtbot, seeded, sessions)
    day = tab.day
    with sessions() as session:
        tz = load_settings(session).tz
        rows = session.execute(
            select(Installment, Enrollment.status, Enrollment.start_date).join(
                Enrollment, Installment.enrollment_id == Enrollment.id
            )
        ).all()
        payments = list(session.scalars(select(Payment)))
    assert tab.list.model.rowCount() == len(rows)

    paid = {p.installment_id: p for p in payments if p.status is PaymentStatus.PAID}

    def balance(row, as_of: dt.date) -> Decimal:
        """KPIS.md: what is owed on the installment as of a day (0 when cancelled)."""
        if row.status is EnrollmentStatus.CANCELLED or row.start_date > as_of:
            return Decimal(0)
        payment = paid.get(row.Installment.id)
        by_then = payment is not None and payment.paid_at < end_of_day_utc(as_of, tz)
        return max(row.Installment.amount - (payment.amount if by_then else 0), Decimal(0))

    def late(row, as_of: dt.date, fewest: int, most: int) -> bool:
        return balance(row, as_of) > 0 and fewest <= (as_of - row.Installment.due_date).days <= most

    # The Charts tab's bucket words, as it sends them (chart_data's docstring).
    for word, (fewest, most) in {"31-60": (31, 60), "90+": (91, 100_000)}.items():
        tab.apply_filters({"bucket": word})
        settle(qtbot, tab)
        expected = {row.Installment.id for row in rows if late(row, day, fewest, most)}
        assert expected, word
        assert set(shown_keys(tab)) == expected
    tab.apply_filters({"bucket": []})
    tab.apply_filters({"when": "overdue"})
    settle(qtbot, tab)
    overdue = {row.Installment.id for row in rows if late(row, day, 1, 100_000)}
    assert set(shown_keys(tab)) == overdue
    counts = tab.list.chips.button("when", "overdue").text()
    assert f"{len(overdue):,}" in counts
    # A bucket as of another day than today (the Charts tab's "as_of") filters in SQL too.
    other = day - dt.timedelta(days=30)
    left = tab.apply_filters({"when": [], "bucket": "1-30", "as_of": other, "zoom": 2})
    assert left == {"zoom": 2}
    settle(qtbot, tab)
    expected = {row.Installment.id for row in rows if late(row, other, 1, 30)}
    assert set(shown_keys(tab)) == expected
    assert tab.banner.isVisible() and "as of" in tab.banner.text()
    tab.clear_extra_filters()
    settle(qtbot, tab)
    assert tab.list.model.rowCount() == len(rows)

    # The Charts tab's other keys: payments received in some days; unpaid falling due.
    start, end = local_midnight_utc(day.replace(day=1), tz), end_of_day_utc(day, tz)
    paid_in_month = {
        p.installment_id
        for p in payments
        if p.status is PaymentStatus.PAID and start <= p.paid_at < end
    }
    tab.apply_filters({"paid_from": day.replace(day=1), "paid_to": day})
    settle(qtbot, tab)
    assert paid_in_month and set(shown_keys(tab)) == paid_in_month
    later = day + dt.timedelta(days=60)
    tab.apply_filters({"due_from": day, "due_to": later, "unpaid": True})
    settle(qtbot, tab)
    falling_due = {
        row.Installment.id
        for row in rows
        if day <= row.Installment.due_date <= later and balance(row, day) > 0
    }
    assert falling_due and set(shown_keys(tab)) == falling_due
    tab.clear_extra_filters()
    settle(qtbot, tab)

    # The totals bar against the receivables and cash rules of KPIS.md, computed here.
    due = sum((balance(row, day) for row in rows), Decimal(0))
    overdue_sum = sum(
        (balance(row, day) for row in rows if row.Installment.due_date < day), Decimal(0)
    )
    received = sum(
        (p.amount for p in payments if p.status is not PaymentStatus.FAILED
         and start <= p.paid_at < end), Decimal(0),
    )  # fmt: skip
    refunds = sum(
        (p.refunded_amount for p in payments if p.refunded_at and start <= p.refunded_at < end),
        Decimal(0),
    )
    totals = tab.totals.totals
    assert totals is not None
    assert (totals.due, totals.overdue, totals.collected) == (due, overdue_sum, received - refunds)
    assert tab.totals.values["due"].text() == Formatter().money(due)

    # Cancelled enrollments' unpaid installments read "Not owed (cancelled)", as a badge.
    tab.apply_filters({"when": "not owed (cancelled)"})
    settle(qtbot, tab)
    status = tab.list.spec.columns.index(
        next(c for c in tab.list.spec.columns if c.title == "Status")
    )
    assert tab.list.view.itemDelegateForColumn(status) is not None
    texts = {tab.list.model.index(r, status).data() for r in range(tab.list.model.rowCount())}
    assert texts == {"Not owed (cancelled)"}
    tab.apply_filters({"when": []})
    settle(qtbot, tab)
    tab.list.view.selectRow(0)
    qtbot.wait(100)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(SCREENSHOT))


# --- the payment flow on a small world ------------------------------------------------------


@pytest.fixture
def world(sessions) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A split enrollment of 3 installments of 2,000.00 that started long ago (all past due)."""
    with sessions() as session:
        enrollment = make_enrollment(
            session, ADMIN, start_date=dt.date(2024, 1, 15), plan_type="SPLIT",
            contract_value="6000", installments=3,
        )  # fmt: skip
        ids = list(
            session.scalars(
                select(Installment.id)
                .where(Installment.enrollment_id == enrollment.id)
                .order_by(Installment.due_date, Installment.sequence)
            )
        )
        return enrollment.id, ids


def payments_of(sessions, installment_id: uuid.UUID) -> list[tuple[str, Decimal, Decimal]]:
    with sessions() as session:
        return [
            (p.status.value, p.amount, p.refunded_amount)
            for p in session.scalars(
                select(Payment)
                .where(Payment.installment_id == installment_id)
                .order_by(Payment.created_at)
            )
        ]


def test_pay_pay_again_from_another_session_and_refund(qtbot, engine, sessions, world) -> None:
    _enrollment, (first, second, third) = world
    mine = open_tab(qtbot, engine, sessions)
    theirs = open_tab(qtbot, engine, sessions)  # another window, its own session
    select_installment(qtbot, mine, first)
    cancelled = start(qtbot, mine, PaymentDialog)
    qtbot.keyClick(cancelled, Qt.Key.Key_Escape)
    assert cancelled.result() == QDialog.DialogCode.Rejected
    assert payments_of(sessions, first) == []
    pay = start(qtbot, mine, PaymentDialog)
    assert isinstance(pay, PaymentDialog)
    # Both windows read the installment before either pays it.
    with sessions() as session:
        info = load_installment(session, first)
    assert info is not None and info.amount == Decimal("2000.00")
    other = theirs.open_dialog(PaymentDialog, info)
    assert isinstance(other, PaymentDialog)

    pay.reference.setText("wire 42")
    save(qtbot, pay)
    assert pay.result() == QDialog.DialogCode.Accepted
    assert payments_of(sessions, first) == [("PAID", Decimal("2000.00"), Decimal("0.00"))]
    settle(qtbot, mine)
    assert mine.list.model.index(shown_keys(mine).index(first), STATUS).data(RAW_ROLE) == "PAID"

    # The other window pays the same installment: told so, nothing written.
    with sessions() as session:
        before = table_state(session)
    save(qtbot, other)
    assert other.result() != QDialog.DialogCode.Accepted
    told = other.errors.shown()[""]
    assert "already paid" in told and "nothing was recorded" in told
    with sessions() as session:
        assert table_state(session) == before

    # Paying it again from the first window: the same words.
    select_installment(qtbot, mine, first)
    again = start(qtbot, mine, PaymentDialog)
    save(qtbot, again)
    assert "already paid" in again.errors.shown()[""]
    again.reject()

    # A partial refund, one too big (shown at the field), then the rest.
    refund = start(qtbot, mine, RefundDialog)
    assert isinstance(refund, RefundDialog)
    assert refund.amount.value() == Decimal("2000.00")
    refund.amount.setText("$2,500.00")
    save(qtbot, refund)
    assert "more than" in refund.errors.shown()["amount"]
    refund.amount.setText("500")
    refund.save_button.click()  # asks first, naming the amounts; "Go back" writes nothing
    assert answer(qtbot, refund, yes=False).startswith(
        f"Refund $500.00 of the $2,000.00 payment on {refund.info.label}?"
    )
    assert payments_of(sessions, first) == [("PAID", Decimal("2000.00"), Decimal("0.00"))]
    save(qtbot, refund)
    assert refund.result() == QDialog.DialogCode.Accepted
    assert payments_of(sessions, first) == [("PAID", Decimal("2000.00"), Decimal("500.00"))]
    settle(qtbot, mine)
    select_installment(qtbot, mine, first)
    rest = start(qtbot, mine, RefundDialog)
    assert isinstance(rest, RefundDialog)
    assert rest.amount.value() == Decimal("1500.00")
    save(qtbot, rest)
    assert payments_of(sessions, first) == [("REFUNDED", Decimal("2000.00"), Decimal("2000.00"))]
    with sessions() as session:
        reopened = session.get(Installment, first)
        assert reopened is not None and reopened.status is not InstallmentStatus.PAID

    # A partial payment of the second installment: the rest stays due as a new installment.
    settle(qtbot, mine)
    select_installment(qtbot, mine, second)
    partial = start(qtbot, mine, PaymentDialog)
    assert isinstance(partial, PaymentDialog)
    partial.amount.setText("1,250.5")
    save(qtbot, partial)
    assert payments_of(sessions, second) == [("PAID", Decimal("1250.50"), Decimal("0.00"))]
    with sessions() as session:
        amounts = sorted(
            session.scalars(
                select(Installment.amount).where(Installment.enrollment_id == _enrollment)
            )
        )
    assert amounts == [
        Decimal("749.50"),
        Decimal("1250.50"),
        Decimal("2000.00"),
        Decimal("2000.00"),
    ]

    # A failed charge and a reschedule of the third.
    settle(qtbot, mine)
    select_installment(qtbot, mine, third)
    failed = start(qtbot, mine, FailedChargeDialog)
    assert isinstance(failed, FailedChargeDialog)
    assert not failed.save_button.isEnabled()  # the reason is required
    failed.reason.setText("card declined")
    save(qtbot, failed)
    assert payments_of(sessions, third) == [("FAILED", Decimal("2000.00"), Decimal("0.00"))]
    settle(qtbot, mine)
    select_installment(qtbot, mine, third)
    move = start(qtbot, mine, RescheduleDialog)
    assert isinstance(move, RescheduleDialog)
    new_day = dt.date.today() + dt.timedelta(days=20)
    move.day.setDate(new_day)
    save(qtbot, move)
    assert move.result() == QDialog.DialogCode.Accepted
    with sessions() as session:
        moved = session.get(Installment, third)
        assert moved is not None and moved.due_date == new_day
    # Its undo is refused, in words, once someone moved it again meanwhile.
    with sessions() as session:
        reschedule_installment(session, SYSTEM, third, new_day + dt.timedelta(days=1))
    undo_slot_of(mine).undo()
    toast = toast_of(mine)
    qtbot.waitUntil(lambda: toast.isVisible() and toast.kind == "failed", timeout=5000)
    assert toast.text.text().startswith("Nothing was undone: ")
    with sessions() as session:
        assert session.get(Installment, third).due_date == new_day + dt.timedelta(days=1)


def test_roles_hide_actions_and_services_refuse(qtbot, engine, sessions, world) -> None:
    _enrollment, (first, _second, _third) = world
    sales = open_tab(qtbot, engine, sessions, UserRole.SALES)
    assert sales.buttons["pay"].isVisibleTo(sales)
    assert not sales.buttons["refund"].isVisibleTo(sales)
    with sessions() as session:
        payment_id = payment_service.record_payment(session, ADMIN, first).payment.id
    with sessions() as session, pytest.raises(PermissionDeniedError):
        payment_service.refund_payment(session, sales.ctx.actor, payment_id)
    marketing = Actor(user_id=None, username="marketing", role=UserRole.MARKETING)
    with sessions() as session, pytest.raises(PermissionDeniedError):
        payment_service.record_payment(session, marketing, _second)
    assert payments_of(sessions, first) == [("PAID", Decimal("2000.00"), Decimal("0.00"))]


def test_dunning_list_and_its_export(qtbot, engine, sessions, world, tmp_path) -> None:
    _enrollment, ids = world
    tab = open_tab(qtbot, engine, sessions)
    dunning = tab.show_dunning()
    qtbot.waitUntil(lambda: not dunning.loading, timeout=5000)
    assert sorted(row.installment_id for row in dunning.rows) == sorted(ids)
    today = tab.day
    first = min(dunning.rows, key=lambda row: row.due_date)
    assert first.days_late == (today - first.due_date).days
    assert dunning.table.rowCount() == 3
    # Why it differs from the Overdue card is on screen, with the grace days in force.
    assert "past due + 3 grace days, active enrollments only" in dunning.summary.text()
    path = tmp_path / "dunning.csv"
    with qtbot.waitSignal(dunning.exporter.finished, timeout=10000):
        dunning.export_to(path)
    with path.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert len(lines) == 1 + 3
    assert any(first.email in cell for line in lines for cell in line)


# --- the totals go first --------------------------------------------------------------------


def test_the_totals_go_ahead_of_the_lists_waiting_workers(qtbot, seeded, sessions) -> None:
    """With every pool thread busy, the list asks for its chip counts and totals, then the
    bar for its figures: once one thread frees up, the bar's request runs first."""
    tab = open_tab(qtbot, seeded, sessions)
    pool = QThreadPool.globalInstance()
    gates = [threading.Event() for _ in range(pool.maxThreadCount())]
    try:
        started: list[threading.Event] = []

        def hold(gate: threading.Event) -> None:
            mine = threading.Event()
            started.append(mine)
            mine.set()
            gate.wait(20)

        for gate in gates:
            pool.start(lambda gate=gate: hold(gate))
        # Every thread held by a gate (not merely busy: a job of the opening still running
        # would free its thread for the bar's figures, which go ahead of a queued gate).
        qtbot.waitUntil(lambda: len(started) == len(gates), timeout=5000)
        # What landed, and whether the bar was still waiting for its figures at that moment.
        landed: list[tuple[str, bool]] = []
        model = tab.list.model
        model.chip_counts_ready.connect(lambda _: landed.append(("chips", tab.totals.loading)))
        model.totals_ready.connect(lambda _: landed.append(("sums", tab.totals.loading)))
        tab.list.refresh()  # queued first, at the same (default) priority as every job
        tab.totals.refresh()
        qtbot.wait(50)
        assert landed == [] and tab.totals.loading  # all of them wait for a thread
        gates[0].set()  # one thread: it takes the waiting jobs one by one
        qtbot.waitUntil(lambda: len(landed) == 2 and not tab.totals.loading, timeout=10000)
        assert sorted(landed) == [("chips", False), ("sums", False)]  # the bar came first
    finally:
        for gate in gates:
            gate.set()
    assert pool.waitForDone(10000)


def test_a_bar_that_cannot_load_says_why(qtbot, engine, sessions) -> None:
    bar = TotalsBar(make_ctx(engine, sessions, UserRole.MARKETING))
    qtbot.addWidget(bar)
    bar.refresh()
    qtbot.waitUntil(lambda: not bar.loading, timeout=10000)
    assert [label.text() for label in bar.values.values()] == ["—"] * 4
    assert "may not view payments and receivables" in bar.values["due"].toolTip()
    assert bar.totals is None
