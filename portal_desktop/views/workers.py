"""Database work off the UI thread: ``QueryOp`` runs a function with its own Session.

The function runs on a QThreadPool thread with a fresh Session (one per worker, closed when
it ends: committed if the function returns, rolled back if it raises; ``@use_case``
services called inside commit as usual); its result goes to
``.success()`` and any exception to ``.failure()``, both called on the UI thread through
queued signals. Only plain data should cross: return tuples, dicts, Decimals, ids — never
ORM objects bound to the worker's Session. Example::

    from portal_desktop.views.workers import QueryOp

    def load(session: Session) -> list[tuple[str, int]]:
        return [tuple(r) for r in session.execute(select(Lead.status, func.count())
                                                  .group_by(Lead.status))]

    QueryOp(ctx.sessions, load, parent=self).success(self.show_counts).failure(
        self.show_error
    ).run()

``parent`` (a QObject, typically the widget): when it is destroyed before the work ends,
the callbacks are not called. ``OpGeneration`` helps a screen ignore stale results: its
``next()`` hands out tickets and ``is_current(ticket)`` tells whether a
newer request has been made since.

``run_in_worker(fn, ...)`` is the same for a function that needs no Session.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

# Ops started and not yet reported: keeps their relays alive while their thread runs.
_LIVE: set[_Relay] = set()


class _Relay(QObject):
    """Lives on the UI thread; its signals carry the worker's result back there (queued:
    the receiver is this object, which lives on the thread that started the op)."""

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, report: Callable[[bool, Any], None]) -> None:
        super().__init__()
        self._report = report
        # The job's Python object, kept while it waits for a thread: PySide does not always
        # keep a queued QRunnable's wrapper alive (seen with jobs queued by priority).
        self.job: _Job | None = None
        self.succeeded.connect(self._on_succeeded)
        self.failed.connect(self._on_failed)

    @Slot(object)
    def _on_succeeded(self, value: Any) -> None:
        self._report(True, value)

    @Slot(object)
    def _on_failed(self, error: Any) -> None:
        self._report(False, error)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # a pool thread must not raise: hand it to the UI thread
            with contextlib.suppress(RuntimeError):  # the app is shutting down
                self._relay.failed.emit(exc)
        else:
            with contextlib.suppress(RuntimeError):
                self._relay.succeeded.emit(result)


class QueryOp(Generic[T]):
    """``fn(session) -> T`` on a pool thread; ``success(T)`` / ``failure(exc)`` on the UI."""

    def __init__(
        self,
        sessions: sessionmaker[Session] | None,
        fn: Callable[[Session], T] | Callable[[], T],
        *,
        parent: QObject | None = None,
        pool: QThreadPool | None = None,
    ) -> None:
        self._sessions = sessions
        self._fn = fn
        self._parent = parent
        self._pool = pool or QThreadPool.globalInstance()
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self.done = threading.Event()  # set once the callback has run (for tests/closing)

    def success(self, callback: Callable[[T], None]) -> QueryOp[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> QueryOp[T]:
        self._on_failure = callback
        return self

    def run(self, priority: int = 0) -> QueryOp[T]:
        """Start the work; returns at once. A higher ``priority`` goes ahead of the jobs
        still waiting for a thread (QThreadPool's order), e.g. what a screen shows first."""
        relay = _Relay(lambda ok, value: self._report(relay, ok, value))
        _LIVE.add(relay)
        relay.job = _Job(self._call, relay)
        self._pool.start(relay.job, priority)
        return self

    def _call(self) -> T:
        if self._sessions is None:
            return self._fn()  # type: ignore[call-arg]
        with self._sessions() as session:  # closing rolls back what was not committed
            result = self._fn(session)  # type: ignore[call-arg]
            session.commit()  # a no-op after a use case, which commits itself
            return result

    def _report(self, relay: _Relay, ok: bool, value: Any) -> None:
        _LIVE.discard(relay)
        callback = self._on_success if ok else self._on_failure
        try:
            if self._parent is not None and not shiboken6.isValid(self._parent):
                return  # the screen that asked is gone
            if callback is not None:
                callback(value)
            elif isinstance(value, BaseException):
                raise value  # nobody listens for failures: let it surface (sys.excepthook)
        finally:
            self.done.set()


def run_in_worker(
    fn: Callable[[], T],
    *,
    on_success: Callable[[T], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    parent: QObject | None = None,
) -> QueryOp[T]:
    """Run a function without a Session on a pool thread (see :class:`QueryOp`)."""
    op: QueryOp[T] = QueryOp(None, fn, parent=parent)
    if on_success is not None:
        op.success(on_success)
    if on_failure is not None:
        op.failure(on_failure)
    return op.run()


class OpGeneration:
    """Tickets for requests, so a screen shows only the answer to its latest one."""

    def __init__(self) -> None:
        self._current = 0

    def next(self) -> int:
        self._current += 1
        return self._current

    def is_current(self, ticket: int) -> bool:
        return ticket == self._current
