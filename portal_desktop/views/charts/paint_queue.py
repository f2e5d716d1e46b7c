"""Drawing a dashboard's panels one per turn of the event loop, those on screen first.

Building and filling a pyqtgraph plot takes tens of milliseconds; thirteen of them in one go
froze the window for most of a second when the Charts tab first opened. Queued, each turn
draws the panels in view (as many as fit in ``TURN_BUDGET_S``: one paint of the window for
all of them, not one per panel) or else one panel below, and the window answers in between;
so what the person looks at is painted first and the rest follows while they read it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from portal_desktop.services.reporting.chart_model import Panel
from portal_desktop.views.charts.panel_view import PanelView

TURN_BUDGET_S = 0.03


class PaintQueue(QObject):
    """Panels waiting to be drawn; ``drained`` once the last one is."""

    drained = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._waiting: list[tuple[PanelView, Panel]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._draw_turn)

    @property
    def busy(self) -> bool:
        return bool(self._waiting)

    @property
    def busy_on_screen(self) -> bool:
        """Whether a panel in view still waits to be drawn (the ones below may)."""
        return any(_on_screen(view) for view, _panel in self._waiting)

    def replace(self, work: list[tuple[PanelView, Panel]]) -> None:
        """Draw ``work`` instead of whatever was waiting (a newer dashboard wins)."""
        self._waiting = list(work)
        if self._waiting:
            self._timer.start()
        else:
            self.drained.emit()

    def finish(self) -> None:
        """Draw everything still waiting now (before an export needs every panel)."""
        while self._waiting:
            self._draw(self._waiting.pop(0))
        self._timer.stop()

    def _draw_turn(self) -> None:
        if not self._waiting:
            return
        started, first = time.perf_counter(), True
        while self._waiting:
            index = _first(self._waiting, lambda item: _on_screen(item[0]))
            in_view = _on_screen(self._waiting[index][0])
            if not first and (not in_view or time.perf_counter() - started > TURN_BUDGET_S):
                break  # the panels below: one per turn, the window answering between
            self._draw(self._waiting.pop(index))
            if not in_view:
                break
            first = False
        if self._waiting:
            self._timer.start()
        else:
            self.drained.emit()

    @staticmethod
    def _draw(item: tuple[PanelView, Panel]) -> None:
        view, panel = item
        view.show_panel(panel)


def _on_screen(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def _first(items: list[tuple[PanelView, Panel]], wanted: Callable[[tuple], bool]) -> int:
    return next((index for index, item in enumerate(items) if wanted(item)), 0)
