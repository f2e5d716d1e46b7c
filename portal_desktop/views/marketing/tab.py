"""The Marketing tab (MARKETING, ADMIN): ad campaigns over a chosen range with platform ROAS
and cash ROAS side by side, CPL and cost per booked call; below, the selected campaign's
daily numbers and the email broadcasts.

The report comes from ``services.marketing.campaign_report`` (one SQL query, run in a
worker); the two lists page in SQL through :class:`EntityTab`. Editing (campaigns, days,
broadcasts) is offered only to actors with ``Permission.EDIT_MARKETING``; the services check
it again.

Hooks for the window: ``refresh()`` (F5), ``focus_search()`` (Ctrl+F: the broadcasts'
search), ``new_record()`` (Ctrl+N: a new campaign), ``open_selected()`` (Enter: edit the
selected campaign), ``status_text()``, ``apply_filters(dict)`` with ``start`` / ``end``
(dates) and ``campaign_id``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.marketing_queries import (
    AD_PERFORMANCE,
    EMAIL_BROADCASTS,
    CampaignRow,
    broadcast_values,
    campaign_values,
    performance,
    performance_day,
)
from portal_desktop.services.campaign_table import campaign_rows
from portal_desktop.services.context import Permission
from portal_desktop.views.buttons import action_button
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.field_errors import ERROR_STYLE, NOTICE_STYLE, error_text
from portal_desktop.views.marketing.broadcast_dialog import BroadcastDialog
from portal_desktop.views.marketing.campaign_dialog import CampaignDialog
from portal_desktop.views.marketing.campaign_model import CampaignModel
from portal_desktop.views.marketing.performance_dialog import PerformanceDialog
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.table_model import KEY_ROLE
from portal_desktop.views.workers import OpGeneration, QueryOp

# Tables whose changes move the report's numbers.
REPORT_TABLES = frozenset(
    {
        "ad_campaigns",
        "ad_performance",
        "leads",
        "sales_calls",
        "students",
        "enrollments",
        "payments",
    }
)
PRESETS = (
    ("7", "Last 7 days"),
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("365", "Last 12 months"),
    ("custom", "Custom range"),
)
DEFAULT_DAYS = 30


class MarketingTab(QWidget):
    """See the module docstring."""

    status_changed = Signal()
    # The campaigns report landed (for tests and the status bar).
    report_loaded = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_marketing")
        self.ctx = ctx
        self.editable = ctx.actor.can(Permission.EDIT_MARKETING)
        self.dialog: QDialog | None = None
        self.loading = False
        self._generation = OpGeneration()
        self._wanted: uuid.UUID | None = None

        today = self.today()
        self.preset = QComboBox(self)
        self.preset.setObjectName("rangePreset")
        for key, title in PRESETS:
            self.preset.addItem(title, key)
        self.preset.setCurrentIndex(1)
        self.start = date_edit(self, "rangeStart", today - dt.timedelta(days=DEFAULT_DAYS - 1))
        self.end = date_edit(self, "rangeEnd", today)
        self.new_campaign_button = action_button(
            self, "newCampaign", "New campaign…", self.new_record, visible=self.editable
        )
        self.edit_campaign_button = action_button(
            self, "editCampaign", "Edit campaign…", self.open_selected, visible=self.editable
        )

        self.model = CampaignModel(ctx.formatter, self)
        self.campaigns = QTableView(self)
        self.campaigns.setObjectName("campaigns")
        self.campaigns.setModel(self.model)
        self.campaigns.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.campaigns.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.campaigns.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.campaigns.setAlternatingRowColors(True)
        self.campaigns.verticalHeader().hide()
        header = self.campaigns.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.campaigns.selectionModel().selectionChanged.connect(self._on_campaign_selected)
        self.campaigns.doubleClicked.connect(lambda _index: self.open_selected())
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.hide()

        self.days = EntityTab(ctx, AD_PERFORMANCE, self, show_chips=False, show_totals=True)
        self.days_title = QLabel(self)
        self.days_title.setObjectName("daysTitle")
        self.add_day_button = action_button(
            self, "addDay", "Add day…", self.add_day, visible=self.editable
        )
        self.edit_day_button = action_button(
            self, "editDay", "Edit day…", self.edit_day, visible=self.editable
        )
        # Always there: a scroll bar showing up once the rows land would push the last
        # column out of sight (the columns are fitted to the width when the tab is sized).
        self.days.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.days.view.doubleClicked.connect(lambda _index: self.edit_day())
        self.days.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.days.model.modelReset.connect(self._update_buttons)

        self.broadcasts = EntityTab(ctx, EMAIL_BROADCASTS, self, show_chips=False)
        self.new_broadcast_button = action_button(
            self, "newBroadcast", "New broadcast…", self.new_broadcast, visible=self.editable
        )
        self.edit_broadcast_button = action_button(
            self, "editBroadcast", "Edit broadcast…", self.edit_broadcast, visible=self.editable
        )
        self.broadcasts.view.doubleClicked.connect(lambda _index: self.edit_broadcast())
        self.broadcasts.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.broadcasts.model.modelReset.connect(self._update_buttons)
        self.broadcasts.status_changed.connect(self.status_changed)

        self._lay_out()
        self.preset.currentIndexChanged.connect(self._on_preset)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self._on_dates_edited)
        ctx.bus.data_changed.connect(self._on_data_changed)
        self._show_campaign(None)
        self.load_report()

    # --- building ------------------------------------------------------------------------

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 10, 12, 0)
        bar.setSpacing(6)
        bar.addWidget(QLabel("Campaigns over", self))
        bar.addWidget(self.preset)
        bar.addWidget(self.start)
        bar.addWidget(QLabel("to", self))
        bar.addWidget(self.end)
        bar.addStretch(1)
        bar.addWidget(self.new_campaign_button)
        bar.addWidget(self.edit_campaign_button)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(bar)
        inner = QVBoxLayout()
        inner.setContentsMargins(12, 0, 12, 0)
        inner.addWidget(self.campaigns, 1)
        inner.addWidget(self.message)
        top_layout.addLayout(inner, 1)

        self.pages = QTabWidget(self)
        self.pages.setObjectName("marketingPages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(
            self._page(self.days, self.days_title, self.add_day_button, self.edit_day_button),
            "Daily performance",
        )
        broadcasts_title = QLabel("Newsletters and their engagement", self)
        self.pages.addTab(
            self._page(
                self.broadcasts,
                broadcasts_title,
                self.new_broadcast_button,
                self.edit_broadcast_button,
            ),
            "Email broadcasts",
        )
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("marketingSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(top)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _page(self, table: EntityTab, title: QLabel, *buttons: QPushButton) -> QWidget:
        page = QWidget(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 0)
        bar.addWidget(title, 1)
        for button in buttons:
            bar.addWidget(button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(table, 1)
        return page

    def today(self) -> dt.date:
        return clock.today(self.ctx.formatter.tz)

    # --- the range and the report --------------------------------------------------------

    def period(self) -> tuple[dt.date, dt.date]:
        start, end = self.start.date().toPython(), self.end.date().toPython()
        return (start, end) if start <= end else (end, start)

    def _set_dates(self, start: dt.date, end: dt.date) -> None:
        for edit, day in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def _on_preset(self) -> None:
        key = self.preset.currentData()
        if key == "custom":
            return
        today = self.today()
        self._set_dates(today - dt.timedelta(days=int(key) - 1), today)
        self.load_report()

    def _on_dates_edited(self) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.count() - 1)
        self.preset.blockSignals(False)
        self.load_report()

    def load_report(self) -> None:
        """Run the campaigns report for the range in a worker; keeps the selection."""
        ticket = self._generation.next()
        self._wanted = self.selected_campaign() or self._wanted
        actor = self.ctx.actor
        start, end = self.period()
        self.loading = True
        self._filter_days()

        def work(session: Session) -> list[CampaignRow]:
            return campaign_rows(session, actor, start, end)

        QueryOp(self.ctx.sessions, work, parent=self).success(
            lambda rows: self._on_report(ticket, rows)
        ).failure(lambda error: self._on_report_failed(ticket, error)).run()

    def _on_report(self, ticket: int, rows: list[CampaignRow]) -> None:
        if not self._generation.is_current(ticket):
            return
        self.loading = False
        wanted = self._wanted
        self.model.set_rows(rows)
        if not rows:
            self._say("No campaign was active or had numbers in this range.", NOTICE_STYLE)
        else:
            self.message.hide()
        row = self.model.row_of(wanted) if wanted is not None else -1
        if row < 0 and rows:
            row = 0
        if row >= 0:
            self.campaigns.selectRow(row)
        else:
            self._show_campaign(None)
        self.report_loaded.emit()
        self.status_changed.emit()

    def _on_report_failed(self, ticket: int, error: BaseException) -> None:
        if not self._generation.is_current(ticket):
            return
        self.loading = False
        self.model.set_rows([])
        self._say(f"The campaigns report could not be loaded: {error_text(error)}", ERROR_STYLE)
        self.report_loaded.emit()

    def _say(self, text: str, style: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)
        self.message.show()

    # --- the selected campaign's days ----------------------------------------------------

    def selected_campaign(self) -> uuid.UUID | None:
        rows = self.campaigns.selectionModel().selectedRows()
        if not rows:
            return None
        key = rows[0].data(KEY_ROLE)
        return key if isinstance(key, uuid.UUID) else None

    def selected_row(self) -> CampaignRow | None:
        rows = self.campaigns.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _on_campaign_selected(self, *_: Any) -> None:
        row = self.selected_row()
        if row is not None:
            self._wanted = row.campaign_id
        self._show_campaign(row)

    def _show_campaign(self, row: CampaignRow | None) -> None:
        start, end = self.period()
        fmt = self.ctx.formatter
        span = f"{fmt.date(start)} to {fmt.date(end)}"
        if row is None:
            self.days_title.setText(f"Select a campaign to see its days ({span})")
        else:
            self.days_title.setText(f"<b>{row.name}</b> · {span}")
        self._filter_days()
        self._update_buttons()

    def _filter_days(self) -> None:
        campaign_id = self.selected_campaign()
        start, end = self.period()
        if campaign_id is None:
            self.days.model.set_filters(performance.c.id.is_(None))
        else:
            self.days.model.set_filters(
                performance.c.ad_campaign_id == campaign_id,
                performance.c.date >= start,
                performance.c.date <= end,
            )
        self.days.model.request_totals()  # the footer's spend and revenue of these days

    # --- actions -------------------------------------------------------------------------

    def new_record(self) -> None:
        if self.editable:
            self._open(lambda: self._connected(CampaignDialog(self.ctx, parent=self)))

    def open_selected(self) -> None:
        campaign_id = self.selected_campaign()
        if campaign_id is None or not self.editable:
            return

        def build() -> CampaignDialog:
            with self.ctx.sessions() as session:
                values = campaign_values(session, campaign_id)
            return self._connected(CampaignDialog(self.ctx, values, parent=self))

        self._open(build)

    def _connected(self, dialog: CampaignDialog) -> CampaignDialog:
        dialog.saved.connect(self._on_campaign_saved)
        return dialog

    def _on_campaign_saved(self, campaign_id: uuid.UUID) -> None:
        self._wanted = campaign_id  # selected once the report the save's announcement asks for
        self.campaigns.clearSelection()  # lands (not the campaign selected now)

    def add_day(self) -> None:
        row = self.selected_row()
        if row is None or not self.editable:
            return
        self._open(lambda: self._day_dialog(row, None))

    def edit_day(self) -> None:
        row = self.selected_row()
        day_ids = self.days.selected_ids()
        if row is None or not day_ids or not self.editable:
            return
        day_id = day_ids[0]

        def build() -> PerformanceDialog:
            with self.ctx.sessions() as session:
                day = performance_day(session, day_id)
            return self._day_dialog(row, day)

        self._open(build)

    def _day_dialog(self, row: CampaignRow, day: dict[str, Any] | None) -> PerformanceDialog:
        dialog = PerformanceDialog(
            self.ctx, row.campaign_id, row.name, day, today=self.today(), parent=self
        )
        dialog.saved.connect(self._on_day_saved)
        return dialog

    def _on_day_saved(self, warnings: tuple[str, ...]) -> None:
        if warnings:
            self._say("Saved, but: " + "; ".join(warnings) + ".", NOTICE_STYLE)

    def new_broadcast(self) -> None:
        if self.editable:
            self._open(lambda: BroadcastDialog(self.ctx, parent=self))

    def edit_broadcast(self) -> None:
        ids = self.broadcasts.selected_ids()
        if not ids or not self.editable:
            return
        broadcast_id = ids[0]

        def build() -> BroadcastDialog:
            with self.ctx.sessions() as session:
                values = broadcast_values(session, broadcast_id)
            return BroadcastDialog(self.ctx, values, parent=self)

        self._open(build)

    def _open(self, build: Callable[[], QDialog]) -> None:
        try:
            dialog = build()
        except LookupError as gone:
            self._say(str(gone), ERROR_STYLE)
            self.refresh()
            return
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _update_buttons(self, *_: Any) -> None:
        has_campaign = self.selected_campaign() is not None
        self.edit_campaign_button.setEnabled(has_campaign)
        self.add_day_button.setEnabled(has_campaign)
        self.edit_day_button.setEnabled(has_campaign and bool(self.days.selected_ids()))
        self.edit_broadcast_button.setEnabled(bool(self.broadcasts.selected_ids()))

    # --- hooks for the window ------------------------------------------------------------

    def refresh(self) -> None:
        self.load_report()
        self.days.refresh()
        self.broadcasts.refresh()

    def focus_search(self) -> None:
        self.pages.setCurrentIndex(1)
        self.broadcasts.focus_search()

    def status_text(self) -> str:
        count = len(self.model.rows)
        return f"{count:,} campaign{'' if count == 1 else 's'} · {self.broadcasts.status_text()}"

    def apply_filters(self, filters: dict[str, object]) -> None:
        start, end = filters.get("start"), filters.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            self._set_dates(start, end)
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(self.preset.count() - 1)
            self.preset.blockSignals(False)
        campaign_id = filters.get("campaign_id")
        if isinstance(campaign_id, uuid.UUID):
            self._wanted = campaign_id
            self.campaigns.clearSelection()
        self.load_report()

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[object]) -> None:
        if not tables or tables & REPORT_TABLES:
            self.load_report()
