"""A quiet busy indicator: a thin moving bar that shows only when work takes a while.

``BusyIndicator.set_busy(True)`` starts a short grace timer (200 ms): quick work never
flickers it; longer work shows a 3-pixel indeterminate bar until ``set_busy(False)``. It
never takes the focus and never blocks input. ``track(signal)`` follows a ``busy_changed``
style signal(bool); several sources may be tracked at once (busy while any is).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, SignalInstance
from PySide6.QtWidgets import QProgressBar, QSizePolicy, QWidget

SHOW_AFTER_MS = 200
HEIGHT = 3


class BusyIndicator(QProgressBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("busyIndicator")
        self.setRange(0, 0)  # indeterminate: the style animates it
        self.setTextVisible(False)
        self.setFixedHeight(HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Loading")
        self._sources: dict[int, bool] = {}
        self._grace = QTimer(self)
        self._grace.setSingleShot(True)
        self._grace.setInterval(SHOW_AFTER_MS)
        self._grace.timeout.connect(self._appear)
        # Keep the place in the layout while hidden, so rows never jump when it shows.
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.setVisible(False)

    @property
    def busy(self) -> bool:
        return any(self._sources.values())

    def set_busy(self, busy: bool, source: int = 0) -> None:
        self._sources[source] = busy
        if self.busy:
            if not self.isVisible() and not self._grace.isActive():
                self._grace.start()
        else:
            self._grace.stop()
            self.setVisible(False)

    def track(self, signal: SignalInstance) -> None:
        """Follow a signal(bool) saying whether some work is running."""
        source = len(self._sources) + 1
        self._sources[source] = False
        signal.connect(lambda busy: self.set_busy(bool(busy), source))

    def _appear(self) -> None:
        if self.busy:
            self.setVisible(True)
