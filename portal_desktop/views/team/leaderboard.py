"""The leaderboard over a chosen range, with the "reported vs recorded" check.

Figures come from ``services.sales.team.leaderboard`` (KPIS.md's leaderboard: calls, offers, closes
and revenue as closer, calls set and closes as setter, cash collected). Beside them, the
numbers each member reported in their end-of-day forms over the range; where a member's
reported closes or cash differ on some day from what the records credit them
(``services.sales.team.reported_vs_recorded``), that cell is flagged amber and its tooltip says, day
by day, what differs. SALES users see the check for their own row only (the service's rule).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db.query_spec import ColumnKind as K
from portal_desktop.services.billing.ledger import local_today
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.reporting.kpi_team import DayCheck, LeaderboardRow
from portal_desktop.services.sales.team import leaderboard, reported_vs_recorded
from portal_desktop.views import a11y
from portal_desktop.views.column_widths import Column, TableFit
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.theme import ERROR, FLAG, Legend, set_tone, tone
from portal_desktop.views.workers import OpGeneration

TABLES = frozenset(
    {"daily_metrics", "team_members", "sales_calls", "enrollments", "payments", "app_settings"}
)
# Column titles (two lines where they are two words: twelve columns fit at 1280 pixels),
# kinds (figures are never elided) and header tooltips.
HEADERS = (
    (Column("Member", K.TEXT, 14), ""),
    (Column("Role", K.ENUM, 8), ""),
    (Column("Calls\nheld", K.NUMBER), "Calls they hosted that took place"),
    (Column("Offers", K.NUMBER), "Calls they hosted with an offer made"),
    (Column("Closes", K.NUMBER), "Calls they hosted that closed (won), by the day of the call"),
    (Column("Close\nrate", K.PERCENT), "Closes ÷ calls held"),
    (Column("Revenue", K.MONEY), "Contract value of the enrollments they closed in the range"),
    (Column("Cash\ncollected", K.MONEY), "Net cash received in the range, as closer and as setter"),
    (Column("Calls\nset", K.NUMBER), "Calls they booked for a closer"),
    (Column("Set\ncloses", K.NUMBER), "Closes on the calls they set"),
    (Column("Reported\ncloses", K.NUMBER), "Closes they entered in their end-of-day forms"),
    (Column("Reported\ncash", K.MONEY), "Cash they entered in their end-of-day forms"),
)
COLUMNS = tuple(column.title.replace("\n", " ") for column, _ in HEADERS)
REPORTED_CLOSES = COLUMNS.index("Reported closes")
REPORTED_CASH = COLUMNS.index("Reported cash")


@dataclass(frozen=True)
class Board:
    """The leaderboard rows and the day checks of the range (plain data)."""

    start: dt.date
    end: dt.date
    rows: list[LeaderboardRow]
    checks: list[DayCheck]
    # Whose reports were compared: None for everyone, else the one member (SALES), or nobody.
    checked: frozenset[uuid.UUID] | None


def closes_differ(check: DayCheck) -> bool:
    return (check.reported_closes or 0) != check.recorded_closes


def cash_differs(check: DayCheck) -> bool:
    return (check.reported_cash or Decimal(0)) != check.recorded_cash


def load_board(session: Session, actor: Actor, start: dt.date, end: dt.date) -> Board:
    """The leaderboard and, where the actor may see them, the day checks."""
    rows = leaderboard(session, actor, start, end)
    if actor.can(Permission.EDIT_ANY_METRICS):
        return Board(start, end, rows, reported_vs_recorded(session, actor, start, end), None)
    if actor.can(Permission.EDIT_OWN_METRICS) and actor.team_member_id is not None:
        checks = reported_vs_recorded(session, actor, start, end)
        return Board(start, end, rows, checks, frozenset({actor.team_member_id}))
    return Board(start, end, rows, [], frozenset())


class LeaderboardPage(QWidget):
    """See the module docstring."""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leaderboard")
        self.ctx = ctx
        self.loading = False
        self.ready = False
        self._tickets = OpGeneration()

        self.start = a11y.named(self._date_edit("boardStart"), "Leaderboard from")
        self.end = a11y.named(self._date_edit("boardEnd"), "Leaderboard to")
        self.table = a11y.table(QTableWidget(0, len(COLUMNS), self), "Leaderboard")
        self.table.setObjectName("leaderboardTable")
        self.fit = TableFit(self.table, [column for column, _ in HEADERS], ctx.formatter)
        for column, (_, tip) in enumerate(HEADERS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.summary = QLabel(self)
        self.summary.setObjectName("boardSummary")
        self.error = QLabel(self)
        set_tone(self.error, ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        legend = Legend(FLAG, "reported numbers differ from the records (hover for the days)", self)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("From", self))
        bar.addWidget(self.start)
        bar.addWidget(QLabel("to", self))
        bar.addWidget(self.end)
        bar.addSpacing(12)
        bar.addWidget(self.summary, 1)
        bar.addWidget(legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)

        ctx.bus.data_changed.connect(self._on_data_changed)
        ReadOp(ctx, local_today, parent=self).success(self._started).failure(self._failed).run()

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        return edit

    def _started(self, today: dt.date) -> None:
        self.start.setDate(QDate(today.replace(day=1)))
        self.end.setDate(QDate(today))
        self.start.dateChanged.connect(self.load)
        self.end.dateChanged.connect(self.load)
        self.ready = True
        self.load()

    def set_range(self, start: dt.date, end: dt.date) -> None:
        """Show the leaderboard of ``[start, end]`` (one reload)."""
        for edit, day in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day))
            edit.blockSignals(False)
        self.load()

    def load(self) -> None:
        start, end = self.start.date().toPython(), self.end.date().toPython()
        actor = self.ctx.actor
        ticket = self._tickets.next()
        self.loading = True
        ReadOp(
            self.ctx, lambda session: load_board(session, actor, start, end), parent=self
        ).success(lambda board: self._show(ticket, board)).failure(self._failed).run()

    def refresh(self) -> None:
        if self.ready:
            self.load()

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[uuid.UUID]) -> None:
        if tables & TABLES:
            self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.loading = False
        self.error.setText(error_text(error))
        self.error.show()

    def _show(self, ticket: int, board: Board) -> None:
        if not self._tickets.is_current(ticket):
            return
        self.loading = False
        self.error.hide()
        by_member: dict[uuid.UUID, list[DayCheck]] = {}
        for check in board.checks:
            by_member.setdefault(check.member_id, []).append(check)
        self.table.setRowCount(len(board.rows))
        for row, entry in enumerate(board.rows):
            seen = board.checked is None or entry.member_id in board.checked
            self._fill_row(row, entry, by_member.get(entry.member_id, []) if seen else None)
        self.fit.refit()
        flagged = sum(
            1
            for checks in by_member.values()
            if any(closes_differ(c) or cash_differs(c) for c in checks)
        )
        self.summary.setText(
            f"{len(board.rows)} members · {flagged} with reported numbers that differ"
        )

    def _fill_row(self, row: int, entry: LeaderboardRow, checks: list[DayCheck] | None) -> None:
        fmt = self.ctx.formatter
        closer, setter = entry.as_closer, entry.as_setter
        rate = closer.calls.close_rate
        name = entry.name if entry.active else f"{entry.name} (inactive)"
        values: list[tuple[str, object]] = [
            (name, entry.name),
            (enum_label(entry.role.value), entry.role.value),
            (fmt.number(closer.calls.calls_held), closer.calls.calls_held),
            (fmt.number(closer.calls.offers), closer.calls.offers),
            (fmt.number(closer.calls.closes), closer.calls.closes),
            ("—" if rate is None else f"{fmt.number(rate * 100, 1)} %", rate),
            (fmt.money(closer.contracted_revenue), closer.contracted_revenue),
            (fmt.money(entry.cash_collected), entry.cash_collected),
            (fmt.number(setter.calls.calls_booked), setter.calls.calls_booked),
            (fmt.number(setter.calls.closes), setter.calls.closes),
        ]
        if checks is None:
            values += [("—", None), ("—", None)]
        else:
            closes = sum(c.reported_closes or 0 for c in checks)
            cash = sum((c.reported_cash or Decimal(0) for c in checks), Decimal(0))
            values += [(fmt.number(closes), closes), (fmt.money(cash), cash)]
        for column, (text, raw) in enumerate(values):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, raw)
            if column >= 2:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        for column, differs in ((REPORTED_CLOSES, closes_differ), (REPORTED_CASH, cash_differs)):
            self._flag(row, column, [c for c in checks or () if differs(c)])

    def _flag(self, row: int, column: int, checks: list[DayCheck]) -> None:
        if not checks:
            return
        item = self.table.item(row, column)
        item.setBackground(QBrush(tone(FLAG).fill))
        days = [f"{self.ctx.formatter.date(c.day)}: {c.explanation}" for c in checks]
        item.setToolTip("Reported and recorded differ:\n" + "\n".join(days))
