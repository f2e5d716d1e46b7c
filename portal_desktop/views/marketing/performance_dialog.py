"""Enter or correct one campaign's numbers for one day (MARKETING, ADMIN).

Saving a day that already has numbers replaces them (``services.marketing.
upsert_ad_performance``); the service's warnings (more leads than clicks, a day outside the
campaign's dates) come back in ``saved``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy.orm import Session

from portal_desktop.services.marketing import MAX_DAILY_SPEND, upsert_ad_performance
from portal_desktop.views.marketing.form import MarketingForm, Work, count_box, date_edit
from portal_desktop.views.money_input import MoneyInput
from portal_desktop.views.tab_context import TabContext


class PerformanceDialog(MarketingForm):
    """``PerformanceDialog(ctx, campaign_id, campaign_name, day=None, today=...)``: ``day``
    (db.marketing_queries.performance_day) corrects that day; None adds one.
    ``saved`` carries the service's warnings (a tuple of sentences)."""

    changed_tables = frozenset({"ad_performance"})

    def __init__(
        self,
        ctx: TabContext,
        campaign_id: uuid.UUID,
        campaign_name: str,
        day: dict[str, Any] | None = None,
        *,
        today: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        title = "Correct a day's numbers" if day else "Add a day's numbers"
        super().__init__(ctx, "performanceDialog", title, parent)
        self.campaign_id = campaign_id
        values = day or {}
        heading = QLabel(f"<b>{campaign_name}</b>", self)
        heading.setObjectName("campaignHeading")
        self.day = date_edit(self, "day", values.get("date", today), optional=False)
        self.day.setMaximumDate(QDate(today.year, today.month, today.day))
        self.spend = self._money("spend", MAX_DAILY_SPEND, values.get("spend"))
        self.impressions = count_box(self, "impressions", values.get("impressions", 0))
        self.clicks = count_box(self, "clicks", values.get("clicks", 0))
        self.leads = count_box(self, "leads", values.get("leads", 0))
        self.revenue = self._money("revenue", MAX_DAILY_SPEND * 100, values.get("revenue"))
        self.revenue.setToolTip("What the platform reports as revenue (its conversion value)")

        self.form.addRow(heading)
        self.add_row("Day", self.day, "day", "campaign_id", required=True)
        self.add_row("Spend", self.spend, "spend", required=True)
        self.add_row("Impressions", self.impressions, "impressions")
        self.add_row("Clicks", self.clicks, "clicks")
        self.add_row("Leads", self.leads, "leads")
        self.add_row("Platform revenue", self.revenue, "revenue", required=True)
        replace_note = QLabel("<small>Saving a day that has numbers replaces them.</small>", self)
        self.form.addRow("", replace_note)
        for money in (self.spend, self.revenue):
            self.watch_money(money)
        self.update_valid()
        self.resize(420, self.sizeHint().height())

    def _money(self, field: str, maximum: Any, amount: Any) -> MoneyInput:
        money = MoneyInput(self, field=field, allow_zero=True, maximum=maximum)
        money.setObjectName(field)
        money.set_value(amount)
        return money

    def problem(self) -> str | None:
        for money, what in ((self.spend, "spend"), (self.revenue, "platform revenue")):
            if money.value() is None:
                return money.problem() or f"Type the day's {what} (0 if none)"
        return None

    def work(self) -> Work:
        actor, campaign_id = self.ctx.actor, self.campaign_id
        day = self.day.date().toPython()
        spend, revenue = self.spend.value(), self.revenue.value()
        counts = (self.impressions.value(), self.clicks.value(), self.leads.value())

        def run(session: Session) -> tuple[set[uuid.UUID], tuple[str, ...]]:
            assert spend is not None and revenue is not None
            result = upsert_ad_performance(
                session, actor, campaign_id, day, spend, *counts, revenue
            )
            return {result.performance.id, campaign_id}, result.warnings

        return run
