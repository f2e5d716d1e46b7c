"""The Sales-calls tab: today's, this week's or a date range's calls, narrowed by host,
setter and outcome; a past call still without an outcome is painted amber.

Hooks for the window: ``new_record()`` (Ctrl+N: book a call with the selected call's lead or
student, or anyone found by name), ``focus_search()`` (Ctrl+F), ``open_selected()`` (Enter:
record the outcome), ``refresh()`` (F5), ``apply_filters(dict)``, whose keys are ``range``
("today" / "week" / "range" / "all"), ``start`` / ``end`` (dates, for "range"), ``host_id``,
``setter_id`` (or "none"), ``outcome`` (a CallOutcome word, "none" for no outcome yet,
"overdue" for past calls without one) and ``search``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from sqlalchemy import ColumnElement

from portal_desktop import clock
from portal_desktop.db.list_queries import SALES_CALLS, calls
from portal_desktop.db.team_queries import Member, load_members
from portal_desktop.models.enums import CallOutcome
from portal_desktop.services.common.context import Permission
from portal_desktop.services.sales.call_facts import CallSummary, call_summary
from portal_desktop.views import a11y
from portal_desktop.views.buttons import action_button
from portal_desktop.views.calls.call_rows import (
    OUTCOME_COLUMN,
    OutcomeBadgeDelegate,
    OverdueRowDelegate,
    overdue_color,
    period,
)
from portal_desktop.views.calls.close_deal_wizard import CloseDealWizard
from portal_desktop.views.calls.outcome_dialog import OutcomeDialog
from portal_desktop.views.calls.schedule_dialog import ScheduleCallDialog
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.member_picker import fill_members, select_data
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.table_model import KEY_ROLE, RAW_ROLE
from portal_desktop.views.theme import FLAG, NOTICE, Legend, set_tone
from portal_desktop.views.wall_clock import to_aware
from portal_desktop.views.workers import OpGeneration

__all__ = ["SalesCallsTab", "overdue_color"]
Dialog = OutcomeDialog | ScheduleCallDialog | CloseDealWizard

WATCHED_TABLES = frozenset({"sales_calls", "leads", "students", "team_members", "enrollments"})
RANGES = (("today", "Today"), ("week", "This week"), ("range", "Date range"), ("all", "All"))
TIME_ORDER_RANGES = frozenset({"today", "week"})  # shown earliest first
SCHEDULED_COLUMN = next(n for n, c in enumerate(SALES_CALLS.columns) if c.title == "Scheduled")
NONE, OVERDUE = "none", "overdue"


class SalesCallsTab(QWidget):
    """See the module docstring."""

    status_changed = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_sales_calls")
        self.ctx = ctx
        self.editable = ctx.actor.can(Permission.EDIT_CALLS)
        self.dialog: Dialog | None = None
        self.people_loaded = False  # the host and setter filters are filled
        self._people = OpGeneration()
        self._wanted_people: dict[QComboBox, object] = {}  # asked for before they were loaded

        self.list = EntityTab(ctx.engine, SALES_CALLS, ctx.formatter, self)
        self.list.status_changed.connect(self.status_changed)
        self.view = self.list.view
        self.view.setItemDelegate(OverdueRowDelegate(self.view))
        self.view.setItemDelegateForColumn(OUTCOME_COLUMN, OutcomeBadgeDelegate(self.view))
        self.view.doubleClicked.connect(lambda _index: self.open_selected())
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.list.model.modelReset.connect(self._update_buttons)

        self._ordered_for: object = None  # the range the list was last ordered for
        self.range = QComboBox(self)
        self.range.setObjectName("range")
        for key, title in RANGES:
            self.range.addItem(title, key)
        today = self._today()
        self.start = a11y.named(date_edit(self, "rangeStart", today), "Calls from")
        last = today + dt.timedelta(days=6)
        self.end = a11y.named(date_edit(self, "rangeEnd", last), "Calls to")
        self.host = QComboBox(self)
        self.host.setObjectName("hostFilter")
        self.setter = QComboBox(self)
        self.setter.setObjectName("setterFilter")
        for box in (self.host, self.setter):  # filled once the team is read, after the first show
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.outcome = QComboBox(self)
        self.outcome.setObjectName("outcomeFilter")
        self.outcome.addItem("Any outcome", None)
        self.outcome.addItem("No outcome yet", NONE)
        self.outcome.addItem("Needs an outcome (past)", OVERDUE)
        for outcome in CallOutcome:
            self.outcome.addItem(enum_label(outcome.value), outcome.value)
        self._fill_people()

        self.schedule_button = action_button(
            self, "scheduleCall", "Schedule call…", self.new_record, visible=self.editable
        )
        self.schedule_button.setToolTip("Book another call with the selected call's lead (Ctrl+N)")
        self.outcome_button = action_button(
            self, "recordOutcome", "Record outcome…", self.open_selected, visible=self.editable
        )
        self.outcome_button.setToolTip("Enter")
        self.close_button = action_button(
            self, "closeDeal", "Close deal…", self.close_deal, visible=self.editable
        )
        self.notice = QLabel(self)
        self.notice.setObjectName("notice")
        set_tone(self.notice, NOTICE)
        self.notice.setWordWrap(True)
        self.notice.setOpenExternalLinks(False)
        self.notice.linkActivated.connect(self._on_link)
        self.notice.hide()
        legend = Legend(FLAG, "past call without an outcome", self)

        bar = QHBoxLayout()
        bar.setContentsMargins(12, 10, 12, 0)
        bar.setSpacing(6)
        for widget in (self.range, self.start, self.end, self.host, self.setter, self.outcome):
            bar.addWidget(widget)
        bar.addStretch(1)
        for button in (self.schedule_button, self.outcome_button, self.close_button):
            bar.addWidget(button)
        foot = QHBoxLayout()
        foot.setContentsMargins(12, 0, 12, 0)
        foot.addWidget(self.notice, 1)
        foot.addWidget(legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        layout.addLayout(foot)

        for box in (self.range, self.host, self.setter, self.outcome):
            box.currentIndexChanged.connect(self.apply_current_filters)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self.apply_current_filters)
        ctx.bus.data_changed.connect(self._on_data_changed)
        self.apply_current_filters()

    # --- building ------------------------------------------------------------------------

    def _fill_people(self) -> None:
        """(Re)fill the host and setter filters from the team (read off the UI thread)."""
        ticket = self._people.next()
        ReadOp(self.ctx, load_members, parent=self).success(
            lambda members: self._people_read(ticket, members)
        ).failure(lambda error: self._say(f"The team could not be read: {error}")).run()

    def _people_read(self, ticket: int, members: list[Member]) -> None:
        if not self._people.is_current(ticket):
            return
        host = self._wanted_people.pop(self.host, self.host.currentData())
        setter = self._wanted_people.pop(self.setter, self.setter.currentData())
        for box in (self.host, self.setter):
            box.blockSignals(True)
        fill_members(self.host, members, none_text="All hosts", active_only=False)
        fill_members(self.setter, members, none_text="All setters", active_only=False)
        self.setter.insertItem(1, "No setter", NONE)
        select_data(self.host, host)
        select_data(self.setter, setter)
        for box in (self.host, self.setter):
            box.blockSignals(False)
        self.people_loaded = True
        self.apply_current_filters()

    def _today(self) -> dt.date:
        return clock.today(self.ctx.formatter.tz)

    # --- filters -------------------------------------------------------------------------

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions of the current choices."""
        tz = self.ctx.formatter.tz
        custom = self.range.currentData() == "range"
        self.start.setVisible(custom)
        self.end.setVisible(custom)
        days = period(
            self.range.currentData(),
            self._today(),
            self.start.date().toPython(),
            self.end.date().toPython(),
        )
        found: list[ColumnElement[bool]] = []
        if days is not None:
            first = to_aware(dt.datetime.combine(days[0], dt.time()), tz)
            after = to_aware(dt.datetime.combine(days[1] + dt.timedelta(days=1), dt.time()), tz)
            found += [calls.c.scheduled_at >= first, calls.c.scheduled_at < after]
        host, setter, outcome = (
            self.host.currentData(),
            self.setter.currentData(),
            self.outcome.currentData(),
        )
        if host is not None:
            found.append(calls.c.host_id == host)
        if setter == NONE:
            found.append(calls.c.setter_id.is_(None))
        elif setter is not None:
            found.append(calls.c.setter_id == setter)
        if outcome in (NONE, OVERDUE):
            found.append(calls.c.outcome.is_(None))
            if outcome == OVERDUE:
                found.append(calls.c.scheduled_at <= clock.now())
        elif outcome is not None:
            found.append(calls.c.outcome == CallOutcome(outcome))
        return found

    def apply_current_filters(self) -> None:
        self._order_for_range()
        self.list.model.set_filters(*self.conditions())
        self._update_buttons()

    def _order_for_range(self) -> None:
        """Today's and this week's calls in time order, longer spans newest first; set when
        the range changes, so a column the user sorts by stays while other boxes change."""
        wanted = self.range.currentData()
        if wanted == self._ordered_for:
            return
        self._ordered_for = wanted
        in_time_order = wanted in TIME_ORDER_RANGES
        order = Qt.SortOrder.AscendingOrder if in_time_order else Qt.SortOrder.DescendingOrder
        self.list.view.sortByColumn(SCHEDULED_COLUMN, order)

    def apply_filters(self, filters: dict[str, object]) -> None:
        """Show the calls another screen asked for (keys in the module docstring)."""
        boxes = (self.range, self.host, self.setter, self.outcome)
        for box in boxes:
            box.blockSignals(True)
        try:
            for edit, key in ((self.start, "start"), (self.end, "end")):
                day = filters.get(key)
                if isinstance(day, dt.date):
                    edit.blockSignals(True)
                    edit.setDate(QDate(day.year, day.month, day.day))
                    edit.blockSignals(False)
            wanted = {
                self.range: filters.get("range", "all"),
                self.host: _as_id(filters.get("host_id")),
                self.setter: _as_id(filters.get("setter_id")),
                self.outcome: filters.get("outcome"),
            }
            for box, data in wanted.items():
                box.setCurrentIndex(0)
                select_data(box, data)
                if box in (self.host, self.setter) and not self.people_loaded:
                    self._wanted_people[box] = data  # chosen once the team is read
        finally:
            for box in boxes:
                box.blockSignals(False)
        if "search" in filters:
            self.list.search.setText(str(filters["search"] or ""))
            self.list.apply_search()
        self.apply_current_filters()

    # --- hooks for the window ------------------------------------------------------------

    def focus_search(self) -> None:
        self.list.search.setFocus()
        self.list.search.selectAll()

    def refresh(self) -> None:
        self.list.refresh()

    def status_text(self) -> str:
        return self.list.status_text()

    def selected_call(self) -> uuid.UUID | None:
        index = self.view.currentIndex()
        rows = self.view.selectionModel().selectedRows()
        if rows:
            index = rows[0]
        if not index.isValid():
            return None
        key = index.siblingAtColumn(0).data(KEY_ROLE)
        return key if isinstance(key, uuid.UUID) else None

    def new_record(self) -> None:
        """Book a call with the selected call's lead or student (anyone, when none is
        selected: the dialog has a finder)."""
        if not self.editable:
            return
        call_id = self.selected_call()
        self.notice.hide()
        if call_id is None:  # the dialog then offers a finder
            self._open(ScheduleCallDialog(self.ctx, parent=self))
            return
        ReadOp(self.ctx, lambda session: call_summary(session, call_id), parent=self).success(
            self._book_with
        ).failure(self._gone).run()

    def _book_with(self, call: CallSummary) -> None:
        self._open(
            ScheduleCallDialog(
                self.ctx, lead_id=call.lead_id, student_id=call.student_id, parent=self
            )
        )

    def open_selected(self) -> None:
        """Record (or correct) the selected call's outcome."""
        call_id = self.selected_call()
        if call_id is None or not self.editable:
            return
        dialog = OutcomeDialog(self.ctx, call_id, parent=self)
        dialog.saved.connect(self._on_outcome_saved)
        self._open(dialog)

    def close_deal(self) -> None:
        call_id = self.selected_call()
        if call_id is None or not self.editable:
            return
        wizard = CloseDealWizard(self.ctx, sales_call_id=call_id, parent=self)
        wizard.deal_closed.connect(self._on_deal_closed)
        self._open(wizard)

    # --- reactions -----------------------------------------------------------------------

    def _open(self, dialog: Dialog) -> None:
        """Open a dialog; if its call was deleted meanwhile, that is said and the list reloaded."""
        self.notice.hide()
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.loading_failed.connect(lambda error: self._gone(error, dialog))
        dialog.open()

    def _gone(self, error: BaseException, dialog: Dialog | None = None) -> None:
        """A lookup failed: a record deleted elsewhere is said (not crashed on)."""
        if not isinstance(error, LookupError):
            self._say(str(error))
            return
        if dialog is not None:
            dialog.reject()
            if self.dialog is dialog:
                self.dialog = None
        self._say(str(error))
        self.refresh()

    def _on_outcome_saved(self, outcome: CallOutcome) -> None:
        dialog = self.dialog
        if isinstance(dialog, OutcomeDialog) and dialog.wizard is not None:
            dialog.wizard.deal_closed.connect(self._on_deal_closed)
            self.dialog = dialog.wizard
        if outcome != CallOutcome.CLOSED_WON:
            self._say(f"Outcome saved: {enum_label(outcome.value)}.")

    def _on_deal_closed(self, result: dict[str, Any]) -> None:
        self._say(
            f"Deal closed: {result['student']} enrolled in {result['program']} for "
            f"{self.ctx.formatter.money(result['contract_value'])}. "
            f'<a href="enrollments:{result["enrollment_id"]}">Show the enrollment</a>'
        )

    def _on_link(self, link: str) -> None:
        name, _, key = link.partition(":")
        self.ctx.bus.show_records(name, {"enrollment_id": uuid.UUID(key)})

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[object]) -> None:
        if tables and not tables & WATCHED_TABLES:
            return
        if not tables or "team_members" in tables:
            self._fill_people()
        self.refresh()

    def _update_buttons(self) -> None:
        self.outcome_button.setEnabled(self.selected_call() is not None)
        index = self.view.currentIndex()
        won = index.isValid() and index.siblingAtColumn(OUTCOME_COLUMN).data(RAW_ROLE) == (
            CallOutcome.CLOSED_WON
        )
        self.close_button.setEnabled(bool(won))
        self.close_button.setToolTip(
            "Enroll the buyer of this won call" if won else "Select a call recorded as won"
        )


def _as_id(value: object) -> object:
    if isinstance(value, str) and value not in (NONE, ""):
        try:
            return uuid.UUID(value)
        except ValueError:
            return value
    return value
