"""Feedback that never blocks: one small message in a corner of the window.

A toast (bottom right of a main window; top right of a dialog, whose buttons are at its
bottom) says what just happened ("Saved the lead Jane Doe.", "Exported 1,204 rows to …"),
with, when there is one, a button for the next step: "Open folder" (the system's file
manager, through ``QDesktopServices``) after a file was written, "Undo" after a change that
can be taken back (:mod:`portal_desktop.views.undo`). Work that takes a while shows a
progress toast — a bar, what it is doing, and Cancel — but only once it has lasted
:data:`PROGRESS_AFTER_MS`: quick work never flickers it.

Success goes away after a while; a failure stays until closed. One toast per window: a new
message replaces the last one. Colours come from the palette (base, text, highlight) and a
failure carries the style's warning icon, so the toast follows the light or dark theme.

Use ``show_toast(widget, "Saved the lead Jane Doe.")``, ``show_toast(widget, text,
folder=path.parent)``, ``show_toast(widget, text, action=("Undo", callback))`` or
``start_progress(widget, "Exporting Pipeline…", cancel=callback)`` from any widget of the window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QToolButton,
    QWidget,
)

SUCCESS_MS = 15_000
PROGRESS_AFTER_MS = 500
WIDTH = 560
MARGIN = 12
NAME = "toast"
_STYLE = (
    "QFrame#toast { background: palette(base); border: 1px solid palette(dark);"
    " border-left: 4px solid palette(highlight); border-radius: 4px; }"
    " QLabel#toastText, QLabel#toastIcon { background: transparent; border: none;"
    " color: palette(text); }"
)
ICON_SIZE = 20
Action = tuple[str, Callable[[], object]]


class Toast(QFrame):
    """The message, its button ("Open folder", "Undo" or "Cancel"), a progress bar while
    work runs, and a close button."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName(NAME)
        self.setAccessibleName("Message")
        self.setStyleSheet(_STYLE)
        self.folder: Path | None = None
        self._action: Callable[[], object] | None = None
        self.icon = QLabel(self)  # a warning sign on a failure (the style's own icon)
        self.icon.setObjectName("toastIcon")
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.icon.setPixmap(warning.pixmap(ICON_SIZE, ICON_SIZE))
        self.icon.hide()
        self.text = QLabel(self)
        self.text.setObjectName("toastText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open folder", self)
        self.open_button.setObjectName("toastOpenFolder")
        self.open_button.clicked.connect(self.open_folder)
        self.action_button = QPushButton(self)
        self.action_button.setObjectName("toastAction")
        self.action_button.clicked.connect(self._run_action)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("toastProgress")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.progress.setAccessibleName("Progress")
        close = QToolButton(self)
        close.setObjectName("toastClose")
        close.setText("✕")
        close.setToolTip("Close this message")
        close.setAccessibleName("Close this message")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.icon, 0, 0)
        layout.addWidget(self.text, 0, 1)
        layout.addWidget(self.open_button, 0, 2)
        layout.addWidget(self.action_button, 0, 3)
        layout.addWidget(close, 0, 4)
        layout.addWidget(self.progress, 1, 1, 1, 3)
        layout.setColumnStretch(1, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self._grace = QTimer(self)  # a progress toast appears only when the work lasts
        self._grace.setSingleShot(True)
        self._grace.timeout.connect(self._appear)
        window.installEventFilter(self)
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind") or "")

    def show_message(
        self,
        kind: str,
        message: str,
        folder: Path | None = None,
        action: Action | None = None,
    ) -> None:
        """``kind`` is "saved" (goes away after a while) or "failed" (stays until closed)."""
        self._set(kind, message, folder, action)
        self.progress.hide()
        if kind == "saved":
            self._timer.start(SUCCESS_MS)
        self._appear()

    def show_progress(self, message: str, cancel: Callable[[], object] | None = None) -> None:
        """A bar (moving until :meth:`set_progress` gives a fraction) and Cancel, shown once
        the work has lasted :data:`PROGRESS_AFTER_MS`; a message after it replaces it."""
        self._set("progress", message, None, ("Cancel", cancel) if cancel else None)
        self.progress.setRange(0, 0)
        self.progress.show()
        if not self.isVisible():
            self._grace.start(PROGRESS_AFTER_MS)

    def set_progress(self, message: str, fraction: float | None = None) -> None:
        if self.kind != "progress":
            return  # the work ended (or another message came) before its last progress
        self.text.setText(message)
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        if self.isVisible():
            self._place()

    def end_progress(self) -> None:
        """The work ended without a message of its own (e.g. cancelled)."""
        if self.kind == "progress":
            self._grace.stop()
            self.setProperty("kind", "")
            self.hide()

    def open_folder(self) -> None:
        if self.folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def _run_action(self) -> None:
        action, self._action = self._action, None
        if self.kind != "progress":
            self.hide()
        if action is not None:
            action()

    def _set(self, kind: str, message: str, folder: Path | None, action: Action | None) -> None:
        self._timer.stop()
        self._grace.stop()
        self.folder = folder
        self.setProperty("kind", kind)
        self.text.setText(message)
        self.icon.setVisible(kind == "failed")
        self.open_button.setVisible(folder is not None)
        self._action = action[1] if action else None
        self.action_button.setText(action[0] if action else "")
        self.action_button.setVisible(action is not None)

    def _appear(self) -> None:
        self._place()
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.parent() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def _place(self) -> None:
        window = self.parentWidget()
        if window is None:
            return
        width = min(WIDTH, max(200, window.width() - 2 * MARGIN))
        layout = self.layout()
        layout.activate()
        height = layout.totalHeightForWidth(width)
        self.setFixedSize(width, height if height > 0 else self.sizeHint().height())
        if isinstance(window, QDialog):  # a dialog's buttons are at its bottom: keep them free
            self.move(window.width() - width - MARGIN, MARGIN)
            return
        self.move(
            window.width() - width - MARGIN,
            max(0, window.height() - self.height() - MARGIN - _status_bar_height(window)),
        )


def _status_bar_height(window: QWidget) -> int:
    status = getattr(window, "statusBar", None)
    bar = status() if callable(status) else None
    return bar.height() if isinstance(bar, QWidget) and bar.isVisible() else 0


def toast_of(widget: QWidget) -> Toast:
    """The window's toast (made on first use)."""
    window = widget.window()
    found = window.findChild(Toast, NAME)
    return found if isinstance(found, Toast) else Toast(window)


def show_toast(
    widget: QWidget,
    message: str,
    *,
    folder: Path | None = None,
    action: Action | None = None,
    failed: bool = False,
) -> Toast | None:
    """Say ``message`` in ``widget``'s window (None when the widget is already gone)."""
    if not shiboken6.isValid(widget):
        return None
    toast = toast_of(widget)
    toast.show_message("failed" if failed else "saved", message, folder, action)
    return toast


def start_progress(
    widget: QWidget, message: str, cancel: Callable[[], object] | None = None
) -> Toast:
    """A progress toast for work starting now (shown if it lasts); end it with a message."""
    toast = toast_of(widget)
    toast.show_progress(message, cancel)
    return toast
