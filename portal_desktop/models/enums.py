"""The guide's enumerations, stored as their upper-case words with a CHECK constraint."""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    ADMIN = "ADMIN"
    SALES = "SALES"
    MARKETING = "MARKETING"


class TeamRole(StrEnum):
    CLOSER = "CLOSER"
    SETTER = "SETTER"
    DM_SETTER = "DM_SETTER"


class LeadStatus(StrEnum):
    NEW = "NEW"
    CONTACTED = "CONTACTED"
    QUALIFIED = "QUALIFIED"
    LOST = "LOST"


class CallOutcome(StrEnum):
    CLOSED_WON = "CLOSED_WON"
    CLOSED_LOST = "CLOSED_LOST"
    NO_SHOW = "NO_SHOW"
    FOLLOW_UP = "FOLLOW_UP"
    RESCHEDULED = "RESCHEDULED"
    CANCELLED = "CANCELLED"
    NOT_QUALIFIED = "NOT_QUALIFIED"


class PlanType(StrEnum):
    PIF = "PIF"
    SPLIT = "SPLIT"


class PaymentFrequency(StrEnum):
    WEEKLY = "WEEKLY"
    BIWEEKLY = "BIWEEKLY"
    MONTHLY = "MONTHLY"


class EnrollmentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    DEFAULTED = "DEFAULTED"


class PaymentStatus(StrEnum):
    PAID = "PAID"
    PENDING = "PENDING"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


class PaymentMethod(StrEnum):
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    PAYPAL = "PAYPAL"
    CASH = "CASH"
    CHECK = "CHECK"
    OTHER = "OTHER"


class InstallmentStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    OVERDUE = "OVERDUE"


class AdPlatform(StrEnum):
    FACEBOOK = "FACEBOOK"
    GOOGLE = "GOOGLE"
    YOUTUBE = "YOUTUBE"
    TIKTOK = "TIKTOK"
    OTHER = "OTHER"


class CampaignStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ARCHIVED = "ARCHIVED"


class AuditAction(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
