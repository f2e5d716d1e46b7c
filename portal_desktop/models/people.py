"""Who logs in (users) and who is tracked for sales performance (team members)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal_desktop.models.base import Entity, enum_type
from portal_desktop.models.enums import TeamRole, UserRole


class User(Entity):
    """A person who can sign in to the app. Separate from TeamMember, as in the guide."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[UserRole] = mapped_column(enum_type(UserRole, "user_role"))
    # The app's Argon2 hash on SQLite. Empty on a shared PostgreSQL database: there the user
    # is a PostgreSQL login role of the same name, and only the server keeps the password.
    # Deferred: nobody may read the column there, so a loaded user must not select it.
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True)
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    # A first password (or one an administrator reset) must be changed at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    team_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("team_members.id", ondelete="SET NULL"), unique=True
    )

    team_member: Mapped[TeamMember | None] = relationship()

    __table_args__ = (CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),)


class TeamMember(Entity):
    """A closer, setter or DM setter whose numbers are tracked."""

    __tablename__ = "team_members"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[TeamRole] = mapped_column(enum_type(TeamRole, "team_role"), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default="1", index=True)
    # NULL: the installation's default rate for the role applies.
    commission_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))

    daily_metrics: Mapped[list[DailyMetric]] = relationship(back_populates="team_member")

    __table_args__ = (
        CheckConstraint(
            "commission_rate IS NULL OR (commission_rate >= 0 AND commission_rate <= 1)",
            name="commission_rate_range",
        ),
    )


class DailyMetric(Entity):
    """A team member's self-reported numbers for one day."""

    __tablename__ = "daily_metrics"

    team_member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("team_members.id", ondelete="CASCADE")
    )
    date: Mapped[dt.date]
    calls: Mapped[int] = mapped_column(default=0, server_default="0")
    conversations: Mapped[int] = mapped_column(default=0, server_default="0")
    booked: Mapped[int] = mapped_column(default=0, server_default="0")
    offers: Mapped[int] = mapped_column(default=0, server_default="0")
    closes: Mapped[int] = mapped_column(default=0, server_default="0")
    cash: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), server_default="0")
    notes: Mapped[str | None] = mapped_column(String(2000))

    team_member: Mapped[TeamMember] = relationship(back_populates="daily_metrics")

    __table_args__ = (
        UniqueConstraint("team_member_id", "date"),
        CheckConstraint(
            "calls >= 0 AND conversations >= 0 AND booked >= 0 AND offers >= 0 "
            "AND closes >= 0 AND cash >= 0",
            name="counts_non_negative",
        ),
        Index("ix_daily_metrics_date_team_member_id", "date", "team_member_id"),
    )
