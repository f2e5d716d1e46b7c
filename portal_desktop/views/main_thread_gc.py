"""Python's cyclic garbage collector, run on the UI thread between events, not at random.

Left to itself, the collector runs whenever enough objects were allocated, in whichever
thread allocated them: a worker reading a page or a background import. A collection there
finalizes Qt wrappers off the UI thread (which Qt does not allow), and a full collection holds
the interpreter for 70 to 110 ms over the app's heap: the UI-stall bench caught both as frozen
frames. This is the known recipe for Qt apps (PyQt/PySide users, pyqtgraph's own
``GarbageCollector``; written here because importing pyqtgraph at start costs half a second):
automatic collection off, and a timer on the UI thread that collects the generations whose
counts passed their thresholds.

Two refinements over the recipe: a full collection waits at least ``FULL_EVERY_S`` after the
last (CPython itself postpones them until the old generation grew by a quarter; calling
``gc.collect(2)`` bypasses that), and once the window's modules are imported the objects
that live as long as the app are frozen out of every later collection
(:func:`startup_finished`), which makes a full collection a fraction of its cost.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

CHECK_EVERY_MS = 250
FULL_EVERY_S = 30.0

_installed: MainThreadCollector | None = None


class MainThreadCollector(QObject):
    """Collects on a UI-thread timer what the automatic collector would have collected."""

    def __init__(self, parent: QObject, interval_ms: int = CHECK_EVERY_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.last_full = time.monotonic()
        self.collections = [0, 0, 0]  # per generation, for tests and diagnosis
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer.start()

    def check(self) -> int | None:
        """Collect the oldest generation that is due; the generation collected, or None."""
        due = self.due_generation(gc.get_count())
        if due is None:
            return None
        gc.collect(due)
        self.collections[due] += 1
        if due == 2:
            self.last_full = time.monotonic()
        return due

    def due_generation(self, counts: tuple[int, int, int]) -> int | None:
        """As CPython decides: generation n is due when its count passed its threshold and
        so did every younger one's; a full collection also waits for ``FULL_EVERY_S``."""
        due = None
        for generation, (count, threshold) in enumerate(zip(counts, self.thresholds, strict=True)):
            if count <= threshold:
                break
            due = generation
        if due == 2 and time.monotonic() - self.last_full < FULL_EVERY_S:
            due = 1
        return due

    def stop(self) -> None:
        """Back to how collection was before (automatic, unless something else disabled it)."""
        self.timer.stop()
        if self._was_enabled:
            gc.enable()


def install(parent: QObject) -> MainThreadCollector:
    """The app's collector (once per process)."""
    global _installed
    if _installed is None:
        _installed = MainThreadCollector(parent)
    return _installed


def startup_finished() -> None:
    """The window and the modules of its tabs are loaded: what is alive now lives as long as
    the app; it leaves the collector's generations (in the app only: tests build and drop
    windows by the hundred and must get them collected)."""
    if _installed is not None:
        gc.freeze()
