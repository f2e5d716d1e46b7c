"""SQLAlchemy 2.0 typed entities of the portal: importing this registers every table."""

from portal_desktop.models import rollups  # noqa: F401 - registers the rollup tables
from portal_desktop.models.base import Base, Entity, new_id
from portal_desktop.models.crm import Lead, SalesCall
from portal_desktop.models.enrollment import Enrollment, Program, Student
from portal_desktop.models.finance import Installment, Payment
from portal_desktop.models.marketing import AdCampaign, AdPerformance, EmailBroadcast
from portal_desktop.models.people import DailyMetric, TeamMember, User
from portal_desktop.models.system import AppSetting, AuditEntry, SyncApplied

__all__ = [
    "AdCampaign",
    "AdPerformance",
    "AppSetting",
    "AuditEntry",
    "Base",
    "DailyMetric",
    "EmailBroadcast",
    "Enrollment",
    "Entity",
    "Installment",
    "Lead",
    "Payment",
    "Program",
    "SalesCall",
    "Student",
    "SyncApplied",
    "TeamMember",
    "User",
    "new_id",
]
