"""Marketing: ad campaigns, their daily performance, and email broadcasts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_desktop.models.base import Entity, enum_type
from portal_desktop.models.enums import AdPlatform, CampaignStatus


class AdCampaign(Entity):
    """A container of ads on one platform; leads are attributed to it by name."""

    __tablename__ = "ad_campaigns"

    platform: Mapped[AdPlatform] = mapped_column(enum_type(AdPlatform, "ad_platform"))
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[CampaignStatus] = mapped_column(
        enum_type(CampaignStatus, "campaign_status"),
        default=CampaignStatus.ACTIVE,
        server_default="ACTIVE",
        index=True,
    )
    external_id: Mapped[str | None] = mapped_column(String(120))
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    daily_budget: Mapped[Decimal | None]

    performance: Mapped[list[AdPerformance]] = relationship(back_populates="ad_campaign")

    __table_args__ = (
        UniqueConstraint("platform", "name"),
        CheckConstraint(
            "daily_budget IS NULL OR daily_budget >= 0",
            name="daily_budget_non_negative",
        ),
    )


class AdPerformance(Entity):
    """One campaign's numbers for one day, as the ad platform reports them."""

    __tablename__ = "ad_performance"

    ad_campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ad_campaigns.id", ondelete="CASCADE")
    )
    date: Mapped[dt.date]
    spend: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), server_default="0")
    impressions: Mapped[int] = mapped_column(default=0, server_default="0")
    clicks: Mapped[int] = mapped_column(default=0, server_default="0")
    leads: Mapped[int] = mapped_column(default=0, server_default="0")
    revenue: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), server_default="0")

    ad_campaign: Mapped[AdCampaign] = relationship(back_populates="performance")

    __table_args__ = (
        UniqueConstraint("ad_campaign_id", "date"),
        CheckConstraint(
            "spend >= 0 AND impressions >= 0 AND clicks >= 0 AND leads >= 0 AND revenue >= 0",
            name="values_non_negative",
        ),
        Index("ix_ad_performance_date", "date"),
    )


class EmailBroadcast(Entity):
    """A newsletter sent to the list, with its engagement numbers."""

    __tablename__ = "email_broadcasts"

    subject: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    recipients: Mapped[int] = mapped_column(default=0, server_default="0")
    opens: Mapped[int] = mapped_column(default=0, server_default="0")
    clicks: Mapped[int] = mapped_column(default=0, server_default="0")
    unsubscribes: Mapped[int] = mapped_column(default=0, server_default="0")
    notes: Mapped[str | None] = mapped_column(String(4000))

    __table_args__ = (
        CheckConstraint(
            "recipients >= 0 AND opens >= 0 AND clicks >= 0 AND unsubscribes >= 0",
            name="counts_non_negative",
        ),
    )
