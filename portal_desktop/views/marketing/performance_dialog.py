"""Enter or correct one campaign's numbers for one day (MARKETING, ADMIN).

Saving a day that already has numbers replaces them (``services.marketing.campaigns.
upsert_ad_performance``); the service's warnings (more leads than clicks, a day outside the
campaign's dates) come back in ``saved``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy.orm import Session

from portal_desktop.services.marketing.campaigns import MAX_DAILY_SPEND, upsert_ad_performance
from portal_desktop.views.date_range import date_edit
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.form_fields import count_box
from portal_desktop.views.tab_context import TabContext


class PerformanceDialog(FormDialog):
    """``PerformanceDialog(ctx, campaign_id, campaign_name, day=None, today=...)``: ``day``
    (db.marketing_queries.performance_day) corrects that day; None adds one.
    ``saved`` carries the service's warnings (a tuple of sentences)."""

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
        super().__init__(
            ctx, title, parent, name="performanceDialog", heading=f"<b>{campaign_name}</b>"
        )
        self.campaign_id = campaign_id
        values = day or {}
        self.day = date_edit(self, "day", values.get("date", today), latest=today)
        self.add_field("Day", self.day, "day", "campaign_id", required=True)
        self.spend = self.money_field(
            "Spend", values.get("spend"), "spend", required=True,
            allow_zero=True, maximum=MAX_DAILY_SPEND,
        )  # fmt: skip
        self.impressions = count_box(self, "impressions", values.get("impressions", 0))
        self.clicks = count_box(self, "clicks", values.get("clicks", 0))
        self.leads = count_box(self, "leads", values.get("leads", 0))
        self.add_field("Impressions", self.impressions, "impressions")
        self.add_field("Clicks", self.clicks, "clicks")
        self.add_field("Leads", self.leads, "leads")
        self.revenue = self.money_field(
            "Platform revenue", values.get("revenue"), "revenue", required=True,
            allow_zero=True, maximum=MAX_DAILY_SPEND * 100,
        )  # fmt: skip
        self.revenue.setToolTip("What the platform reports as revenue (its conversion value)")
        replace_note = QLabel("<small>Saving a day that has numbers replaces them.</small>", self)
        self.form.addRow("", replace_note)
        self.update_state()

    def problem(self) -> str | None:
        for money, what in ((self.spend, "spend"), (self.revenue, "platform revenue")):
            if money.value() is None:
                return money.problem() or f"Type the day's {what} (0 if none)"
        return None

    def work(self) -> Callable[[Session], tuple[str, ...]]:
        actor, campaign_id = self.ctx.actor, self.campaign_id
        day = self.day.date().toPython()
        spend, revenue = self.spend.value(), self.revenue.value()
        counts = (self.impressions.value(), self.clicks.value(), self.leads.value())

        def run(session: Session) -> tuple[str, ...]:
            assert spend is not None and revenue is not None
            result = upsert_ad_performance(
                session, actor, campaign_id, day, spend, *counts, revenue
            )
            return result.warnings

        return run
