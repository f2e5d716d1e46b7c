"""bench/ui_stall_bench.py's instruments: the latency proxy and the UI-thread heartbeat."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from bench.latency_proxy import LatencyProxy
from bench.ui_stall_bench import Heartbeat, Measure, report


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _receive(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        assert chunk, "the proxy closed the connection"
        data += chunk
    return data


def test_a_round_trip_through_the_proxy_takes_at_least_its_latency(echo_port: int) -> None:
    with (
        LatencyProxy(("127.0.0.1", echo_port), round_trip_ms=200) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as conn,
    ):
        started = time.perf_counter()
        conn.sendall(b"ping")
        assert _receive(conn, 4) == b"ping"
        elapsed = time.perf_counter() - started
    assert 0.2 <= elapsed < 1.0


def test_a_large_transfer_pays_the_latency_once_not_once_per_chunk(echo_port: int) -> None:
    """Two megabytes go through in 32 or more chunks each way: in order, and about one
    round trip late (a proxy sleeping before each chunk would take 32 x 0.2 s or more)."""
    payload = bytes(range(256)) * 8192
    with (
        LatencyProxy(("127.0.0.1", echo_port), round_trip_ms=200) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as conn,
    ):
        started = time.perf_counter()
        conn.sendall(payload)
        assert _receive(conn, len(payload)) == payload
        elapsed = time.perf_counter() - started
    assert 0.2 <= elapsed < 2.0


def _spin(app: QApplication, seconds: float) -> None:
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)  # woken by the beat


def test_the_heartbeat_reports_the_time_the_ui_thread_was_blocked(qapp: QApplication) -> None:
    beat = Heartbeat()
    beat.start()
    try:
        _spin(qapp, 0.1)
        assert beat.longest_ms() < 150  # ticking: no gap near the stall below
        beat.reset()
        time.sleep(0.2)  # the UI thread does not return to its event loop
        _spin(qapp, 0.05)
        assert beat.longest_ms() >= 200
    finally:
        beat.stop()


def test_the_verdict_fails_over_the_floor_and_ignores_the_baseline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert report({"baseline (idle)": [Measure(500, 1000)], "open a tab": [Measure(99, 300)]})
    assert not report({"open a tab": [Measure(40, 100), Measure(101, 300)]})
    skipped = {"save": [Measure(note="skipped: no dialog")], "open": [Measure(5, 9)]}
    assert report(skipped)
    out = capsys.readouterr().out
    assert "longest UI-thread stall: 101 ms (floor 100 ms) — FAIL" in out
    assert "skipped: no dialog" in out
