"""Which widget each tab is, and which roles see it; a tab's module is imported when it opens.

Each tab is registered by its class, through a small function that imports it: a screen's
module (and what it imports: pyqtgraph for the charts) loads the first time the user opens
that tab, not when the window starts. To plug in a screen, change its function in
:data:`TAB_CLASSES`; the class is built as ``Class(ctx: TabContext, parent)``.

Roles (DESIGN.md): ADMIN sees every tab; SALES the pipeline, sales calls, enrollments,
payment schedules, team and charts; MARKETING the pipeline (read-only: the tab is given the
actor and its services refuse edits without EDIT_LEADS, so the tab hides its edit actions
when ``ctx.actor.can(Permission.EDIT_LEADS)`` is false), marketing and charts.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtWidgets import QWidget

from portal_desktop import clock
from portal_desktop.db.lists import LISTS
from portal_desktop.models.enums import UserRole
from portal_desktop.views import main_thread_gc
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.tab_context import TabContext


class TabClass(Protocol):
    """A tab's class: built with the tab context and the parent widget."""

    def __call__(self, ctx: TabContext, parent: QWidget | None) -> QWidget: ...


def _pipeline() -> TabClass:
    from portal_desktop.views.pipeline.tab import PipelineTab

    return PipelineTab


def _sales_calls() -> TabClass:
    from portal_desktop.views.calls.tab import SalesCallsTab

    return SalesCallsTab


def _enrollments() -> TabClass:
    from portal_desktop.views.enrollments.tab import EnrollmentsTab

    return EnrollmentsTab


def _payment_schedules() -> TabClass:
    from portal_desktop.views.payments.tab import PaymentSchedulesTab

    return PaymentSchedulesTab


def _team() -> TabClass:
    from portal_desktop.views.team.tab import TeamTab

    return TeamTab


def _marketing() -> TabClass:
    from portal_desktop.views.marketing.tab import MarketingTab

    return MarketingTab


def _charts() -> TabClass:
    from portal_desktop.views.charts import ChartsTab

    return ChartsTab


def _admin() -> TabClass:
    from portal_desktop.views.admin.tab import AdminTab

    return AdminTab


# One line per tab, in DESIGN.md's order: the tab's key and the function giving its class.
TAB_CLASSES: dict[str, Callable[[], TabClass]] = {
    "pipeline": _pipeline,
    "sales_calls": _sales_calls,
    "enrollments": _enrollments,
    "payment_schedules": _payment_schedules,
    "team": _team,
    "marketing": _marketing,
    "charts": _charts,
    "users": _admin,
}

TAB_TITLES: dict[str, str] = {
    "pipeline": "Pipeline",
    "sales_calls": "Sales calls",
    "enrollments": "Enrollments",
    "payment_schedules": "Payment schedules",
    "team": "Team",
    "marketing": "Marketing",
    "charts": "Charts",
    "users": "Admin",  # users, programs, settings and the audit trail
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
    tab_class: Callable[[], TabClass]  # imports the tab's module on first use


def tabs_for(role: UserRole) -> list[TabEntry]:
    """The tabs a role may use, in the window's order."""
    allowed = ROLE_TABS[UserRole(role)]
    return [
        TabEntry(key, TAB_TITLES[key], tab_class)
        for key, tab_class in TAB_CLASSES.items()
        if key in allowed
    ]


def import_in_background(entries: Iterable[TabEntry]) -> threading.Thread:
    """Import the tabs' modules in a thread, so that opening a tab does not wait for them
    (the charts' pyqtgraph takes half a second to import; on the UI thread that froze the
    window the first time Charts opened). A module that fails here fails again, with its
    message, when its tab opens; one imported meanwhile by the UI thread is simply there."""
    classes = [entry.tab_class for entry in entries]
    thread = threading.Thread(
        target=import_tab_modules, args=(classes,), name="import tab modules", daemon=True
    )
    thread.start()
    return thread


def import_tab_modules(classes: Iterable[Callable[[], TabClass]] | None = None) -> None:
    """Import the modules of these tab classes (every tab's when None), in this thread; then
    the objects made so far are start-up's (main_thread_gc.startup_finished)."""
    for tab_class in TAB_CLASSES.values() if classes is None else classes:
        try:
            tab_class()
        except Exception:  # the tab's own opening reports it
            continue
    main_thread_gc.startup_finished()


def build_tab(entry: TabEntry, ctx: TabContext, parent: QWidget | None) -> QWidget:
    """Build the tab's widget (its module is imported on first use only: Python caches it)."""
    return entry.tab_class()(ctx, parent)


class GenericListTab(EntityTab):
    """One list of db/lists.py as a plain :class:`EntityTab` (the shell's tests put these in
    place of the screens); ``list_name`` picks the list, a dated one as of today. The search
    box, filters (``apply_filters``) and refresh on ``data_changed`` are EntityTab's."""

    list_name = ""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        now = clock.local_now(ctx.formatter.tz)
        spec = LISTS[self.list_name].spec(now.date(), now.tzinfo or dt.UTC)
        super().__init__(ctx, spec, parent)


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
    list_name = "email_broadcasts"  # one of the Marketing tab's lists


class UsersList(GenericListTab):
    list_name = "users"
