"""The Enrollments screen: the call-to-cash list, enrollment and student details, actions."""

from portal_desktop.views.enrollments.tab import EnrollmentsTab

__all__ = ["EnrollmentsTab"]
