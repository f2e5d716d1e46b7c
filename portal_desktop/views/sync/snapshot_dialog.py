"""The first connect of an offline-capable profile: the database copied to this computer,
with a progress bar, rows copied, time left and Cancel.

``take(progress, cancelled)`` is the injected snapshot (PULL's ``snapshot.take_snapshot``
with the server, path and login bound); it runs on the dialog's own worker
(views/task_runner.py), calls ``progress(done, total)`` as rows arrive and stops when
``cancelled()`` answers True (leaving no file, per its contract). ``replica`` is what it
returned once the dialog is accepted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.db.profiles import Profile
from portal_desktop.errors import PortalError
from portal_desktop.views import a11y
from portal_desktop.views.task_runner import TaskRunner

Progress = Callable[[int, int], None]
Take = Callable[[Progress, Callable[[], bool]], Any]
REPORT_EVERY_S = 0.1  # at most ten updates a second cross to the UI thread
CANCELLED = "Cancelled: nothing was kept on this computer. Connect again to make the copy."


def needs_snapshot(profile: Profile) -> bool:
    """True for an offline-capable profile that has no copy on this computer yet."""
    return profile.offline and not profile.replica_file.exists()


def time_left_words(seconds: float) -> str:
    if seconds < 60:
        return "less than a minute left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60:02d} min left"


def progress_words(done: int, total: int, elapsed_s: float) -> str:
    """ "12,000 of 50,000 rows · about 2 min left" (no estimate before the first rows)."""
    text = f"{done:,} of {total:,} rows"
    if done and total > done:
        text += " · " + time_left_words(elapsed_s * (total - done) / done)
    return text


class SnapshotDialog(QDialog):
    """Starts copying when shown; accepts once the copy is made, rejects on Cancel."""

    def __init__(self, take: Take, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("snapshotDialog")
        self.setWindowTitle("Copying the database to this computer")
        self.setMinimumWidth(460)
        self.take = take
        self.replica: Any = None
        self.error = ""
        self.started_at = 0.0
        self.note = QLabel(
            "This profile keeps a copy on this computer, to work without the server. "
            "The first copy is being made.",
            self,
        )
        self.note.setWordWrap(True)
        self.bar = a11y.named(QProgressBar(self), "Rows copied")
        self.bar.setObjectName("snapshotProgress")
        self.bar.setRange(0, 0)  # busy until the first count
        self.rows = QLabel("Starting…", self)
        self.rows.setObjectName("snapshotRows")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button: QPushButton = self.buttons.button(
            QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        for widget in (self.note, self.bar, self.rows, self.buttons):
            layout.addWidget(widget)
        self.runner = TaskRunner(self)

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.runner.start(self._work, self._done, self._failed, self._show)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self.runner.busy and self.replica is None and not self.error:
            self.start()

    def _work(self, report: Callable[[Any], None], cancel: threading.Event) -> Any:
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= REPORT_EVERY_S or done >= total:
                last = now
                report((done, total))

        return self.take(progress, cancel.is_set)

    def _show(self, counts: tuple[int, int]) -> None:
        done, total = counts
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))
        self.rows.setText(progress_words(done, total, time.monotonic() - self.started_at))

    def cancel(self) -> None:
        """Cancel: the copy stops (and leaves no file); the dialog closes once it has."""
        if not self.runner.busy:
            self.reject()
            return
        self.runner.cancel()
        self.cancel_button.setEnabled(False)
        self.rows.setText("Cancelling…")

    def _done(self, replica: Any) -> None:
        if self.runner.cancel_event.is_set():
            self.error = CANCELLED
            self.reject()
            return
        self.replica = replica
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if self.runner.cancel_event.is_set():
            self.error = CANCELLED
            self.reject()
            return
        self.error = str(error) if isinstance(error, PortalError) else f"The copy failed: {error}"
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.rows.setText(self.error)
        self.cancel_button.setText("Close")
        self.cancel_button.setEnabled(True)
