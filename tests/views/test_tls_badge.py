"""The status bar's TLS badge: read from the live connection in a worker; nothing for SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.tls_badge import CHECKING, TlsBadge
from tests.shell_helpers import generic_tabs, temp_settings  # noqa: F401
from tests.tls_cluster import TlsServer
from tests.views.call_fixtures import statements_on_this_thread


def _ctx(engine: Engine) -> TabContext:
    return TabContext(engine, session_factory(engine), SYSTEM, Formatter(), DataBus())


def _badge_on(qtbot, server: TlsServer, host: str, **query: str) -> TlsBadge:
    engine = make_engine(server.url(host, **query).render_as_string())
    try:
        return _settled_badge(qtbot, engine)
    finally:
        engine.dispose()


def _settled_badge(qtbot, engine: Engine) -> TlsBadge:
    with statements_on_this_thread(engine) as on_ui_thread:
        badge = TlsBadge(_ctx(engine))
        qtbot.addWidget(badge)
        assert badge.text() == CHECKING  # the read runs in a worker
        qtbot.waitUntil(lambda: badge.state is not None, timeout=10000)
    assert on_ui_thread == []
    return badge


def test_require_shows_tls_not_verified(qtbot, tls_server: TlsServer) -> None:
    badge = _badge_on(qtbot, tls_server, "127.0.0.1", sslmode="require")
    assert badge.text() == "TLS not verified"
    assert badge.property("level") == "unverified"
    assert "sslmode require" in badge.toolTip()
    assert "the server's identity is not checked" in badge.toolTip()
    badge.show()
    badge.grab().save("/tmp/tls_badge_require.png")


def test_verify_full_shows_tls_verified(qtbot, tls_server: TlsServer) -> None:
    root = str(tls_server.ca_file)
    badge = _badge_on(qtbot, tls_server, "localhost", sslmode="verify-full", sslrootcert=root)
    assert badge.text() == "TLS verified"
    assert badge.toolTip().startswith("Encrypted (TLSv1.")
    assert "the server proves who it is" in badge.toolTip()


@pytest.mark.usefixtures("temp_settings", "generic_tabs")
def test_the_main_window_shows_the_tls_state_for_postgresql_only(
    qtbot, engine: Engine, backend: str
) -> None:
    window = MainWindow(_ctx(engine))
    qtbot.addWidget(window)
    window.show()
    badge = window.statusBar().findChild(TlsBadge)
    assert badge is not None
    if backend == "sqlite":
        assert badge.isHidden() and badge.text() == ""
        return
    qtbot.waitUntil(lambda: badge.state is not None, timeout=10000)
    assert badge.isVisible() and badge.text() == "Not encrypted"  # the suite's plain server
    assert badge.property("level") == "plain"
    assert "not encrypted" in badge.toolTip() and "can be read on the network" in badge.toolTip()
    window.statusBar().grab().save("/tmp/tls_status_bar.png")
