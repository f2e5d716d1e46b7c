"""The message every export from a screen ends with, without blocking the window.

A small bar at the bottom of the window says where the file is, with an "Open folder" button
(the system's file manager, through ``QDesktopServices``), or why nothing was written, in
words (:func:`failure_text`: a missing folder, a folder one may not write in, a file name that
is a folder, a full disk). Success goes away after a while; a failure stays until closed.
One bar per window: a new export replaces the last message.

Use ``show_saved(widget, path, "Saved the chart image")`` and
``show_failed(widget, failure_text(path, error))`` from any widget of the window.
"""

from __future__ import annotations

import errno
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from portal_desktop.errors import PortalError
from portal_desktop.views.theme import ERROR, SUCCESS, set_tone

SUCCESS_MS = 15_000
WIDTH = 560
MARGIN = 12
_TONES = {"saved": SUCCESS, "failed": ERROR}  # the style sheet colours the bar by its tone


def failure_text(path: str | Path, error: BaseException) -> str:
    """Why writing ``path`` failed, in words that say what to do."""
    target = Path(path)
    folder = target.parent
    if isinstance(error, PortalError):
        reason = str(error)
    elif isinstance(error, IsADirectoryError):
        reason = f"{target} is a folder; type a file name"
    elif isinstance(error, NotADirectoryError):
        reason = f"{_file_on_the_way(folder)} is a file, not a folder; choose a folder"
    elif isinstance(error, FileNotFoundError):
        reason = f"the folder {folder} does not exist; choose another one or create it first"
    elif isinstance(error, PermissionError) or getattr(error, "errno", None) == errno.EROFS:
        reason = f"you may not write in the folder {folder}; choose another one"
    elif getattr(error, "errno", None) == errno.ENOSPC:
        reason = f"the disk of {folder} is full; free some space or choose another disk"
    elif isinstance(error, OSError):
        reason = f"{error.strerror or error}"
    else:
        reason = str(error) or type(error).__name__
    return f"Nothing was saved to {target.name}: {reason}."


def check_folder(path: str | Path) -> None:
    """Fail fast, before any work: FileNotFoundError when the file's folder does not exist,
    NotADirectoryError when a file stands where a folder should be (:func:`failure_text`)."""
    folder = Path(path).parent
    if folder.is_dir():
        return
    if _file_on_the_way(folder) != folder or folder.exists():
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(folder))
    raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(folder))


def _file_on_the_way(folder: Path) -> Path:
    """The first part of ``folder`` that is a file (where a folder was expected)."""
    for part in reversed((folder, *folder.parents)):
        if part.exists() and not part.is_dir():
            return part
    return folder


class ExportNotice(QFrame):
    """The bar itself: a message, "Open folder" after a success, and a close button."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("exportNotice")
        self.folder: Path | None = None
        self.text = QLabel(self)
        self.text.setObjectName("exportNoticeText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open folder", self)
        self.open_button.setObjectName("exportNoticeOpen")
        self.open_button.clicked.connect(self.open_folder)
        close = QToolButton(self)
        close.setObjectName("exportNoticeClose")
        close.setText("✕")
        close.setToolTip("Close this message")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        window.installEventFilter(self)
        self.hide()

    def show_message(self, kind: str, message: str, folder: Path | None) -> None:
        self.folder = folder
        self.setProperty("kind", kind)
        set_tone(self, _TONES[kind])
        self.text.setText(message)
        self.open_button.setVisible(folder is not None)
        self._timer.stop()
        if kind == "saved":
            self._timer.start(SUCCESS_MS)
        self._place()
        self.show()
        self.raise_()

    def open_folder(self) -> None:
        if self.folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

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
        self.move(
            window.width() - width - MARGIN,
            max(0, window.height() - self.height() - MARGIN - _status_bar_height(window)),
        )


def _status_bar_height(window: QWidget) -> int:
    status = getattr(window, "statusBar", None)
    bar = status() if callable(status) else None
    return bar.height() if isinstance(bar, QWidget) and bar.isVisible() else 0


def notice_of(widget: QWidget) -> ExportNotice:
    """The window's bar (made on first use)."""
    window = widget.window()
    found = window.findChild(ExportNotice, "exportNotice")
    return found if isinstance(found, ExportNotice) else ExportNotice(window)


def show_saved(widget: QWidget, path: str | Path, done: str) -> ExportNotice:
    """``done`` ("Saved the chart image"), where the file is, and "Open folder"."""
    target = Path(path).resolve()
    notice = notice_of(widget)
    notice.show_message("saved", f"{done} to {target}.", target.parent)
    return notice


def show_failed(widget: QWidget, message: str) -> ExportNotice:
    """Why nothing was written (see :func:`failure_text`); stays until closed."""
    notice = notice_of(widget)
    notice.show_message("failed", message, None)
    return notice
