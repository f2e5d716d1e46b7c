"""What every tab is given: the database, who is signed in, formatting, and the change bus.

Tabs are built as ``SomeTab(ctx: TabContext, parent: QWidget | None = None)``. After a write,
a tab calls ``ctx.bus.announce({"leads"}, {lead_id})``; every tab listens to
``ctx.bus.data_changed`` and refreshes itself when a table it shows is in the set (the Anki
"operation did execute" pattern: the writer says what changed, each screen decides).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.services.common.context import Actor
from portal_desktop.views.formatting import Formatter


class DataBus(QObject):
    """One 'data changed' signal for the whole window: which tables, which ids."""

    # frozenset[str] of table names, frozenset[uuid.UUID] of ids (may be empty: "any").
    data_changed = Signal(object, object)
    # A request to show records in their tab: the list name (db/list_queries.py, e.g.
    # "payment_schedules") and a dict of filters that tab understands (e.g. {"bucket": "31-60"}).
    open_list = Signal(str, object)

    def announce(self, tables: Iterable[str], ids: Iterable[uuid.UUID] = ()) -> None:
        self.data_changed.emit(frozenset(tables), frozenset(ids))

    def show_records(self, list_name: str, filters: dict[str, object] | None = None) -> None:
        self.open_list.emit(list_name, dict(filters or {}))


@dataclass
class TabContext:
    engine: Engine
    sessions: sessionmaker[Session]
    actor: Actor
    formatter: Formatter
    bus: DataBus
