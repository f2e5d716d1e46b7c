"""Waiting for the server to say that something changed (LISTEN portal_sync; no Qt)."""

from __future__ import annotations

from sqlalchemy import Engine

from portal_desktop.db.sync_log import CHANNEL


class Listener:
    """One connection LISTENing on the change channel; :meth:`wait` returns True as soon as
    a change is announced, False after ``timeout`` seconds of quiet."""

    def __init__(self, server: Engine) -> None:
        self._raw = server.raw_connection()
        self._conn = self._raw.driver_connection
        self._conn.autocommit = True
        self._conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        heard = False
        for _note in self._conn.notifies(timeout=timeout, stop_after=1):
            heard = True
        return heard

    def close(self) -> None:
        self._raw.invalidate()  # a LISTENing connection does not go back to the pool
        self._raw.close()
