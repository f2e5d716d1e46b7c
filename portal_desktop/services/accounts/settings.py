"""Installation-wide settings: currency, time zone, grace days, default commission rates,
and how many days an offline sign-in stays valid (services/sync/offline_signin.py)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop.errors import ValidationError
from portal_desktop.models import AppSetting
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.transaction import use_case


@dataclass(frozen=True)
class Settings:
    currency: str = "USD"
    time_zone: str = "America/New_York"
    grace_days: int = 3
    closer_commission_rate: Decimal = Decimal("0.10")
    setter_commission_rate: Decimal = Decimal("0.05")
    offline_sign_in_days: int = 14  # how long a replica accepts the last online sign-in

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


DEFAULTS = Settings()


def _parse(key: str, raw: str) -> object:
    default = getattr(DEFAULTS, key)
    try:
        if isinstance(default, bool):
            return raw.lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, Decimal):
            return Decimal(raw)
    except (ValueError, InvalidOperation):
        return default
    return raw


def load_settings(session: Session) -> Settings:
    """The settings stored in the database, defaults for what is not stored."""
    rows = session.execute(select(AppSetting.key, AppSetting.value)).all()
    known = set(Settings.__dataclass_fields__)
    values = {key: _parse(key, value) for key, value in rows if key in known}
    return Settings(**values)  # type: ignore[arg-type]


def _validate(key: str, value: object) -> str:
    if key == "currency":
        text = str(value).strip().upper()
        if len(text) != 3 or not text.isalpha():
            raise ValidationError("currency", f"'{value}' is not a 3-letter ISO code like USD")
        return text
    if key == "time_zone":
        try:
            zoneinfo.ZoneInfo(str(value))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                "time_zone", f"'{value}' is not an IANA time zone like Europe/London"
            ) from None
        return str(value)
    if key == "grace_days":
        try:
            days = int(str(value))
        except ValueError:
            raise ValidationError("grace_days", f"'{value}' is not a whole number") from None
        if not 0 <= days <= 90:
            raise ValidationError("grace_days", "must be between 0 and 90 days")
        return str(days)
    if key == "offline_sign_in_days":
        try:
            days = int(str(value))
        except ValueError:
            raise ValidationError(key, f"'{value}' is not a whole number") from None
        if not 1 <= days <= 90:
            raise ValidationError(key, "must be between 1 and 90 days")
        return str(days)
    if key in ("closer_commission_rate", "setter_commission_rate"):
        try:
            rate = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(key, f"'{value}' is not a number like 0.10") from None
        if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):  # NaN: no order
            raise ValidationError(key, "must be between 0 and 1 (0.10 is 10 %)")
        return str(rate)
    raise ValidationError(key, "is not a setting of this app")


@use_case
def update_settings(session: Session, actor: Actor, **changes: object) -> Settings:
    """Change settings (ADMIN); all or nothing, each change in the audit trail."""
    actor.require(Permission.MANAGE_SETTINGS)
    for key, value in changes.items():
        text = _validate(key, value)
        row = session.scalar(select(AppSetting).where(AppSetting.key == key))
        if row is None:
            row = AppSetting(key=key, value=text)
            session.add(row)
            audit.record(session, actor, AuditAction.CREATE, row, summary=f"{key} set")
        elif row.value != text:
            before = audit.snapshot(row)
            row.value = text
            audit.record(
                session, actor, AuditAction.UPDATE, row, old=before, summary=f"{key} changed"
            )
    session.flush()
    return load_settings(session)
