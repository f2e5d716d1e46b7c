"""The Sales-calls tab (ranges, filters, the amber rows, its actions) and the
schedule-call dialog, driven as a user would and checked against the database."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, QDateTime, QModelIndex, Qt
from PySide6.QtWidgets import QLabel, QStyleOptionViewItem, QWizard
from sqlalchemy import func, select

from portal_desktop.models import Enrollment, SalesCall
from portal_desktop.models.enums import CallOutcome, LeadStatus, UserRole
from portal_desktop.views.calls.close_deal_wizard import CloseDealWizard
from portal_desktop.views.calls.outcome_dialog import OutcomeDialog
from portal_desktop.views.calls.schedule_dialog import ScheduleCallDialog
from portal_desktop.views.calls.tab import SalesCallsTab, overdue_color
from portal_desktop.views.member_picker import select_data
from portal_desktop.views.table_model import KEY_ROLE, RAW_ROLE
from tests.services.factories import make_sales_call
from tests.views.call_fixtures import make_context, make_world, statements_on_this_thread
from tests.views.list_rows import settle_now

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

# Hours from now of extra calls, and their outcomes (None: not recorded).
EXTRA_CALLS = [
    (-20 * 24, CallOutcome.CLOSED_LOST),
    (-3 * 24, None),
    (-26, CallOutcome.NO_SHOW),
    (-2, CallOutcome.CLOSED_WON),
    (-5, CallOutcome.FOLLOW_UP),
    (2, None),
    (6 * 24, None),
    (30 * 24, None),
]


@pytest.fixture
def world(sessions):
    now = dt.datetime.now(dt.UTC)
    made = make_world(sessions, now)
    with sessions() as session:
        for hours, outcome in EXTRA_CALLS:
            make_sales_call(
                session,
                host_id=made.host_id if hours % 2 == 0 else made.other_host_id,
                scheduled_at=now + dt.timedelta(hours=hours),
                outcome=outcome,
            )
        session.commit()
    return made


@pytest.fixture
def tab(qtbot, engine, sessions, world) -> SalesCallsTab:
    widget = SalesCallsTab(make_context(engine, sessions))
    qtbot.addWidget(widget)
    widget.resize(1100, 500)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.people_loaded, timeout=10_000)
    return widget


def _listed(tab: SalesCallsTab) -> set:
    model = settle_now(tab.list.model)
    return {model.index(row, 0).data(KEY_ROLE) for row in range(model.rowCount())}


def _calls(sessions, *conditions) -> set:
    with sessions() as session:
        return set(session.scalars(select(SalesCall.id).where(*conditions)))


def _all(sessions) -> list[SalesCall]:
    with sessions() as session:
        return list(session.scalars(select(SalesCall)))


def test_the_ranges_list_the_calls_of_their_days(tab, sessions) -> None:
    today = dt.datetime.now(dt.UTC).date()  # the tab shows times in UTC here
    monday = today - dt.timedelta(days=today.weekday())
    calls = _all(sessions)
    assert len(calls) == 10
    day_of = {call.id: call.scheduled_at.astimezone(dt.UTC).date() for call in calls}
    expected = {key for key, day in day_of.items() if day == today}
    assert _listed(tab) == expected  # "Today" is the first choice
    select_data(tab.range, "week")
    assert _listed(tab) == {k for k, d in day_of.items() if monday <= d < monday + dt.timedelta(7)}
    select_data(tab.range, "all")
    assert _listed(tab) == set(day_of)
    select_data(tab.range, "range")
    assert tab.start.isVisible()
    first, last = today - dt.timedelta(days=4), today - dt.timedelta(days=1)
    tab.start.setDate(QDate(first.year, first.month, first.day))
    tab.end.setDate(QDate(last.year, last.month, last.day))
    assert _listed(tab) == {k for k, d in day_of.items() if first <= d <= last}
    assert tab.status_text() == f"{len(_listed(tab))} sales call" + (
        "" if len(_listed(tab)) == 1 else "s"
    )


def test_host_setter_and_outcome_filters(tab, sessions, world) -> None:
    select_data(tab.range, "all")
    select_data(tab.host, world.host_id)
    assert _listed(tab) == _calls(sessions, SalesCall.host_id == world.host_id)
    select_data(tab.host, None)
    select_data(tab.setter, world.setter_id)
    assert _listed(tab) == {world.past_call_id}
    select_data(tab.setter, "none")
    assert _listed(tab) == _calls(sessions, SalesCall.setter_id.is_(None))
    select_data(tab.setter, None)
    select_data(tab.outcome, "none")
    pending = _calls(sessions, SalesCall.outcome.is_(None))
    assert _listed(tab) == pending and len(pending) == 6
    select_data(tab.outcome, "overdue")
    now = dt.datetime.now(dt.UTC)
    overdue = {c.id for c in _all(sessions) if c.outcome is None and c.scheduled_at <= now}
    assert _listed(tab) == overdue and len(overdue) == 2
    select_data(tab.outcome, CallOutcome.NO_SHOW.value)
    assert _listed(tab) == _calls(sessions, SalesCall.outcome == CallOutcome.NO_SHOW)
    tab.apply_filters({"range": "all", "outcome": "overdue", "host_id": str(world.host_id)})
    assert tab.outcome.currentData() == "overdue"
    assert _listed(tab) == overdue & _calls(sessions, SalesCall.host_id == world.host_id)


def test_past_calls_without_an_outcome_are_amber(tab, sessions) -> None:
    select_data(tab.range, "all")
    now = dt.datetime.now(dt.UTC)
    overdue = {c.id for c in _all(sessions) if c.outcome is None and c.scheduled_at <= now}
    view, model = tab.view, settle_now(tab.list.model)
    amber = set()
    for row in range(model.rowCount()):
        for column in (0, 4):  # a plain cell and the outcome badge
            index = model.index(row, column)
            option = QStyleOptionViewItem()
            view.itemDelegateForIndex(index).initStyleOption(option, index)
            if option.backgroundBrush.color() == overdue_color():
                amber.add(index.data(KEY_ROLE))
    assert amber == overdue


def test_enter_records_the_outcome_of_the_selected_call(qtbot, tab, sessions, world) -> None:
    select_data(tab.range, "all")
    select_data(tab.outcome, "overdue")
    row = next(
        r
        for r in range(settle_now(tab.list.model).rowCount())
        if tab.list.model.index(r, 0).data(KEY_ROLE) == world.past_call_id
    )
    tab.view.selectRow(row)
    tab.open_selected()
    dialog = tab.dialog
    assert isinstance(dialog, OutcomeDialog) and dialog.call_id == world.past_call_id
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    select_data(dialog.outcome_box, CallOutcome.NOT_QUALIFIED)
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    # The tab hears the change and lists the call no more (it is not overdue now).
    qtbot.waitUntil(lambda: world.past_call_id not in _listed(tab), timeout=10_000)
    with sessions() as session:
        call = session.get(SalesCall, world.past_call_id)
        assert (call.outcome, call.offer_made) == (CallOutcome.NOT_QUALIFIED, False)
        assert call.lead.status == LeadStatus.LOST
    assert "Not qualified" in tab.notice.text()


def test_marketing_sees_no_actions(qtbot, engine, sessions, world) -> None:
    widget = SalesCallsTab(make_context(engine, sessions, UserRole.MARKETING))
    qtbot.addWidget(widget)
    widget.view.selectRow(0)
    widget.open_selected()
    widget.new_record()
    assert widget.dialog is None
    assert not widget.schedule_button.isVisibleTo(widget)


def test_booking_warns_of_an_overlap_before_writing(qtbot, engine, sessions, world) -> None:
    ctx = make_context(engine, sessions)
    dialog = ScheduleCallDialog(ctx, lead_id=world.lead_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    with sessions() as session:
        taken = session.get(SalesCall, world.future_call_id).scheduled_at  # Olga's call
        before = session.scalar(select(func.count()).select_from(SalesCall))
    select_data(dialog.host, world.other_host_id)
    select_data(dialog.setter, world.setter_id)
    start = (taken + dt.timedelta(minutes=15)).replace(tzinfo=None, second=0, microsecond=0)
    dialog.when.setDateTime(QDateTime(start))
    qtbot.mouseClick(dialog.book_button, Qt.LeftButton)
    warning = dialog.findChild(QLabel, "overlapWarnings")
    qtbot.waitUntil(lambda: warning.isVisible(), timeout=10_000)
    assert "Olga Other already has a call" in warning.text()
    assert dialog.book_button.text() == "Book anyway"
    with sessions() as session:  # nothing written yet, the lead not moved
        assert session.scalar(select(func.count()).select_from(SalesCall)) == before
    with qtbot.waitSignal(dialog.booked, timeout=10_000) as booked:
        qtbot.mouseClick(dialog.book_button, Qt.LeftButton)
    with sessions() as session:
        call = session.get(SalesCall, booked.args[0])
        assert call.lead_id == world.lead_id
        assert (call.host_id, call.setter_id) == (world.other_host_id, world.setter_id)
        assert call.scheduled_at == start.replace(tzinfo=dt.UTC)
        assert session.scalar(select(func.count()).select_from(SalesCall)) == before + 1


def test_ctrl_n_books_with_the_selected_calls_lead_and_escape_writes_nothing(
    qtbot, tab, sessions, world
) -> None:
    select_data(tab.range, "all")
    select_data(tab.setter, world.setter_id)  # only the lead's call is listed
    settle_now(tab.list.model)
    tab.view.selectRow(0)
    tab.new_record()  # the selected call's lead is read first
    qtbot.waitUntil(lambda: isinstance(tab.dialog, ScheduleCallDialog), timeout=10_000)
    dialog = tab.dialog
    assert isinstance(dialog, ScheduleCallDialog) and dialog.lead_id == world.lead_id
    assert not dialog.finder.isVisibleTo(dialog)
    before = len(_all(sessions))
    qtbot.keyClick(dialog, Qt.Key_Escape)
    assert len(_all(sessions)) == before


def test_with_nothing_selected_the_dialog_finds_the_lead_by_name(
    qtbot, tab, sessions, world
) -> None:
    tab.view.clearSelection()
    tab.view.setCurrentIndex(QModelIndex())
    tab.new_record()
    dialog = tab.dialog
    assert isinstance(dialog, ScheduleCallDialog) and dialog.finder.isVisibleTo(dialog)
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    qtbot.keyClicks(dialog.finder, "paul")  # any case, start of the first name
    qtbot.waitUntil(lambda: dialog.attendee.count() > 0, timeout=10_000)
    assert [dialog.attendee.itemData(i).id for i in range(dialog.attendee.count())] == [
        world.lead_id
    ]
    dialog.when.setDateTime(QDateTime(dt.datetime(2031, 3, 4, 10, 0)))
    with qtbot.waitSignal(dialog.booked, timeout=10_000) as booked:
        qtbot.mouseClick(dialog.book_button, Qt.LeftButton)
    with sessions() as session:
        call = session.get(SalesCall, booked.args[0])
        assert (call.lead_id, call.scheduled_at) == (
            world.lead_id,
            dt.datetime(2031, 3, 4, 10, 0, tzinfo=dt.UTC),
        )


def test_close_deal_is_offered_for_won_calls_only(tab, sessions) -> None:
    select_data(tab.range, "all")
    model = settle_now(tab.list.model)
    for row in range(model.rowCount()):
        tab.view.selectRow(row)
        won = model.index(row, 4).data(RAW_ROLE) == CallOutcome.CLOSED_WON
        assert tab.close_button.isEnabled() == won
    outcomes = [model.index(r, 4).data(RAW_ROLE) for r in range(model.rowCount())]
    assert CallOutcome.CLOSED_WON in outcomes and CallOutcome.CLOSED_LOST in outcomes


def test_won_then_wizard_from_the_tab_says_where_the_enrollment_is(
    qtbot, tab, sessions, world
) -> None:
    select_data(tab.range, "all")
    select_data(tab.setter, world.setter_id)  # the lead's past call only
    settle_now(tab.list.model)
    tab.view.selectRow(0)
    tab.open_selected()
    qtbot.waitUntil(lambda: tab.dialog.ready, timeout=10_000)
    select_data(tab.dialog.outcome_box, CallOutcome.CLOSED_WON)
    qtbot.mouseClick(tab.dialog.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: isinstance(tab.dialog, CloseDealWizard), timeout=10_000)
    wizard = tab.dialog
    qtbot.waitUntil(lambda: wizard.isVisible() and wizard.ready, timeout=10_000)
    wizard.next()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.LeftButton)
    qtbot.waitUntil(lambda: "Deal closed" in tab.notice.text(), timeout=10_000)
    with sessions() as session:
        enrollment = session.scalars(
            select(Enrollment).where(Enrollment.sales_call_id == world.past_call_id)
        ).one()
    with qtbot.waitSignal(tab.ctx.bus.open_list) as asked:
        tab.notice.linkActivated.emit(f"enrollments:{enrollment.id}")
    assert asked.args == ["enrollments", {"enrollment_id": enrollment.id}]
    wizard.close()


def test_a_call_deleted_elsewhere_is_said_not_crashed_on(qtbot, tab, sessions, world) -> None:
    select_data(tab.range, "all")
    select_data(tab.host, world.other_host_id)
    row = next(
        r
        for r in range(settle_now(tab.list.model).rowCount())
        if tab.list.model.index(r, 0).data(KEY_ROLE) == world.future_call_id
    )
    tab.view.selectRow(row)
    with sessions() as session:
        session.delete(session.get(SalesCall, world.future_call_id))
        session.commit()
    tab.open_selected()
    qtbot.waitUntil(lambda: "No sales call" in tab.notice.text(), timeout=10_000)
    assert tab.dialog is None
    assert world.future_call_id not in _listed(tab)


@pytest.mark.parametrize("with_lead", [True, False])
def test_building_the_schedule_dialog_runs_no_sql_on_the_ui_thread(
    qtbot, engine, sessions, world, with_lead
) -> None:
    ctx = make_context(engine, sessions)
    with statements_on_this_thread(engine) as on_ui_thread:
        dialog = ScheduleCallDialog(ctx, lead_id=world.lead_id if with_lead else None)
        qtbot.addWidget(dialog)
    assert on_ui_thread == []
    assert not dialog.book_button.isEnabled()  # "Loading…"
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    assert dialog.host.count() > 0
    if with_lead:
        assert "Paula Prospect" in dialog.who.text()
        assert dialog.book_button.isEnabled()
    else:  # nobody found yet: the hint says what to do
        assert "Find the lead or student" in dialog.hint.text()
        assert not dialog.book_button.isEnabled()


def test_the_tabs_lookups_run_no_sql_on_the_ui_thread(qtbot, tab, world) -> None:
    select_data(tab.range, "all")
    select_data(tab.setter, world.setter_id)  # the lead's past call only
    settle_now(tab.list.model)
    tab.view.selectRow(0)
    with statements_on_this_thread(tab.ctx.engine) as on_ui_thread:
        tab.new_record()  # reads the selected call's lead
        tab._fill_people()  # what a change to the team does
    assert on_ui_thread == []
    qtbot.waitUntil(lambda: isinstance(tab.dialog, ScheduleCallDialog), timeout=10_000)
    assert tab.dialog.lead_id == world.lead_id
    assert tab.setter.currentData() == world.setter_id  # the choice survives the refill
