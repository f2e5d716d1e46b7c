"""A connection cut under the app: the banner, what did not save, and the reconnect."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from portal_desktop.db.engine import make_engine
from portal_desktop.views.connection_monitor import (
    ConnectionBanner,
    ConnectionMonitor,
    unsaved_description,
)


def test_write_statements_are_named_by_table() -> None:
    assert unsaved_description("INSERT INTO leads (id) VALUES (%(id)s)") == "a new row in leads"
    assert unsaved_description('UPDATE "sales_calls" SET x=1') == "a change to sales_calls"
    assert unsaved_description("DELETE FROM payments WHERE id = 1") == "a deletion in payments"
    assert unsaved_description("SELECT * FROM leads") is None
    assert unsaved_description(None) is None


def test_the_local_file_is_not_watched(qtbot, tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monitor = ConnectionMonitor(engine)
    assert not monitor.active and not monitor.timer.isActive()
    engine.dispose()


def _terminate(admin_url: str, engine: Engine, pid: int) -> None:
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_cut_write_is_reported_and_the_banner_clears_on_reconnect(
    qtbot, backend: str, engine: Engine, pg_admin_url: str
) -> None:
    if backend != "postgresql":
        pytest.skip("only a server connection can be cut")
    monitor = ConnectionMonitor(engine)
    banner = ConnectionBanner(monitor)
    qtbot.addWidget(banner)
    assert monitor.active and banner.isHidden()
    conn = engine.connect()
    pid = conn.scalar(text("SELECT pg_backend_pid()"))
    _terminate(pg_admin_url, engine, pid)
    with pytest.raises(OperationalError), qtbot.waitSignal(monitor.lost):
        conn.execute(
            text("INSERT INTO leads (id, first_name, last_name) VALUES (:id, 'A', 'B')"),
            {"id": uuid.uuid4()},
        )
    conn.close()
    assert monitor.is_lost
    assert not banner.isHidden()
    assert "was lost" in banner.label.text() and "Reconnecting" in banner.label.text()
    assert "Not saved, please make again: a new row in leads." in banner.label.text()
    with qtbot.waitSignal(monitor.restored, timeout=5000):
        monitor.check_now()
    assert not monitor.is_lost
    # Back, but the lost edit stays listed until the user dismisses it.
    assert banner.label.text().startswith("Reconnected to ")
    assert "a new row in leads" in banner.label.text()
    banner.dismiss.click()
    assert banner.isHidden()
    monitor.stop()
