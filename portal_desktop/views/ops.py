"""The two ways a screen runs database work: :class:`ReadOp` and :class:`WriteOp`.

Both run a function of a Session on a pool thread (``views.workers.QueryOp``) and answer on
the UI thread, so the window never waits on the database (the pattern of Anki's
``QueryOp``/``CollectionOp``)::

    ReadOp(ctx, lambda session: lead_detail(session, lead_id), parent=self).success(
        self.show_detail
    ).run()

    WriteOp(ctx, lambda session: leads.set_status(session, actor, lead_id, status),
            parent=self).success(self.saved).failure(self.errors.show).run()

A read op's Session is rolled back at the end: it cannot write by mistake. A write op calls
one service (one use case, one transaction); after it commits, the op calls ``success`` with
the service's result and then announces on ``ctx.bus`` exactly what the unit of work changed
(``services.common.changes``: tables, ids, the rollups and the audit rows). No screen
keeps its own list of the tables it thinks it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QObject
from sqlalchemy.orm import Session

from portal_desktop.services.common.changes import Changes, take_committed
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.workers import QueryOp

T = TypeVar("T")


class ReadOp(QueryOp[T]):
    """``fn(session) -> T`` on a pool thread, nothing written; answers on the UI thread."""

    def __init__(
        self, ctx: TabContext, fn: Callable[[Session], T], *, parent: QObject | None = None
    ) -> None:
        def read(session: Session) -> T:
            try:
                return fn(session)
            finally:
                session.rollback()

        super().__init__(ctx.sessions, read, parent=parent)


class WriteOp(QueryOp[T]):
    """``fn(session) -> T`` (one service call) on a pool thread; once it committed,
    ``success(T)`` runs on the UI thread and the change is announced on the bus."""

    def __init__(
        self, ctx: TabContext, fn: Callable[[Session], T], *, parent: QObject | None = None
    ) -> None:
        self._ctx = ctx
        self._owner = parent  # the bus hears of the change even when the owner is gone
        self.changes = Changes()  # what the write changed, once it succeeded

        def write(session: Session) -> tuple[T, Changes]:
            result = fn(session)
            session.commit()  # a no-op after a use case, which commits itself
            return result, take_committed(session)

        super().__init__(ctx.sessions, write)  # type: ignore[arg-type]

    def success(self, callback: Callable[[T], None]) -> WriteOp[T]:
        def announce_then(outcome: tuple[T, Changes]) -> None:
            result, self.changes = outcome
            try:
                if self._owner is None or shiboken6.isValid(self._owner):
                    callback(result)
            finally:  # then every screen hears of it (as Anki fires its change hooks)
                if self.changes and shiboken6.isValid(self._ctx.bus):
                    self._ctx.bus.announce(self.changes.tables, self.changes.ids)

        super().success(announce_then)  # type: ignore[arg-type]
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> WriteOp[T]:
        def if_owner_alive(error: BaseException) -> None:
            if self._owner is None or shiboken6.isValid(self._owner):
                callback(error)

        super().failure(if_owner_alive)
        return self

    def run(self, priority: int = 0) -> WriteOp[T]:
        if self._on_success is None:
            self.success(lambda _result: None)  # still announce what changed
        super().run(priority)
        return self
