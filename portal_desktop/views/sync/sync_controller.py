"""Runs the sync in the background and on request (F9, File → Sync now), never on the UI
thread, and says how it went.

:class:`SyncController` calls the injected ``sync_now()`` (push then pull, returning a
``SyncResult``) on a pool thread of its own. While the server answers, a LISTEN wake-up (the
injected ``listen(timeout_s) -> bool``, True when the server announced a change) starts a sync
within a second, and a slow poll (:data:`POLL_MS`) is the fallback; while it does not, the
next attempt backs off 1 s, 2 s, 4 s … up to 60 s (:func:`backoff_ms`). After each attempt the
replica's status (``services.sync.status.sync_status``) is read again in a worker.

:func:`install` puts it in a main window: the status bar part (views/sync/status_bar.py),
File → Sync now with its keys from views/shortcuts.py, the Conflicts dialog on a click, and
"read every opened tab again" after a sync that brought or sent something.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from portal_desktop.services.sync.status import (
    SyncResult,
    SyncStatus,
    error_words,
    is_unreachable,
    sync_status,
)
from portal_desktop.views import shortcuts
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.sync.conflicts_dialog import ConflictsDialog, Load, Resolve
from portal_desktop.views.sync.status_bar import FAILED, OFFLINE, ONLINE, SYNCING, SyncStatusBar
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.toast import show_toast
from portal_desktop.views.workers import QueryOp

POLL_MS = 60_000  # the slow poll while online, should a LISTEN wake-up be missed
FIRST_BACKOFF_MS = 1_000
MOST_BACKOFF_MS = 60_000
LISTEN_TIMEOUT_S = 1.0  # one LISTEN wait; the next starts at once (a stop waits at most this)

SyncNow = Callable[[], SyncResult]
Listen = Callable[[float], bool]


def backoff_ms(failures: int) -> int:
    """The wait before the next attempt after ``failures`` failed ones in a row: 1 s, 2 s,
    4 s … 60 s at most."""
    return min(MOST_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** max(0, failures - 1))


def result_words(result: SyncResult) -> str:
    """ "Synced: 3 changes sent, 12 received, 1 new conflict." """
    sent = f"{result.pushed:,} change{'' if result.pushed == 1 else 's'} sent"
    conflicts = (
        f", {result.conflicts:,} new conflict{'' if result.conflicts == 1 else 's'}"
        if result.conflicts
        else ""
    )
    return f"Synced: {sent}, {result.pulled:,} received{conflicts}."


class SyncController(QObject):
    """One sync at a time; a request while one runs makes one more run after it."""

    mode_changed = Signal(str, str)  # mode (status_bar's ONLINE …), the error in words
    status_changed = Signal(object)  # SyncStatus
    synced = Signal(object)  # SyncResult

    def __init__(
        self,
        ctx: TabContext,
        sync_now: SyncNow,
        *,
        listen: Listen | None = None,
        poll_ms: int = POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sync_now = sync_now
        self.listen = listen
        self.poll_ms = poll_ms
        self.mode = ONLINE
        self.running = False
        self.again = False
        self.failures = 0
        self.asked_by_person = False
        self.stopped = False
        self.listening = False
        self.status: SyncStatus | None = None
        self._pool = QThreadPool(self)  # the sync and the LISTEN wait: never the shared pool
        self._pool.setMaxThreadCount(2)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sync)

    # --- running ------------------------------------------------------------------------

    def start(self) -> None:
        """Show the status and sync once now (then the timer, LISTEN and F9 take over)."""
        self.read_status()
        self.sync()

    def sync_by_person(self) -> None:
        """F9 / File → Sync now: the same sync, with the outcome said in a toast."""
        self.asked_by_person = True
        if not self.running and self._toast_widget() is not None:
            show_toast(self._toast_widget(), "Syncing…")
        self.sync()

    def sync(self) -> None:
        if self.stopped:
            return
        if self.running:
            self.again = True
            return
        self.running, self.again = True, False
        self.timer.stop()
        self._set_mode(SYNCING)
        QueryOp(None, self.sync_now, parent=self, pool=self._pool).success(self._done).failure(
            self._failed
        ).run()

    def _done(self, result: SyncResult) -> None:
        self.running, self.failures = False, 0
        self._set_mode(ONLINE)
        if self.asked_by_person or result.conflicts:
            self._say(result_words(result), failed=False)
        self.synced.emit(result)
        self._after_attempt(self.poll_ms)
        self._listen()

    def _failed(self, error: BaseException) -> None:
        self.running = False
        self.failures += 1
        words = error_words(error)
        self._set_mode(OFFLINE if is_unreachable(error) else FAILED, words)
        if self.asked_by_person:
            self._say(f"Could not sync: {words}", failed=True)
        self._after_attempt(backoff_ms(self.failures))

    def _after_attempt(self, wait_ms: int) -> None:
        self.asked_by_person = False
        self.read_status()
        if self.again:
            self.sync()
        elif not self.stopped:
            self.timer.start(wait_ms)

    def stop(self, wait_ms: int = 5_000) -> None:
        """No more syncs or LISTEN waits; waits for the one running (closing the window)."""
        self.stopped = True
        self.timer.stop()
        self._pool.waitForDone(wait_ms)

    # --- LISTEN wake-up -----------------------------------------------------------------

    def _listen(self) -> None:
        if self.listen is None or self.listening or self.stopped:
            return
        self.listening = True
        listen = self.listen
        QueryOp(None, lambda: listen(LISTEN_TIMEOUT_S), parent=self, pool=self._pool).success(
            self._heard
        ).failure(self._deaf).run()

    def _heard(self, changed: bool) -> None:
        self.listening = False
        if changed:
            self.sync()  # its success listens again
        elif self.mode == ONLINE:
            self._listen()

    def _deaf(self, _error: BaseException) -> None:
        self.listening = False  # the server went away: the back-off's syncs find out

    # --- status -------------------------------------------------------------------------

    def read_status(self) -> None:
        ReadOp(self.ctx, sync_status, parent=self).success(self._show_status).run()

    def _show_status(self, status: SyncStatus) -> None:
        self.status = status
        self.status_changed.emit(status)

    def _set_mode(self, mode: str, error: str = "") -> None:
        self.mode = mode
        self.mode_changed.emit(mode, error)

    def _toast_widget(self) -> QMainWindow | None:
        parent = self.parent()
        return parent if isinstance(parent, QMainWindow) and shiboken6.isValid(parent) else None

    def _say(self, words: str, *, failed: bool) -> None:
        widget = self._toast_widget()
        if widget is not None:
            show_toast(widget, words, failed=failed)


def install(
    window: QMainWindow,
    controller: SyncController,
    load: Load,
    resolve: Resolve,
    *,
    refresh: Callable[[], object] | None = None,
) -> SyncStatusBar:
    """Put the sync in ``window``: its status bar part, File → Sync now (F9), the conflicts
    link opening the Conflicts dialog over ``load`` / ``resolve`` (PUSH's open_conflicts and
    resolve), and ``refresh`` (the window's "read every opened tab again") after a sync that
    changed something. Returns the status bar part."""
    bar = SyncStatusBar(controller.ctx.formatter.tz, window)
    window.statusBar().addPermanentWidget(bar)
    controller.mode_changed.connect(bar.show_mode)
    controller.status_changed.connect(bar.show_status)

    def open_conflicts() -> ConflictsDialog:
        dialog = ConflictsDialog(controller.ctx, load, resolve, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resolved.connect(lambda _choice: controller.read_status())
        dialog.open()
        return dialog

    bar.conflicts_requested.connect(open_conflicts)
    action = QAction("S&ync now", window)
    action.setObjectName("syncNowAction")
    action.setShortcuts(shortcuts.sequences("sync_now"))
    action.triggered.connect(controller.sync_by_person)
    _file_menu(window).insertAction(_first_action(_file_menu(window)), action)
    window.addAction(action)  # F9 wherever the focus is
    if refresh is not None:
        controller.synced.connect(lambda result: _refresh_if_changed(result, refresh))
    closed = getattr(window, "closed", None)  # MainWindow's: no sync outlives the window
    if closed is not None:
        closed.connect(controller.stop)
    return bar


def _refresh_if_changed(result: SyncResult, refresh: Callable[[], object]) -> None:
    if result.pushed or result.pulled or result.conflicts:
        refresh()


def _file_menu(window: QMainWindow) -> QMenu:
    menus: Sequence[QMenu] = [a.menu() for a in window.menuBar().actions() if a.menu()]
    return next((m for m in menus if m.title().replace("&", "") == "File"), menus[0])


def _first_action(menu: QMenu) -> QAction | None:
    actions = menu.actions()
    return actions[1] if len(actions) > 1 else None  # after File → Connection…
