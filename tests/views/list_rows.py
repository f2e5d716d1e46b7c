"""Waiting for a list's rows in tests: the model reads its pages in workers."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from portal_desktop.db.paged_rows import Row
from portal_desktop.views.table_model import QueryTableModel

TIMEOUT_MS = 10_000


def settled(qtbot: Any, model: QueryTableModel) -> QueryTableModel:
    """Wait until the query asked for is on screen, counted, and no worker of it runs."""
    qtbot.waitUntil(lambda: model.counted and not model.busy, timeout=TIMEOUT_MS)
    return model


def settle_now(model: QueryTableModel, timeout_ms: int = TIMEOUT_MS) -> QueryTableModel:
    """:func:`settled` for helpers that have no qtbot: the event loop runs until then."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not (model.counted and not model.busy):
        if time.monotonic() > deadline:
            raise AssertionError(f"the list did not settle in {timeout_ms} ms")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.001)
    return model


def loaded_rows(qtbot: Any, model: QueryTableModel, first: int = 0, last: int = -1) -> list[Row]:
    """The values of rows first..last (default: to the end), a page at a time (the model
    holds only a few pages)."""
    last = model.rowCount() - 1 if last < 0 else last
    size = model.rows.page_size
    values: list[Row] = []
    for start in range(first, last + 1, size):
        stop = min(start + size - 1, last)
        qtbot.waitUntil(lambda a=start, b=stop: model.is_loaded(a, b), timeout=TIMEOUT_MS)
        values.extend(model.rows.held(row) for row in range(start, stop + 1))  # type: ignore[misc]
    return values


def loaded_keys(qtbot: Any, model: QueryTableModel) -> list[Any]:
    """The primary keys of every row, in the list's order."""
    return [values[-1] for values in loaded_rows(qtbot, model)]
