"""A dropped connection to the shared PostgreSQL: a banner, reconnect attempts, what did not save.

:class:`ConnectionMonitor` hears every database error of the engine (SQLAlchemy's
``handle_error`` event, from any thread): a connection that could not be made or was cut
marks the connection lost; a write cut that way (INSERT, UPDATE, DELETE) is reported as not
saved, naming its table. While lost, and every ``HEARTBEAT_MS`` otherwise, a worker thread
tries ``SELECT 1``; the first that works marks the connection restored. The local SQLite file
cannot drop, so it is not watched.

:class:`ConnectionBanner` shows all this above the tabs without blocking anything: the
problem, that the app is reconnecting, and the list of edits that did not save (kept, until
dismissed, after the connection is back, since the user has to make them again).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from portal_desktop.db.engine import describe, ping

HEARTBEAT_MS = 15_000
RETRY_MS = 3_000
_WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
_VERBS = {"INSERT": "a new row in {}", "UPDATE": "a change to {}", "DELETE": "a deletion in {}"}


def unsaved_description(statement: str | None) -> str | None:
    """'a new row in leads' for an INSERT into leads; None for a statement that writes nothing."""
    match = _WRITE.match(statement or "")
    if match is None:
        return None
    verb = match.group(1).split()[0].upper()
    return _VERBS[verb].format(match.group(2))


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


class ConnectionMonitor(QObject):
    lost = Signal(str)  # the problem in words
    restored = Signal()
    unsaved = Signal(str)  # what did not save, e.g. "a new row in leads"
    # Emitted from any thread; delivered in the monitor's thread.
    _error_seen = Signal(str, object)
    _probe_done = Signal(object)  # None: the database answered; else the problem

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.where = describe(engine.url)
        self.is_lost = False
        self.active = engine.url.get_backend_name() != "sqlite"
        self._probing = False
        self._error_seen.connect(self._on_error_seen)
        self._probe_done.connect(self._on_probe_done)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check_now)
        if self.active:
            event.listen(engine, "handle_error", self._handle_error)
            self.timer.start(HEARTBEAT_MS)

    def stop(self) -> None:
        self.timer.stop()
        if self.active and event.contains(self.engine, "handle_error", self._handle_error):
            event.remove(self.engine, "handle_error", self._handle_error)

    def _handle_error(self, context: ExceptionContext) -> None:
        """SQLAlchemy's hook, in whatever thread failed: pass plain data on to Qt."""
        if context.is_disconnect or context.connection is None:
            problem = _first_line(context.original_exception)
            self._error_seen.emit(problem, unsaved_description(context.statement))

    def _on_error_seen(self, problem: str, unsaved: object) -> None:
        if isinstance(unsaved, str):
            self.unsaved.emit(unsaved)
        self._set_lost(problem)

    def _set_lost(self, problem: str) -> None:
        if not self.is_lost:
            self.is_lost = True
            self.timer.start(RETRY_MS)
        self.lost.emit(problem)

    def check_now(self) -> None:
        """Try the database once, in a worker thread; the answer comes back as a signal."""
        if not self.active or self._probing:
            return
        self._probing = True
        QThreadPool.globalInstance().start(self._probe)

    def _probe(self) -> None:
        self._probe_done.emit(ping(self.engine))  # None: it answered

    def _on_probe_done(self, problem: object) -> None:
        self._probing = False
        if problem is None:
            if self.is_lost:
                self.is_lost = False
                self.timer.start(HEARTBEAT_MS)
                self.restored.emit()
        else:
            self._set_lost(str(problem))


class ConnectionBanner(QFrame):
    """The non-blocking strip above the tabs that tells about a lost connection."""

    def __init__(self, monitor: ConnectionMonitor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionBanner")
        self.monitor = monitor
        self.not_saved: list[str] = []
        self.label = QLabel(self)
        self.label.setObjectName("connectionBannerText")
        self.label.setWordWrap(True)
        self.dismiss = QPushButton("Dismiss", self)
        self.dismiss.setObjectName("dismissBanner")
        self.dismiss.clicked.connect(self._dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss)
        monitor.lost.connect(self._on_lost)
        monitor.restored.connect(self._on_restored)
        monitor.unsaved.connect(self._on_unsaved)
        self.problem = ""
        self.hide()

    def _on_lost(self, problem: str) -> None:
        self.problem = problem
        self._show()

    def _on_unsaved(self, what: str) -> None:
        self.not_saved.append(what)
        self._show()

    def _on_restored(self) -> None:
        self.problem = ""
        if self.not_saved:
            self._show()
        else:
            self.hide()

    def _show(self) -> None:
        parts = []
        if self.problem:
            parts.append(
                f"The connection to {self.monitor.where} was lost ({self.problem}). "
                "Reconnecting… You can keep reading what is on screen."
            )
        else:
            parts.append(f"Reconnected to {self.monitor.where}.")
        if self.not_saved:
            parts.append(
                "Not saved, please make again: " + "; ".join(dict.fromkeys(self.not_saved)) + "."
            )
        self.label.setText(" ".join(parts))
        self.dismiss.setVisible(not self.problem)
        self.show()

    def _dismiss(self) -> None:
        self.not_saved.clear()
        self.hide()
