"""What a use case changed: the tables and the ids of the records it wrote.

The unit of work collects it itself (SQLAlchemy session events), so no service and no screen
keeps a hand-written list that can drift from what the code really writes:

- every object flushed as new, changed or deleted names its table and its id;
- an ``INSERT``/``UPDATE``/``DELETE`` statement run through ``Session.execute`` names its
  table (its ids are not known: the change then says "any record of that table");
- a change to a record the daily rollups are built from also names the rollup tables, and an
  audit row names ``audit_log`` (it is an object like any other).

What a transaction changed becomes visible when it commits; a rollback forgets it. A write
op (``views/ops.py``) runs one service and reads :func:`take_committed` afterwards; the
data-changed bus carries exactly that to every screen.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

# Tables whose rows the daily rollups are computed from (migration 0003's triggers)…
ROLLUP_SOURCES = frozenset(
    {"leads", "sales_calls", "enrollments", "installments", "payments", "students"}
)
# …and the rollup tables a change to any of them makes stale.
ROLLUP_TABLES = frozenset(
    {
        "lead_day_facts",
        "call_day_facts",
        "enrollment_day_facts",
        "cash_day_facts",
        "installment_due_facts",
        "lead_month_facts",
        "call_month_facts",
        "enrollment_month_facts",
        "cash_month_facts",
    }
)
# More ids than this in one change: say "any record of these tables" instead of listing them.
MAX_IDS = 10_000

_PENDING = "portal_changes_pending"
_COMMITTED = "portal_changes_committed"


@dataclass(frozen=True)
class Changes:
    """Tables and record ids changed; ``ids`` empty means "any record of ``tables``"."""

    tables: frozenset[str] = frozenset()
    ids: frozenset[uuid.UUID] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.tables)

    def __or__(self, other: Changes) -> Changes:
        if not self or not other:
            return self if self else other
        any_id = not self.ids or not other.ids  # "any" absorbs a list
        return changes(self.tables | other.tables, () if any_id else self.ids | other.ids)


def changes(tables: Iterable[str], ids: Iterable[uuid.UUID] = ()) -> Changes:
    """A :class:`Changes` with the rollup tables added when a rollup source is among
    ``tables``, and the ids collapsed to "any" when there are too many to list."""
    names = frozenset(tables)
    if names & ROLLUP_SOURCES:
        names |= ROLLUP_TABLES
    found = frozenset(ids)
    return Changes(names, found if len(found) <= MAX_IDS else frozenset())


class _Collector:
    """What one Session changed since its last commit (kept in ``session.info``)."""

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.ids: set[uuid.UUID] = set()
        self.any_id = False  # a statement changed rows whose ids are not known

    def note(self, table: str | None, record_id: Any = None) -> None:
        if table:
            self.tables.add(table)
        if isinstance(record_id, uuid.UUID) and len(self.ids) <= MAX_IDS:
            self.ids.add(record_id)

    def result(self) -> Changes:
        return changes(self.tables, () if self.any_id else self.ids)


def _pending(session: Session) -> _Collector:
    collector = session.info.get(_PENDING)
    if collector is None:
        collector = session.info[_PENDING] = _Collector()
    return collector


def note_written(session: Session, table: str) -> None:
    """A write the session cannot see (a bulk ``COPY`` or ``executemany`` on its Connection):
    any record of ``table``, part of the session's transaction like the rest."""
    collector = _pending(session)
    collector.note(table)
    collector.any_id = True


def take_committed(session: Session) -> Changes:
    """What this Session committed since the last call (and forget it)."""
    return session.info.pop(_COMMITTED, None) or Changes()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    collector = _pending(session)
    changed = [record for record in session.dirty if session.is_modified(record)]
    for record in (*session.new, *session.deleted, *changed):
        table = getattr(record, "__table__", None)
        collector.note(getattr(table, "name", None), getattr(record, "id", None))


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if name:
            note_written(state.session, name)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    collector = session.info.pop(_PENDING, None)
    if collector is not None and collector.tables:
        session.info[_COMMITTED] = take_committed(session) | collector.result()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
