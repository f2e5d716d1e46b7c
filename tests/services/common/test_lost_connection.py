"""A connection cut in the middle of a use case is told in words that name what was not
saved (issue 17: it left as a raw OperationalError, and the banner named the cut statement's
table only when that statement happened to be a write)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.errors import DatabaseUnreachableError
from portal_desktop.models import AuditEntry, Lead
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead
from tests.services.factories import count_rows


def test_a_cut_connection_names_the_use_case_not_saved(backend, engine, sessions, pg_admin_url):
    if backend != "postgresql":
        pytest.skip("only a server connection can be cut")
    admin = create_engine(
        pg_admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )

    def cut(conn) -> None:  # just before the COMMIT: every statement of it has run
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.begin() as admin_conn:
            admin_conn.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid})

    event.listen(engine, "commit", cut, once=True)
    with sessions() as session, pytest.raises(DatabaseUnreachableError) as caught:
        create_lead(session, SYSTEM, first_name="Ann", last_name="Lee", source="web")
    admin.dispose()
    assert "create lead" in str(caught.value) and "nothing of it was saved" in str(caught.value)
    with sessions() as session:  # and the next one reconnects
        assert count_rows(session, Lead, AuditEntry) == {"leads": 0, "audit_log": 0}


def test_a_server_that_cannot_be_reached_names_the_use_case_not_saved(backend) -> None:
    if backend != "postgresql":
        pytest.skip("only a server can be unreachable")
    engine = make_engine("postgresql://postgres@127.0.0.1:9/portal")  # nothing listens there
    with session_factory(engine)() as session, pytest.raises(DatabaseUnreachableError) as caught:
        create_lead(session, SYSTEM, first_name="Ann", last_name="Lee", source="web")
    engine.dispose()
    assert "could not be made for create lead" in str(caught.value)
    assert "nothing of it was saved" in str(caught.value)
