"""Create or edit an ad campaign (MARKETING, ADMIN): platform, name, status, dates, budget."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget
from sqlalchemy.orm import Session

from portal_desktop.models.enums import AdPlatform, CampaignStatus
from portal_desktop.services.marketing.campaigns import (
    MAX_DAILY_SPEND,
    create_campaign,
    update_campaign,
)
from portal_desktop.views.date_range import date_edit, date_of
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.form_fields import enum_combo
from portal_desktop.views.member_picker import select_data
from portal_desktop.views.tab_context import TabContext


class CampaignDialog(FormDialog):
    """``CampaignDialog(ctx, values=None)``: ``values`` (db.marketing_queries.campaign_values)
    edits that campaign; None creates one. ``saved`` carries the campaign's id."""

    def __init__(
        self, ctx: TabContext, values: dict[str, Any] | None = None, parent: QWidget | None = None
    ) -> None:
        editing = values is not None
        title = "Edit campaign" if editing else "New campaign"
        super().__init__(ctx, title, parent, name="campaignDialog")
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

        self.add_field("Platform", self.platform, "platform", required=True)
        self.add_field("Name", self.name, "name", required=True)
        self.add_field("Status", self.status, "status", required=True)
        self.add_field("External ID", self.external_id, "external_id")
        self.add_field("Start date", self.start_date, "start_date")
        self.add_field("End date", self.end_date, "end_date")
        self.budget = self.money_field(
            "Daily budget",
            get("daily_budget"),
            "daily_budget",
            allow_zero=True,
            maximum=MAX_DAILY_SPEND,
        )
        self.budget.setObjectName("dailyBudget")
        self.budget.setPlaceholderText("optional")
        self.watch(self.name.textChanged)
        self.update_state()

    def problem(self) -> str | None:
        if not self.name.text().strip():
            return "Give the campaign a name"
        return self.budget.problem()

    def work(self) -> Callable[[Session], uuid.UUID]:
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

        def run(session: Session) -> uuid.UUID:
            if campaign_id is None:
                return create_campaign(session, actor, **fields).id
            return update_campaign(session, actor, campaign_id, version, **fields).id

        return run
