"""The message every export from a screen ends with, without blocking the window.

The window's toast (:mod:`portal_desktop.views.toast`) says where the file is, with an
"Open folder" button (the system's file manager, through ``QDesktopServices``), or why
nothing was written, in words (:func:`failure_text`: a missing folder, a folder one may not
write in, a file name that is a folder, a full disk). Success goes away after a while; a
failure stays until closed. One toast per window: a new message replaces the last one.

Use ``show_saved(widget, path, "Saved the chart image")`` and
``show_failed(widget, failure_text(path, error))`` from any widget of the window.
"""

from __future__ import annotations

import errno
from pathlib import Path

from PySide6.QtWidgets import QWidget

from portal_desktop.errors import PortalError
from portal_desktop.views.toast import Toast, toast_of


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


ExportNotice = Toast  # the window's one message (views.toast); the name exports used first
notice_of = toast_of


def show_saved(widget: QWidget, path: str | Path, done: str) -> ExportNotice:
    """``done`` ("Saved the chart image"), where the file is, and "Open folder"."""
    target = Path(path).resolve()
    notice = toast_of(widget)
    notice.show_message("saved", f"{done} to {target}.", target.parent)
    return notice


def show_failed(widget: QWidget, message: str) -> ExportNotice:
    """Why nothing was written (see :func:`failure_text`); stays until closed."""
    notice = toast_of(widget)
    notice.show_message("failed", message)
    return notice
