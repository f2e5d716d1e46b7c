"""Long work with progress and Cancel, off the UI thread: views.workers' ``QueryOp`` plus a
progress channel, a cancel flag and a pool of its own to wait on before closing.

``TaskRunner.start(work, on_done, on_failed, on_progress)`` runs ``work(progress, cancel)``
on a pool thread; ``progress`` may be called from there with any plain value, ``cancel`` is
a ``threading.Event`` the UI sets to ask the work to stop. The callbacks run on the UI
thread. Only plain data should cross. Work that needs the database is wrapped with
:func:`in_session`, which gives it a Session of its own (views never open one themselves).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.services.common.changes import take_committed
from portal_desktop.views.workers import QueryOp

Work = Callable[[Callable[[Any], None], threading.Event], Any]
SessionWork = Callable[[Session, Callable[[Any], None], threading.Event], Any]


def in_session(
    sessions: sessionmaker[Session], work: SessionWork, *, changes: bool = False
) -> Work:
    """``work(session, progress, cancel)`` as a task with a Session of its own (closed at the
    end); with ``changes`` the task returns ``(result, Changes)``: what its unit of work
    committed, for the data-changed bus (``services.common.changes``)."""

    def task(progress: Callable[[Any], None], cancel: threading.Event) -> Any:
        with sessions() as session:
            result = work(session, progress, cancel)
            return (result, take_committed(session)) if changes else result

    return task


class _Progress(QObject):
    """Lives on the UI thread: a value emitted from the pool thread arrives queued."""

    reported = Signal(object)


class TaskRunner(QObject):
    """Runs one task at a time on its own pool; ``busy`` while one runs."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._running = False
        self.cancel_event = threading.Event()

    @property
    def busy(self) -> bool:
        return self._running

    def start(
        self,
        work: Work,
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException], None],
        on_progress: Callable[[Any], None] | None = None,
    ) -> None:
        cancel = self.cancel_event = threading.Event()
        relay = _Progress(self)
        if on_progress is not None:
            relay.reported.connect(on_progress)

        def finish(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            def report(value: Any) -> None:
                self._running = False
                relay.deleteLater()
                callback(value)

            return report

        self._running = True
        op = QueryOp(None, lambda: work(relay.reported.emit, cancel), parent=self, pool=self._pool)
        op.success(finish(on_done)).failure(finish(on_failed)).run()

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the running task (if any) is over, e.g. before closing."""
        return self._pool.waitForDone(msecs)
