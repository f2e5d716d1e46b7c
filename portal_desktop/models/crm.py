"""The sales flow: leads and the sales calls held with leads or students."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_desktop.models.base import Entity, enum_type
from portal_desktop.models.enums import CallOutcome, LeadStatus

if TYPE_CHECKING:
    from portal_desktop.models.enrollment import Student
    from portal_desktop.models.marketing import AdCampaign
    from portal_desktop.models.people import TeamMember


class Lead(Entity):
    """A potential customer, with the attribution of where they came from."""

    __tablename__ = "leads"

    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(120), index=True)
    campaign: Mapped[str | None] = mapped_column(String(200))
    medium: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[LeadStatus] = mapped_column(
        enum_type(LeadStatus, "lead_status"),
        default=LeadStatus.NEW,
        server_default="NEW",
    )
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    ad_campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ad_campaigns.id", ondelete="SET NULL"), index=True
    )
    # A person chose ad_campaign_id: matching the campaign text never overwrites it.
    campaign_linked_by_hand: Mapped[bool] = mapped_column(default=False, server_default="0")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("team_members.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str | None] = mapped_column(String(4000))

    ad_campaign: Mapped[AdCampaign | None] = relationship()
    owner: Mapped[TeamMember | None] = relationship()
    sales_calls: Mapped[list[SalesCall]] = relationship(back_populates="lead")

    __table_args__ = (
        # Newest-first lists read straight from this index (SQLite appends the rowid, the
        # lists' tie-breaker there; PostgreSQL finishes ties on id with an incremental sort).
        Index("ix_leads_created_at", "created_at"),
        Index("ix_leads_status_created_at", "status", "created_at"),
        Index("ix_leads_last_name_first_name", "last_name", "first_name"),
        # Covers "is this lead attributed to a campaign?" for the marketing KPIs, which
        # join calls and payments to leads only for ad_campaign_id.
        Index("ix_leads_id_ad_campaign_id", "id", "ad_campaign_id"),
    )


# Emails are unique regardless of case (NULLs allowed: a DM lead may have no email yet).
Index("uq_leads_email_lower", func.lower(Lead.email), unique=True)


class SalesCall(Entity):
    """A meeting with a lead (or a student, for an upsell), hosted by a team member."""

    __tablename__ = "sales_calls"

    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    host_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team_members.id", ondelete="RESTRICT"))
    setter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("team_members.id", ondelete="SET NULL")
    )
    scheduled_at: Mapped[dt.datetime]
    duration_minutes: Mapped[int] = mapped_column(default=45, server_default="45")
    # NULL while the call has not happened.
    outcome: Mapped[CallOutcome | None] = mapped_column(enum_type(CallOutcome, "call_outcome"))
    offer_made: Mapped[bool] = mapped_column(default=False, server_default="0")
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(String(4000))

    lead: Mapped[Lead | None] = relationship(back_populates="sales_calls")
    student: Mapped[Student | None] = relationship(back_populates="sales_calls")
    host: Mapped[TeamMember] = relationship(foreign_keys=[host_id])
    setter: Mapped[TeamMember | None] = relationship(foreign_keys=[setter_id])

    __table_args__ = (
        CheckConstraint("lead_id IS NOT NULL OR student_id IS NOT NULL", name="lead_or_student"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_sales_calls_scheduled_at", "scheduled_at"),
        Index("ix_sales_calls_host_id_scheduled_at", "host_id", "scheduled_at"),
        Index("ix_sales_calls_setter_id_scheduled_at", "setter_id", "scheduled_at"),
        Index("ix_sales_calls_outcome_scheduled_at", "outcome", "scheduled_at"),
    )
