"""The Marketing tab (MARKETING, ADMIN): ad campaigns over a chosen range with platform ROAS
and cash ROAS side by side, CPL and cost per booked call; below, the selected campaign's
daily numbers and the email broadcasts.

The report comes from ``services.marketing.campaigns.campaign_report`` (one SQL query, run in a
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

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db.lists import spec_of
from portal_desktop.db.marketing_queries import (
    CampaignRow,
    broadcast_values,
    campaign_values,
    performance,
    performance_day,
)
from portal_desktop.services.common.context import Permission
from portal_desktop.services.marketing.campaign_table import campaign_rows
from portal_desktop.views.buttons import action_button
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.field_errors import error_text
from portal_desktop.views.marketing.broadcast_dialog import BroadcastDialog
from portal_desktop.views.marketing.campaign_dialog import CampaignDialog
from portal_desktop.views.marketing.campaign_model import CampaignModel, campaigns_view
from portal_desktop.views.marketing.layout import lay_out
from portal_desktop.views.marketing.performance_dialog import PerformanceDialog
from portal_desktop.views.marketing.range_bar import RangeBar
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.table_model import KEY_ROLE
from portal_desktop.views.theme import ERROR, NOTICE, set_tone
from portal_desktop.views.workers import OpGeneration

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

        self.range = RangeBar(ctx.formatter.tz, self)
        self.preset = self.range.preset
        self.new_campaign_button = action_button(
            self, "newCampaign", "New campaign…", self.new_record, visible=self.editable
        )
        self.edit_campaign_button = action_button(
            self, "editCampaign", "Edit campaign…", self.open_selected, visible=self.editable
        )

        self.model = CampaignModel(ctx.formatter, self)
        self.campaigns = campaigns_view(self.model, self)
        self.campaigns.selectionModel().selectionChanged.connect(self._on_campaign_selected)
        self.campaigns.doubleClicked.connect(lambda _index: self.open_selected())
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.hide()

        days = spec_of("ad_performance")
        self.days = EntityTab(ctx, days, self, show_chips=False, show_totals=True)
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

        self.broadcasts = EntityTab(ctx, spec_of("email_broadcasts"), self, show_chips=False)
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

        lay_out(self)
        self.range.changed.connect(self.load_report)
        ctx.bus.data_changed.connect(self._on_data_changed)
        self._show_campaign(None)
        self.load_report()

    def today(self) -> dt.date:
        return self.range.today()

    # --- the range and the report --------------------------------------------------------

    def period(self) -> tuple[dt.date, dt.date]:
        return self.range.period()

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

        ReadOp(self.ctx, work, parent=self).success(
            lambda rows: self._on_report(ticket, rows)
        ).failure(lambda error: self._on_report_failed(ticket, error)).run()

    def _on_report(self, ticket: int, rows: list[CampaignRow]) -> None:
        if not self._generation.is_current(ticket):
            return
        self.loading = False
        wanted = self._wanted
        self.model.set_rows(rows)
        if not rows:
            self._say("No campaign was active or had numbers in this range.", NOTICE)
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
        self._say(f"The campaigns report could not be loaded: {error_text(error)}", ERROR)
        self.report_loaded.emit()

    def _say(self, text: str, tone: str) -> None:
        set_tone(self.message, tone)
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
        self._load_then_open(
            lambda session: campaign_values(session, campaign_id),
            lambda values: self._connected(CampaignDialog(self.ctx, values, parent=self)),
        )

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
        self._load_then_open(
            lambda session: performance_day(session, day_id),
            lambda day: self._day_dialog(row, day),
        )

    def _day_dialog(self, row: CampaignRow, day: dict[str, Any] | None) -> PerformanceDialog:
        dialog = PerformanceDialog(
            self.ctx, row.campaign_id, row.name, day, today=self.today(), parent=self
        )
        dialog.saved.connect(self._on_day_saved)
        return dialog

    def _on_day_saved(self, warnings: tuple[str, ...]) -> None:
        if warnings:
            self._say("Saved, but: " + "; ".join(warnings) + ".", NOTICE)

    def new_broadcast(self) -> None:
        if self.editable:
            self._open(lambda: BroadcastDialog(self.ctx, parent=self))

    def edit_broadcast(self) -> None:
        ids = self.broadcasts.selected_ids()
        if not ids or not self.editable:
            return
        broadcast_id = ids[0]
        self._load_then_open(
            lambda session: broadcast_values(session, broadcast_id),
            lambda values: BroadcastDialog(self.ctx, values, parent=self),
        )

    def _load_then_open(
        self, load: Callable[[Session], Any], build: Callable[[Any], QDialog]
    ) -> None:
        """Read what a dialog starts from (a read op), then open it; a record gone since the
        list was read is said, and the lists are read again. ``dialog`` is None until then."""
        self.dialog = None

        def failed(error: BaseException) -> None:
            if isinstance(error, LookupError):
                self._say(str(error), ERROR)
                self.refresh()
            else:
                self._say(f"Could not open it: {error_text(error)}", ERROR)

        ReadOp(self.ctx, load, parent=self).success(
            lambda values: self._open(lambda: build(values))
        ).failure(failed).run()

    def _open(self, build: Callable[[], QDialog]) -> None:
        dialog = build()
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
            self.range.set_range(start, end)
        campaign_id = filters.get("campaign_id")
        if isinstance(campaign_id, uuid.UUID):
            self._wanted = campaign_id
            self.campaigns.clearSelection()
        self.load_report()

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[object]) -> None:
        if not tables or tables & REPORT_TABLES:
            self.load_report()
