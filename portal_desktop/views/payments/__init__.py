"""The Payment-schedules tab: installments, totals, payment actions, the dunning list."""

from portal_desktop.views.payments.tab import PaymentSchedulesTab

__all__ = ["PaymentSchedulesTab"]
