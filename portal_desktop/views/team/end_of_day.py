"""The end-of-day form and the month grid of reported numbers.

A SALES user enters their own day (the member picker is fixed to ``ctx.actor.team_member_id``);
an ADMIN anyone's. Saving goes through ``services.sales.team.upsert_daily_metric``: entering a day
again updates it, and numbers that look wrong (closes > offers, offers > conversations) are
saved with the service's warnings shown under the form. The grid beside it shows the month,
one row per day and one column per member (SALES: their own column); clicking a cell loads
that day into the form.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from dataclasses import dataclass

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.team_queries import (
    DayNumbers,
    Member,
    day_numbers,
    load_members,
    month_numbers,
)
from portal_desktop.errors import ValidationError
from portal_desktop.services.billing.ledger import local_today
from portal_desktop.services.common.context import Permission
from portal_desktop.services.sales.team import MAX_DAILY_CASH, MAX_DAILY_COUNT, upsert_daily_metric
from portal_desktop.views import a11y
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.member_picker import fill_members
from portal_desktop.views.money_input import MoneyInput, read_money
from portal_desktop.views.ops import ReadOp, WriteOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.theme import MUTED, NOTICE, SUCCESS, set_tone
from portal_desktop.views.workers import OpGeneration

COUNT_FIELDS = ("calls", "conversations", "booked", "offers", "closes")
TABLES = frozenset({"daily_metrics", "team_members"})


@dataclass(frozen=True)
class MonthData:
    """What the grid shows: the members (columns) and their reported days."""

    first: dt.date
    members: list[Member]
    numbers: list[DayNumbers]


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


class EndOfDayPage(QWidget):
    """See the module docstring."""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endOfDay")
        self.ctx = ctx
        self.any_member = ctx.actor.can(Permission.EDIT_ANY_METRICS)
        self.own_member = ctx.actor.team_member_id
        self.may_enter = self.any_member or (
            ctx.actor.can(Permission.EDIT_OWN_METRICS) and self.own_member is not None
        )
        self.members: list[Member] = []
        self.loading_day = False
        self.grid_loading = False
        self._day_tickets = OpGeneration()
        self._grid_tickets = OpGeneration()
        self.ready = False
        self.grid_first = clock.today(ctx.formatter.tz).replace(day=1)

        self.member = QComboBox(self)
        self.member.setObjectName("member")
        self.member.setEnabled(self.any_member)
        self.day = a11y.named(QDateEdit(self), "Day")
        self.day.setObjectName("day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        self.spins: dict[str, QSpinBox] = {}
        for field in COUNT_FIELDS:
            spin = QSpinBox(self)
            spin.setObjectName(field)
            spin.setRange(0, MAX_DAILY_COUNT)
            spin.setGroupSeparatorShown(True)
            self.spins[field] = spin
        self.cash = MoneyInput(self, field="cash", allow_zero=True, maximum=MAX_DAILY_CASH)
        self.cash.setObjectName("cash")
        self.cash.setText("0.00")
        self.notes = QLineEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText("Optional")
        self.save_button = QPushButton("Save day", self)
        self.save_button.setObjectName("saveDay")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.notice = QLabel(self)
        self.notice.setObjectName("eodNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.errors = FieldErrors(QLabel(self))

        form = QFormLayout()
        form.addRow("Member", self.member)
        form.addRow("", self.errors.label_for(self, "team_member_id"))
        form.addRow("Day", self.day)
        form.addRow("", self.errors.label_for(self, "day"))
        for field, spin in self.spins.items():
            form.addRow(field.capitalize(), spin)
            form.addRow("", self.errors.label_for(self, field))
        form.addRow("Cash collected", self.cash)
        form.addRow("", self.errors.label_for(self, "cash"))
        form.addRow("Notes", self.notes)
        form.addRow("", self.errors.label_for(self, "notes"))
        box = QGroupBox("End of day", self)
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(form)
        box_layout.addWidget(self.errors.general)
        box_layout.addWidget(self.notice)
        box_layout.addWidget(self.save_button)
        box_layout.addStretch(1)
        box.setFixedWidth(330)
        box.setEnabled(self.may_enter)
        if not self.may_enter:
            box.setTitle("End of day (your user is not linked to a team member)")

        self.month = a11y.named(QDateEdit(self), "Month")
        self.month.setObjectName("month")
        self.month.setCalendarPopup(True)
        self.month.setDisplayFormat("MMMM yyyy")
        self.grid = a11y.table(QTableWidget(self), "Closes and cash per member and day")
        self.grid.setObjectName("monthGrid")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.verticalHeader().setDefaultSectionSize(22)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.cellClicked.connect(self._on_cell_clicked)
        caption = QLabel("Each cell: closes · cash. Hover for every number; click to open it.")
        set_tone(caption, MUTED)
        top = QHBoxLayout()
        top.addWidget(QLabel("Month", self))
        top.addWidget(self.month)
        top.addWidget(caption, 1)
        right = QVBoxLayout()
        right.addLayout(top)
        right.addWidget(self.grid, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(box)
        layout.addLayout(right, 1)

        ctx.bus.data_changed.connect(self._on_data_changed)
        ReadOp(ctx, self._start_data, parent=self).success(self._started).failure(
            self._show_failure
        ).run()

    # --- loading ---------------------------------------------------------------------------

    @staticmethod
    def _start_data(session: Session) -> tuple[dt.date, list[Member]]:
        return local_today(session), load_members(session)

    def _started(self, data: tuple[dt.date, list[Member]]) -> None:
        today, members = data
        self.members = members
        self.day.setMaximumDate(QDate(today))
        self.day.setDate(QDate(today))
        self.month.setDate(QDate(today))
        self._fill_member_picker()
        self.member.currentIndexChanged.connect(self.load_day)
        self.day.dateChanged.connect(self.load_day)
        self.month.dateChanged.connect(self.load_grid)
        self.ready = True
        self.load_day()
        self.load_grid()

    def _fill_member_picker(self) -> None:
        selected = self.member.currentData()
        if self.any_member:
            fill_members(self.member, self.members, selected=selected)
        else:
            own = [m for m in self.members if m[0] == self.own_member]
            fill_members(self.member, own, selected=self.own_member, active_only=False)

    def load_day(self) -> None:
        """Fill the form with the chosen member's numbers for the chosen day (zeros if none)."""
        member_id = self.member.currentData()
        if member_id is None or not self.may_enter:
            return
        day = self.day.date().toPython()
        ticket = self._day_tickets.next()
        self.loading_day = True
        ReadOp(self.ctx, lambda session: day_numbers(session, member_id, day), parent=self).success(
            lambda numbers: self._show_day(ticket, numbers)
        ).failure(self._show_failure).run()

    def _show_day(self, ticket: int, numbers: DayNumbers | None) -> None:
        if not self._day_tickets.is_current(ticket):
            return
        self.loading_day = False
        self.errors.clear()
        self._select_form_cell()
        for field, spin in self.spins.items():
            spin.setValue(0 if numbers is None else getattr(numbers, field))
        self.cash.set_value(None if numbers is None else numbers.cash)
        if numbers is None:
            self.cash.setText("0.00")
        self.notes.setText("" if numbers is None else numbers.notes or "")
        self.save_button.setText("Save day" if numbers is None else "Update day")

    def load_grid(self) -> None:
        first, last = month_bounds(self.month.date().toPython())
        any_member = self.any_member
        own = None if any_member else self.own_member
        ticket = self._grid_tickets.next()
        self.grid_loading = True

        def work(session: Session) -> MonthData:
            if own is None and not any_member:
                return MonthData(first, [], [])
            members = load_members(session)
            return MonthData(first, members, month_numbers(session, first, last, own))

        ReadOp(self.ctx, work, parent=self).success(
            lambda data: self._show_grid(ticket, data)
        ).failure(self._show_failure).run()

    def _grid_members(self, data: MonthData) -> list[Member]:
        reporting = {numbers.member_id for numbers in data.numbers}
        if not self.any_member:
            return [m for m in data.members if m[0] == self.own_member]
        return [m for m in data.members if m[2] or m[0] in reporting]

    def _show_grid(self, ticket: int, data: MonthData) -> None:
        if not self._grid_tickets.is_current(ticket):
            return
        self.grid_loading = False
        members = self._grid_members(data)
        _, last = month_bounds(data.first)
        self.grid.clear()
        self.grid.setColumnCount(len(members))
        self.grid.setRowCount(last.day)
        self.grid.setHorizontalHeaderLabels([name for _, name, _ in members])
        self.grid.setVerticalHeaderLabels(
            [
                (data.first + dt.timedelta(days=offset)).strftime("%a %d")
                for offset in range(last.day)
            ]
        )
        column_of = {member[0]: column for column, member in enumerate(members)}
        for column, member in enumerate(members):
            header = self.grid.horizontalHeaderItem(column)
            header.setData(Qt.ItemDataRole.UserRole, member[0])
        for numbers in data.numbers:
            column = column_of.get(numbers.member_id)
            if column is not None:
                self.grid.setItem(numbers.day.day - 1, column, self._cell(numbers))
        self.grid_first = data.first
        self._select_form_cell()

    def _select_form_cell(self) -> None:
        """Select the grid cell of the member and day in the form, when the grid shows it."""
        day, member_id = self.day.date().toPython(), self.member.currentData()
        header_ids = [
            self.grid.horizontalHeaderItem(column).data(Qt.ItemDataRole.UserRole)
            for column in range(self.grid.columnCount())
        ]
        if member_id in header_ids and (day.year, day.month) == (
            self.grid_first.year,
            self.grid_first.month,
        ):
            self.grid.setCurrentCell(day.day - 1, header_ids.index(member_id))
        else:
            self.grid.clearSelection()

    def _cell(self, numbers: DayNumbers) -> QTableWidgetItem:
        money = self.ctx.formatter.money
        item = QTableWidgetItem(f"{numbers.closes} · {money(numbers.cash)}")
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        if numbers.closes == 0 and not numbers.cash:
            quiet = self.palette().color(QPalette.ColorRole.PlaceholderText)
            item.setForeground(QBrush(quiet))  # reported: no close, no cash
        lines = [f"{field.capitalize()}: {getattr(numbers, field)}" for field in COUNT_FIELDS]
        lines.append(f"Cash: {money(numbers.cash)}")
        if numbers.notes:
            lines.append(f"Notes: {numbers.notes}")
        item.setToolTip("\n".join(lines))
        return item

    def _on_cell_clicked(self, row: int, column: int) -> None:
        header = self.grid.horizontalHeaderItem(column)
        member_id = None if header is None else header.data(Qt.ItemDataRole.UserRole)
        if member_id is None or not self.may_enter:
            return
        if not self.any_member and member_id != self.own_member:
            return
        day = self.grid_first + dt.timedelta(days=row)
        if day > self.day.maximumDate().toPython():
            return
        for index in range(self.member.count()):
            if self.member.itemData(index) == member_id:
                self.member.setCurrentIndex(index)
        self.day.setDate(QDate(day))

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[uuid.UUID]) -> None:
        if tables & TABLES:
            self.refresh()

    def refresh(self) -> None:
        if self.ready:
            self.load_grid()

    # --- saving ----------------------------------------------------------------------------

    def save(self) -> None:
        self.errors.clear()
        self.notice.hide()
        member_id = self.member.currentData()
        try:
            if member_id is None:
                raise ValidationError("team_member_id", "is empty; choose a team member")
            cash = read_money(self.cash.text(), "cash", allow_zero=True, maximum=MAX_DAILY_CASH)
        except ValidationError as error:
            self.errors.show(error)
            return
        counts = {field: spin.value() for field, spin in self.spins.items()}
        day = self.day.date().toPython()
        notes = self.notes.text().strip() or None
        actor = self.ctx.actor
        self.save_button.setEnabled(False)

        def work(session: Session) -> tuple[uuid.UUID, tuple[str, ...]]:
            result = upsert_daily_metric(
                session, actor, member_id, day, cash=cash, notes=notes, **counts
            )
            return result.metric.id, result.warnings

        WriteOp(self.ctx, work, parent=self).success(self._saved).failure(self._failed).run()

    def _saved(self, result: tuple[uuid.UUID, tuple[str, ...]]) -> None:
        _metric_id, warnings = result
        self.save_button.setEnabled(True)
        self.save_button.setText("Update day")
        name, day = self.member.currentText(), self.ctx.formatter.date(self.day.date().toPython())
        if warnings:
            set_tone(self.notice, NOTICE)
            self.notice.setText(
                f"Saved {name}'s numbers for {day}, but check them: " + "; ".join(warnings) + "."
            )
        else:
            set_tone(self.notice, SUCCESS)
            self.notice.setText(f"Saved {name}'s numbers for {day}.")
        self.notice.show()  # the write op then tells every screen (the grid reloads)

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)

    def _show_failure(self, error: BaseException) -> None:
        self.loading_day = self.grid_loading = False
        self.errors.show(error)
