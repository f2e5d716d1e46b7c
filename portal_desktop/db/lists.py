"""Every list the app shows, defined once and registered here by name (no Qt here).

A list is a :class:`~portal_desktop.db.query_spec.ListSpec`: its columns, joins, chips,
search and money totals. Its screen, ``portal-desktop export <name>`` and the tests all take
it from :data:`LISTS`, so a list shows, exports and is tested the same way everywhere.

Most lists are one fixed spec. Payment schedules depend on the day and the installation's
time zone (what is owed or overdue as of today): their entry builds the spec for a day and
a zone, and the screen and an export of the same day get the very same object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from portal_desktop.db.admin_queries import AUDIT_TRAIL, PROGRAMS, USERS
from portal_desktop.db.enrollments_queries import CALL_TO_CASH
from portal_desktop.db.list_queries import PIPELINE, SALES_CALLS, TEAM
from portal_desktop.db.marketing_queries import AD_PERFORMANCE, EMAIL_BROADCASTS
from portal_desktop.db.payments_queries import payment_schedules_spec
from portal_desktop.db.query_spec import ListSpec

SpecOfDay = Callable[[dt.date, dt.tzinfo], ListSpec]


@dataclass(frozen=True)
class ListDef:
    """One list: its name (the export command's), the window tab showing it, its spec."""

    name: str
    tab: str
    source: ListSpec | SpecOfDay

    @property
    def dated(self) -> bool:
        """Whether the list depends on the day and the zone (then give them to spec())."""
        return not isinstance(self.source, ListSpec)

    def spec(self, day: dt.date | None = None, tz: dt.tzinfo | None = None) -> ListSpec:
        """The list's spec; a dated list's as of local ``day`` in zone ``tz``."""
        if isinstance(self.source, ListSpec):
            return self.source
        if day is None or tz is None:
            raise ValueError(f"the {self.name} list is as of a day: give the day and the zone")
        return self.source(day, tz)


def _entries(*entries: ListDef) -> dict[str, ListDef]:
    return {entry.name: entry for entry in entries}


LISTS: dict[str, ListDef] = _entries(
    ListDef("pipeline", "pipeline", PIPELINE),
    ListDef("sales_calls", "sales_calls", SALES_CALLS),
    ListDef("enrollments", "enrollments", CALL_TO_CASH),
    ListDef("payment_schedules", "payment_schedules", payment_schedules_spec),
    ListDef("team", "team", TEAM),
    ListDef("ad_performance", "marketing", AD_PERFORMANCE),
    ListDef("email_broadcasts", "marketing", EMAIL_BROADCASTS),
    ListDef("users", "users", USERS),
    ListDef("programs", "users", PROGRAMS),
    ListDef("audit_trail", "users", AUDIT_TRAIL),
)


def spec_of(name: str, day: dt.date | None = None, tz: dt.tzinfo | None = None) -> ListSpec:
    """The spec of the list ``name`` (a dated list's as of ``day`` in ``tz``)."""
    if name not in LISTS:
        raise KeyError(f"no list named {name!r}; the lists are {', '.join(LISTS)}")
    return LISTS[name].spec(day, tz)


def every_spec(day: dt.date, tz: dt.tzinfo) -> list[ListSpec]:
    """Every list's spec, the dated ones as of ``day`` in ``tz`` (for tests and benches)."""
    return [entry.spec(day, tz) for entry in LISTS.values()]
