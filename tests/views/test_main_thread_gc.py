"""Python's cyclic collector runs on the UI thread, between events, when a generation is due."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject

from portal_desktop.views import main_thread_gc
from portal_desktop.views.main_thread_gc import MainThreadCollector


@pytest.fixture
def collector(qapp) -> Iterator[MainThreadCollector]:
    parent = QObject()
    gc.enable()  # as in a process that never turned it off
    made = MainThreadCollector(parent, interval_ms=10)
    yield made
    made.stop()
    assert gc.isenabled()  # as it was


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_automatic_collection_is_off_and_the_timer_collects_on_the_ui_thread(
    qtbot, collector: MainThreadCollector
) -> None:
    assert not gc.isenabled()
    threads: list[str] = []

    def note(phase: str, _info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(note)
    try:
        worker = threading.Thread(target=lambda: [Cycle() for _ in range(50_000)])
        worker.start()
        worker.join()
        assert threads == []  # the worker allocated plenty, and collected nothing
        qtbot.waitUntil(lambda: collector.collections[0] > 0, timeout=5_000)
    finally:
        gc.callbacks.remove(note)
    assert set(threads) == {threading.main_thread().name}


@pytest.mark.parametrize(
    ("counts", "due"),
    [
        ((10, 0, 0), None),
        ((701, 0, 0), 0),
        ((701, 11, 0), 1),
        ((10, 11, 11), None),  # an older generation is looked at only when gen 0 is due
        ((701, 11, 11), 2),
    ],
)
def test_a_generation_is_due_as_cpython_decides(
    collector: MainThreadCollector, counts: tuple[int, int, int], due: int | None
) -> None:
    collector.thresholds = (700, 10, 10)
    collector.last_full = -1e9  # long ago
    assert collector.due_generation(counts) == due


def test_a_full_collection_waits_for_its_interval(collector: MainThreadCollector) -> None:
    collector.thresholds = (700, 10, 10)
    collector.last_full = -1e9
    assert collector.due_generation((701, 11, 11)) == 2
    collector.check()  # whatever was due; now say a full one just ran
    collector.last_full = main_thread_gc.time.monotonic()
    assert collector.due_generation((701, 11, 11)) == 1


def test_startup_objects_are_frozen_only_in_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen_before = gc.get_freeze_count()
    monkeypatch.setattr(main_thread_gc, "_installed", None)
    main_thread_gc.startup_finished()
    assert gc.get_freeze_count() == frozen_before  # tests build and drop windows: no freeze
