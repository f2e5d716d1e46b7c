"""Create or edit an ad campaign (MARKETING, ADMIN): platform, name, status, dates, budget."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget
from sqlalchemy.orm import Session

from portal_desktop.models.enums import AdPlatform, CampaignStatus
from portal_desktop.services.marketing import MAX_DAILY_SPEND, create_campaign, update_campaign
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.marketing.form import MarketingForm, Work, date_edit, date_of
from portal_desktop.views.member_picker import select_data
from portal_desktop.views.money_input import MoneyInput
from portal_desktop.views.tab_context import TabContext


def enum_combo(
    parent: QWidget, name: str, words: type[AdPlatform] | type[CampaignStatus]
) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for word in words:
        combo.addItem(enum_label(word.value), word)
    return combo


class CampaignDialog(MarketingForm):
    """``CampaignDialog(ctx, values=None)``: ``values`` (db.marketing_queries.campaign_values)
    edits that campaign; None creates one. ``saved`` carries the campaign's id."""

    changed_tables = frozenset({"ad_campaigns"})

    def __init__(
        self, ctx: TabContext, values: dict[str, Any] | None = None, parent: QWidget | None = None
    ) -> None:
        editing = values is not None
        super().__init__(
            ctx, "campaignDialog", "Edit campaign" if editing else "New campaign", parent
        )
        self.values = values or {}
        get = self.values.get
        self.platform = enum_combo(self, "platform", AdPlatform)
        select_data(self.platform, get("platform", AdPlatform.FACEBOOK))
        self.name = QLineEdit(get("name", ""), self)
        self.name.setObjectName("name")
        self.name.setPlaceholderText("e.g. Spring webinar — lookalike 1%")
        self.status = enum_combo(self, "status", CampaignStatus)
        select_data(self.status, get("status", CampaignStatus.ACTIVE))
        self.external_id = QLineEdit(get("external_id") or "", self)
        self.external_id.setObjectName("externalId")
        self.external_id.setPlaceholderText("The platform's campaign id (optional)")
        self.start_date = date_edit(self, "startDate", get("start_date"), optional=True)
        self.end_date = date_edit(self, "endDate", get("end_date"), optional=True)
        self.budget = MoneyInput(
            self, field="daily_budget", allow_zero=True, maximum=MAX_DAILY_SPEND
        )
        self.budget.setObjectName("dailyBudget")
        self.budget.setPlaceholderText("optional")
        self.budget.set_value(get("daily_budget"))

        self.add_row("Platform", self.platform, "platform", required=True)
        self.add_row("Name", self.name, "name", required=True)
        self.add_row("Status", self.status, "status", required=True)
        self.add_row("External ID", self.external_id, "external_id")
        self.add_row("Start date", self.start_date, "start_date")
        self.add_row("End date", self.end_date, "end_date")
        self.add_row("Daily budget", self.budget, "daily_budget")
        self.name.textChanged.connect(self.update_valid)
        self.watch_money(self.budget)
        self.update_valid()
        self.resize(440, self.sizeHint().height())

    def problem(self) -> str | None:
        if not self.name.text().strip():
            return "Give the campaign a name"
        return self.budget.problem()

    def work(self) -> Work:
        actor = self.ctx.actor
        fields = {
            "platform": self.platform.currentData(),
            "name": self.name.text(),
            "status": self.status.currentData(),
            "external_id": self.external_id.text().strip() or None,
            "start_date": date_of(self.start_date),
            "end_date": date_of(self.end_date),
            "daily_budget": self.budget.value(),
        }
        campaign_id, version = self.values.get("id"), self.values.get("version")

        def run(session: Session) -> tuple[set[uuid.UUID], uuid.UUID]:
            if campaign_id is None:
                campaign = create_campaign(session, actor, **fields)
            else:
                campaign = update_campaign(session, actor, campaign_id, version, **fields)
            return {campaign.id}, campaign.id

        return run
