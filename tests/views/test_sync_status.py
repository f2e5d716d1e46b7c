"""The sync in a main window over a real replica: the status bar's words (the same function
as ``sync_status``), F9 / File → Sync now in a worker with its toast, back-off while the
server does not answer, the LISTEN wake-up and the slow poll."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop import clock
from portal_desktop.db.engine import session_factory
from portal_desktop.db.replica_tables import sync_outbox, sync_state
from portal_desktop.errors import DatabaseUnreachableError
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sync.conflicts import open_conflicts
from portal_desktop.services.sync.status import SyncResult, status_words, sync_status
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.sync.conflicts_dialog import ConflictsDialog
from portal_desktop.views.sync.status_bar import OFFLINE, ONLINE, SYNCING, SyncStatusBar
from portal_desktop.views.sync.sync_controller import (
    MOST_BACKOFF_MS,
    SyncController,
    backoff_ms,
    install,
)
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.toast import toast_of
from tests import ui_replica
from tests.shell_helpers import generic_tabs, temp_settings  # noqa: F401

replica = ui_replica.replica
replica_sessions = ui_replica.replica_sessions


class Server:
    """A stand-in for push + pull that acts on the replica's real tables: it takes the
    outbox's change sets as pushed and stamps the sync, or does not answer."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.up = True
        self.calls: list[str] = []  # the thread each sync ran on
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self) -> SyncResult:
        self.calls.append(threading.current_thread().name)
        self.gate.wait(10)
        if not self.up:
            raise DatabaseUnreachableError("The server at office:5432 did not answer.")
        with self.sessions() as session:
            pushed = len(set(session.scalars(select(sync_outbox.c.txn_id))))
            session.execute(delete(sync_outbox))
            session.execute(delete(sync_state).where(sync_state.c.key == "last_sync_at"))
            session.execute(
                sync_state.insert().values(key="last_sync_at", value=clock.now().isoformat())
            )
            session.commit()
        return SyncResult(pushed=pushed, pulled=4, conflicts=0)


@pytest.fixture
def ctx(replica: Engine) -> TabContext:
    return TabContext(
        replica, session_factory(replica), SYSTEM, Formatter("USD", dt.UTC), DataBus()
    )


@pytest.fixture
def server(replica_sessions: sessionmaker[Session]) -> Server:
    return Server(replica_sessions)


@pytest.fixture
def window(qtbot, ctx: TabContext, temp_settings, generic_tabs) -> Iterator[MainWindow]:  # noqa: F811
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win


def _installed(
    window: MainWindow, server: Server, **kwargs
) -> tuple[SyncController, SyncStatusBar]:
    controller = SyncController(window.ctx, server, parent=window, **kwargs)
    bar = install(
        window,
        controller,
        open_conflicts,
        ui_replica.Resolutions([]),
        refresh=window.refresh,
    )
    return controller, bar


def test_the_bar_shows_sync_status_in_its_words(qtbot, ctx, replica_sessions) -> None:
    with replica_sessions() as session:
        for _ in range(3):
            ui_replica.add_change_set(session)
        ui_replica.add_conflict(session, "same_field", {}, {})
        ui_replica.add_conflict(session, "rule", {}, {})
        session.execute(
            sync_state.insert().values(key="last_sync_at", value="2026-12-04T14:02:00+00:00")
        )
        session.commit()
        status = sync_status(session)
    controller = SyncController(ctx, lambda: SyncResult())
    bar = SyncStatusBar(dt.UTC)
    qtbot.addWidget(bar)
    controller.status_changed.connect(bar.show_status)
    controller.read_status()
    qtbot.waitUntil(lambda: bar.status is not None, timeout=5_000)
    assert bar.status == status  # the bar's numbers are sync_status's
    today = clock.today(dt.UTC)
    assert bar.texts() == ["Online", *status_words(status, dt.UTC, today)]
    assert bar.texts()[1] == "3 changes waiting" and bar.texts()[-1] == "2 conflicts"
    with qtbot.waitSignal(bar.conflicts_requested, timeout=1_000):
        bar.conflicts_button.click()
    assert "Conflicts dialog" in bar.conflicts_button.accessibleName()


