"""The columns the seeder fills, per table, in the order its row tuples hold them.

Every table ends with ``created_at, updated_at, version``. The dict's order is the order the
tables are written in (parents before children).
"""

from __future__ import annotations

from typing import Any

Row = tuple[Any, ...]

_STAMPS = ("created_at", "updated_at", "version")

COLUMNS: dict[str, tuple[str, ...]] = {
    "team_members": ("id", "name", "email", "phone", "role", "active", "commission_rate"),
    "programs": ("id", "name", "description", "price", "duration_weeks", "active"),
    "ad_campaigns": (
        "id", "platform", "name", "status", "external_id", "start_date", "end_date",
        "daily_budget",
    ),
    "users": (
        "id", "username", "full_name", "email", "role", "password_hash", "active",
        "failed_logins", "team_member_id",
    ),
    "leads": (
        "id", "first_name", "last_name", "email", "phone", "source", "campaign", "medium",
        "status", "lost_reason", "ad_campaign_id", "owner_id",
    ),
    "students": ("id", "first_name", "last_name", "email", "phone", "lead_id"),
    "sales_calls": (
        "id", "lead_id", "student_id", "host_id", "setter_id", "scheduled_at",
        "duration_minutes", "outcome", "offer_made", "meeting_url", "notes",
    ),
    "enrollments": (
        "id", "student_id", "program_id", "plan_type", "contract_value", "start_date", "status",
        "closer_id", "setter_id", "sales_call_id", "down_payment", "installment_count",
        "payment_frequency", "ended_at",
    ),
    "installments": (
        "id", "enrollment_id", "sequence", "due_date", "amount", "status", "is_down_payment",
    ),
    "payments": (
        "id", "enrollment_id", "installment_id", "amount", "status", "paid_at", "method",
        "reference", "failure_reason", "refunded_amount", "refunded_at",
    ),
    "daily_metrics": (
        "id", "team_member_id", "date", "calls", "conversations", "booked", "offers", "closes",
        "cash",
    ),
    "ad_performance": (
        "id", "ad_campaign_id", "date", "spend", "impressions", "clicks", "leads", "revenue",
    ),
    "email_broadcasts": (
        "id", "subject", "sent_at", "recipients", "opens", "clicks", "unsubscribes",
    ),
}  # fmt: skip
COLUMNS = {table: (*columns, *_STAMPS) for table, columns in COLUMNS.items()}

TABLES: tuple[str, ...] = tuple(COLUMNS)
