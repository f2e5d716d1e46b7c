"""The first window's first paint, for start-up measurements (``PORTAL_EXIT_WHEN_PAINTED=1``:
bench/startup_bench.py and tests): the launcher reports it and quits."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


def report_paint_and_quit(window: QWidget) -> None:
    """For bench/startup_bench.py and tests: the wall-clock time of the first window's first
    paint and that window's objectName (``signInDialog``, ``welcomeDialog``), then quit."""
    print(f"painted {time.time():.6f} {window.objectName()}", flush=True)
    QApplication.quit()


class FirstPaint(QObject):
    """Calls ``then`` once ``widget`` has painted for the first time (after that paint)."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def exit_when_painted() -> bool:
    return os.environ.get("PORTAL_EXIT_WHEN_PAINTED") == "1"
