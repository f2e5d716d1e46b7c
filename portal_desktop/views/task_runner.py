"""Long work off the UI thread: a function run by a QThreadPool, reporting on the UI thread.

``TaskRunner.start(fn, on_done, on_failed, on_progress)`` runs ``fn(progress, cancel)`` on
a pool thread; ``progress`` may be called from there with any plain value, ``cancel`` is a
``threading.Event`` the UI sets to ask the work to stop. The callbacks run on the UI thread
(queued signals). Only plain data should cross: the function opens its own Session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

Work = Callable[[Callable[[Any], None], threading.Event], Any]


class _Signals(QObject):
    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, work: Work, cancel: threading.Event) -> None:
        super().__init__()
        self.signals = _Signals()
        self._work = work
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self.signals.progress.emit, self._cancel)
        except Exception as exc:  # handed to the UI thread, shown there
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class TaskRunner(QObject):
    """Runs one task at a time on its own pool; ``busy`` while one runs."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._task: _Task | None = None
        self.cancel_event = threading.Event()

    @property
    def busy(self) -> bool:
        return self._task is not None

    def start(
        self,
        work: Work,
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException], None],
        on_progress: Callable[[Any], None] | None = None,
    ) -> None:
        self.cancel_event = threading.Event()
        task = _Task(work, self.cancel_event)
        task.setAutoDelete(False)
        task.signals.done.connect(lambda result: self._finish(on_done, result))
        task.signals.failed.connect(lambda error: self._finish(on_failed, error))
        if on_progress is not None:
            task.signals.progress.connect(on_progress)
        self._task = task
        self._pool.start(task)

    def _finish(self, callback: Callable[[Any], None], value: Any) -> None:
        self._task = None
        callback(value)

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the running task (if any) is over, e.g. before closing."""
        return self._pool.waitForDone(msecs)
