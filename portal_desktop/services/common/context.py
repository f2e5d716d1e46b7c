"""Who is acting, and what each role may do. Services check this themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models.enums import UserRole
from portal_desktop.services.common.words import enum_label


class Permission(StrEnum):
    MANAGE_USERS = "manage users"
    MANAGE_SETTINGS = "change settings"
    MANAGE_PROGRAMS = "manage programs"
    MANAGE_TEAM = "manage team members"
    DELETE_RECORDS = "delete records"
    VIEW_LEADS = "view leads"
    EDIT_LEADS = "edit leads"
    EDIT_CALLS = "schedule and log sales calls"
    EDIT_STUDENTS = "edit students"
    EDIT_ENROLLMENTS = "close deals and edit enrollments"
    END_ENROLLMENTS = "cancel or default enrollments"
    RECORD_PAYMENTS = "record payments"
    REFUND_PAYMENTS = "refund payments"
    VIEW_FINANCE = "view payments and receivables"
    EDIT_OWN_METRICS = "enter one's own daily metrics"
    EDIT_ANY_METRICS = "enter anyone's daily metrics"
    EDIT_MARKETING = "edit campaigns, ad performance and broadcasts"
    VIEW_REPORTS = "view reports and charts"
    VIEW_AUDIT = "view the audit trail"


_SALES = frozenset(
    {
        Permission.VIEW_LEADS,
        Permission.EDIT_LEADS,
        Permission.EDIT_CALLS,
        Permission.EDIT_STUDENTS,
        Permission.EDIT_ENROLLMENTS,
        Permission.RECORD_PAYMENTS,
        Permission.VIEW_FINANCE,
        Permission.EDIT_OWN_METRICS,
        Permission.VIEW_REPORTS,
    }
)
_MARKETING = frozenset({Permission.VIEW_LEADS, Permission.EDIT_MARKETING, Permission.VIEW_REPORTS})

ROLE_PERMISSIONS: dict[UserRole, frozenset[Permission]] = {
    UserRole.ADMIN: frozenset(Permission),
    UserRole.SALES: _SALES,
    UserRole.MARKETING: _MARKETING,
}


@dataclass(frozen=True)
class Actor:
    """The signed-in user on whose behalf a service runs."""

    user_id: uuid.UUID | None
    username: str
    role: UserRole
    team_member_id: uuid.UUID | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDeniedError(
                f"{self.username} ({enum_label(self.role)}) may not {permission.value}; "
                "ask an administrator"
            )


# For command-line tools and seeding, which run with the database owner's rights.
SYSTEM = Actor(user_id=None, username="system", role=UserRole.ADMIN)
