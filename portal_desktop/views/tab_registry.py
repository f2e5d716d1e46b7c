"""Which widget each tab is, and which roles see it; a tab's module is imported when it opens.

To plug in a screen, change its one line in :data:`TAB_CLASSES` to ``"module:Class"``; the
class is built as ``Class(ctx: TabContext, parent)`` the first time the user opens the tab.

Roles (DESIGN.md): ADMIN sees every tab; SALES the pipeline, sales calls, enrollments,
payment schedules, team and charts; MARKETING the pipeline (read-only: the tab is given the
actor and its services refuse edits without EDIT_LEADS, so the tab hides its edit actions
when ``ctx.actor.can(Permission.EDIT_LEADS)`` is false), marketing and charts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from portal_desktop.db.list_queries import LISTS
from portal_desktop.models.enums import UserRole
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.tab_context import TabContext

_HERE = "portal_desktop.views.tab_registry"

# One line per tab, in DESIGN.md's order: the tab's key and "module:Class".
TAB_CLASSES: dict[str, str] = {
    "pipeline": "portal_desktop.views.pipeline.tab:PipelineTab",
    "sales_calls": "portal_desktop.views.calls.tab:SalesCallsTab",
    "enrollments": "portal_desktop.views.enrollments.tab:EnrollmentsTab",
    "payment_schedules": "portal_desktop.views.payments.tab:PaymentSchedulesTab",
    "team": "portal_desktop.views.team.tab:TeamTab",
    "marketing": "portal_desktop.views.marketing.tab:MarketingTab",
    "charts": "portal_desktop.views.charts:ChartsTab",
    "users": "portal_desktop.views.admin.tab:AdminTab",
}

TAB_TITLES: dict[str, str] = {name: spec.title for name, spec in LISTS.items()} | {
    "charts": "Charts",
    "users": "Admin",  # the users list is one of the Admin tab's panels
}

_SALES_TABS = frozenset(
    {"pipeline", "sales_calls", "enrollments", "payment_schedules", "team", "charts"}
)
_MARKETING_TABS = frozenset({"pipeline", "marketing", "charts"})
ROLE_TABS: dict[UserRole, frozenset[str]] = {
    UserRole.ADMIN: frozenset(TAB_CLASSES),
    UserRole.SALES: _SALES_TABS,
    UserRole.MARKETING: _MARKETING_TABS,
}


@dataclass(frozen=True)
class TabEntry:
    key: str
    title: str
    target: str  # "module:Class"


def tabs_for(role: UserRole) -> list[TabEntry]:
    """The tabs a role may use, in the window's order."""
    allowed = ROLE_TABS[UserRole(role)]
    return [
        TabEntry(key, TAB_TITLES[key], target)
        for key, target in TAB_CLASSES.items()
        if key in allowed
    ]


def build_tab(entry: TabEntry, ctx: TabContext, parent: QWidget | None) -> QWidget:
    """Import the tab's module (first use only: Python caches it) and build the widget."""
    module_name, _, class_name = entry.target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    widget = cls(ctx, parent)
    assert isinstance(widget, QWidget), entry.target
    return widget


class GenericListTab(EntityTab):
    """An :class:`EntityTab` built from a TabContext; ``list_name`` picks the list. The
    search box, filters (``apply_filters``) and refresh on ``data_changed`` are EntityTab's."""

    list_name = ""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, LISTS[self.list_name], parent)

    def keep_column_widths(self) -> None:
        """Remembered widths were restored: do not share the width out again."""
        self._user_sized = True


class PipelineList(GenericListTab):
    list_name = "pipeline"


class SalesCallsList(GenericListTab):
    list_name = "sales_calls"


class EnrollmentsList(GenericListTab):
    list_name = "enrollments"


class PaymentSchedulesList(GenericListTab):
    list_name = "payment_schedules"


class TeamList(GenericListTab):
    list_name = "team"


class MarketingList(GenericListTab):
    list_name = "marketing"


class UsersList(GenericListTab):
    list_name = "users"
