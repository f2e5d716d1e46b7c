"""The Admin tab: users, programs, settings and the audit trail."""

from portal_desktop.views.admin.tab import AdminTab

__all__ = ["AdminTab"]
