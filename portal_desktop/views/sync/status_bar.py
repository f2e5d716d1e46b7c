"""The replica's part of the status bar: online / offline / syncing, changes waiting, the last
sync, and the open conflicts as a link that opens the Conflicts dialog.

Its numbers are ``services.sync.status.sync_status`` in that module's words, nothing else.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from portal_desktop import clock
from portal_desktop.services.sync.status import (
    SyncStatus,
    conflicts_words,
    last_sync_words,
    waiting_words,
)
from portal_desktop.views.a11y import named
from portal_desktop.views.theme import ERROR, NOTICE, tone

ONLINE, OFFLINE, SYNCING, FAILED = "online", "offline", "syncing", "failed"
MODE_WORDS = {
    ONLINE: "Online",
    OFFLINE: "Offline: working on this computer's copy",
    SYNCING: "Syncing…",
    FAILED: "Sync failed",
}
_LINK = (
    "QPushButton#syncConflicts { border: none; padding: 0; color: palette(link);"
    " text-decoration: underline; }"
)
MODE_TONES = {OFFLINE: NOTICE, FAILED: ERROR}  # online and syncing: plain text


class SyncStatusBar(QWidget):
    """Labels for the mode, the waiting changes and the last sync; a flat button for the
    conflicts (hidden when there are none)."""

    conflicts_requested = Signal()

    def __init__(self, tz: dt.tzinfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.tz = tz
        self.mode_label = named(QLabel(self), "Sync state")
        self.mode_label.setObjectName("syncMode")
        self.waiting_label = named(QLabel(self), "Changes waiting")
        self.waiting_label.setObjectName("syncWaiting")
        self.last_label = named(QLabel(self), "Last sync")
        self.last_label.setObjectName("syncLast")
        self.conflicts_button = QPushButton(self)
        self.conflicts_button.setObjectName("syncConflicts")
        self.conflicts_button.setStyleSheet(_LINK)
        self.conflicts_button.setToolTip("Open the Conflicts dialog")
        self.conflicts_button.clicked.connect(self.conflicts_requested)
        self.conflicts_button.hide()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        for widget in (self.mode_label, self.waiting_label, self.last_label):
            row.addWidget(widget)
        row.addWidget(self.conflicts_button)
        self.status: SyncStatus | None = None
        self.show_mode(ONLINE)

    def show_mode(self, mode: str, error: str = "") -> None:
        """Online, offline (``error``: why, as a tooltip), syncing or failed."""
        self.mode = mode
        self.mode_label.setText(MODE_WORDS[mode])
        self.mode_label.setProperty("mode", mode)
        self.mode_label.setToolTip(error)
        mode_tone = MODE_TONES.get(mode)
        if mode_tone is None:
            self.mode_label.setStyleSheet("")
        else:
            colours = tone(mode_tone, self.palette())
            self.mode_label.setStyleSheet(
                f"QLabel {{ background: {colours.fill.name()}; color: {colours.ink.name()};"
                " border-radius: 4px; padding: 1px 6px; }"
            )

    def show_status(self, status: SyncStatus) -> None:
        self.status = status
        today = clock.today(self.tz)
        self.waiting_label.setText(waiting_words(status.waiting))
        self.waiting_label.setVisible(bool(status.waiting))
        self.last_label.setText(last_sync_words(status.last_sync_at, self.tz, today))
        self.last_label.setToolTip(
            f"The last sync failed: {status.last_error}" if status.last_error else ""
        )
        words = conflicts_words(status.conflicts)
        self.conflicts_button.setText(words)
        self.conflicts_button.setAccessibleName(f"{words}: open the Conflicts dialog")
        self.conflicts_button.setVisible(bool(status.conflicts))

    def texts(self) -> list[str]:
        """What the bar shows, left to right (the visible parts)."""
        parts = [self.mode_label, self.waiting_label, self.last_label, self.conflicts_button]
        return [part.text() for part in parts if not part.isHidden() and part.text()]
