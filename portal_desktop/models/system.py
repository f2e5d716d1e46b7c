"""Installation settings and the audit trail (not in the guide; the screens need them)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal_desktop import clock
from portal_desktop.models.base import Base, Entity, enum_type
from portal_desktop.models.enums import AuditAction


class AppSetting(Entity):
    """One installation-wide setting (currency, time zone, grace days, default rates…)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    value: Mapped[str] = mapped_column(String(2000))


class AuditEntry(Entity):
    """Who changed which record, when, and its values before and after.

    Append-only: database triggers (see the initial migration) refuse UPDATE and DELETE, and
    a user who appears in it cannot be deleted (RESTRICT): deactivate them instead.
    """

    __tablename__ = "audit_log"

    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction, "audit_action"))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[uuid.UUID | None]
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),
    )


class SyncApplied(Base):
    """A replica's change set the server has applied (issue 15): written in the transaction
    that applies it, so a push retried after the server committed finds it and changes
    nothing. ``outcome``: what the server made of it (conflicts…), for a retry to record
    locally."""

    __tablename__ = "sync_applied"

    txn_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80))
    applied_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