def test_f9_syncs_in_a_worker_says_syncing_then_the_counts(qtbot, window, server, replica_sessions):
    with replica_sessions() as session:
        ui_replica.add_change_set(session, changes=2)
        ui_replica.add_change_set(session)
    server.gate.clear()  # the sync waits until the test has seen "Syncing…"
    controller, bar = _installed(window, server)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_F9)
    assert bar.mode_label.text() == "Syncing…" and controller.mode == SYNCING
    assert toast_of(window).text.text() == "Syncing…"
    server.gate.set()
    qtbot.waitUntil(lambda: controller.mode == ONLINE and not controller.running, timeout=5_000)
    assert server.calls and server.calls[0] != threading.main_thread().name
    assert toast_of(window).text.text() == "Synced: 2 changes sent, 4 received."
    qtbot.waitUntil(lambda: bar.status is not None and bar.status.waiting == 0, timeout=5_000)
    assert bar.last_label.text().startswith("Last sync ")
    action = window.findChild(type(window.undo_action), "syncNowAction")
    assert (
        action.text().replace("&", "") == "Sync now"
        and action in window.menuBar().actions()[0].menu().actions()
    )
    window.close()  # closing the window stops the sync: no timer left to fire
    assert controller.stopped and not controller.timer.isActive()


def test_offline_backs_off_1_2_4_to_60_seconds_then_comes_back(qtbot, window, server) -> None:
    assert [backoff_ms(n) for n in range(1, 9)] == [
        1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]  # fmt: skip
    assert backoff_ms(50) == MOST_BACKOFF_MS
    server.up = False
    controller, bar = _installed(window, server, poll_ms=30_000)
    for expected in (1_000, 2_000, 4_000):
        controller.sync()
        qtbot.waitUntil(lambda: not controller.running, timeout=5_000)
        assert controller.mode == OFFLINE and controller.timer.interval() == expected
        assert controller.timer.isActive()
    assert bar.mode_label.text().startswith("Offline")
    assert "did not answer" in bar.mode_label.toolTip()
    server.up = True
    controller.sync()
    qtbot.waitUntil(lambda: controller.mode == ONLINE and not controller.running, timeout=5_000)
    assert controller.failures == 0 and controller.timer.interval() == 30_000
    controller.stop()


def test_a_listen_wake_up_syncs_within_a_second_and_the_slow_poll_without_one(
    qtbot, window, server
) -> None:
    woke = threading.Event()

    def listen(timeout: float) -> bool:
        if woke.wait(timeout):
            woke.clear()
            return True
        return False

    controller, _bar = _installed(window, server, listen=listen, poll_ms=60_000)
    controller.start()
    qtbot.waitUntil(lambda: len(server.calls) == 1 and not controller.running, timeout=5_000)
    woke.set()  # the server announced a change
    qtbot.waitUntil(lambda: len(server.calls) == 2, timeout=1_000)
    controller.stop()

    polled = SyncController(window.ctx, server, poll_ms=100, parent=window)
    polled.start()
    qtbot.waitUntil(lambda: len(server.calls) >= 4, timeout=5_000)  # no LISTEN: the poll
    polled.stop()


def test_the_conflicts_link_opens_the_dialog_and_a_choice_updates_the_bar(
    qtbot, window, server, replica_sessions
) -> None:
    with replica_sessions() as session:
        ui_replica.add_conflict(session, "same_field", {"phone": "1"}, {"phone": "2"})
        ui_replica.add_conflict(session, "deleted_here", {"phone": "1"}, {"phone": "3"})
    controller, bar = _installed(window, server)
    controller.read_status()
    qtbot.waitUntil(lambda: bar.conflicts_button.isVisible(), timeout=5_000)
    assert bar.conflicts_button.text() == "2 conflicts"
    bar.conflicts_button.click()
    dialog = window.findChild(ConflictsDialog)
    qtbot.waitUntil(lambda: dialog.loaded and dialog.list.count() == 2, timeout=5_000)
    dialog.buttons["theirs"].click()
    qtbot.waitUntil(lambda: bar.conflicts_button.text() == "1 conflict", timeout=5_000)
