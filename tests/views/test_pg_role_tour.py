"""Every role's screens under its own PostgreSQL login (issue 14): each person signs in as
their own role, opens every tab their role sees, and not one statement the screens run is
refused by the database's grants and row rules (the self-test's per-role tour, on a shared
database)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from portal_desktop.app_database import load_formatter
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import DailyMetric
from portal_desktop.self_test import _close, _render
from portal_desktop.services.accounts.pg_users import signed_in_actor
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.tab_context import DataBus, TabContext
from tests.db.pg_logins import create_login, login_url
from tests.shell_helpers import temp_settings  # noqa: F401

pytestmark = pytest.mark.usefixtures("temp_settings")


@pytest.mark.parametrize("backend", ["postgresql"])
def test_every_role_tours_its_tabs_under_its_own_login(qtbot, engine: Engine) -> None:
    seed_database(engine, leads=60)
    with Session(engine) as session:
        member = session.scalar(select(DailyMetric.team_member_id).limit(1))
        session.execute(
            text("UPDATE users SET team_member_id = NULL WHERE team_member_id = :m"), {"m": member}
        )
        session.commit()
    refused: list[str] = []
    toured: dict[str, list[str]] = {}
    for role in ("ADMIN", "SALES", "MARKETING"):
        name = create_login(engine, role, team_member=member if role == "SALES" else None)
        person = make_engine(login_url(engine, name))

        @event.listens_for(person, "handle_error")
        def _note(context: Any, role: str = role) -> None:
            refused.append(f"{role}: {str(context.original_exception).splitlines()[0]}")

        try:
            with Session(person) as session:
                actor = signed_in_actor(session)
            ctx = TabContext(
                person, session_factory(person), actor, load_formatter(person), DataBus()
            )
            window = MainWindow(ctx)
            window.resize(1280, 800)
            window.show()
            try:
                toured[role] = [_render(window, key) and key for key in window.tab_keys]
            finally:
                _close(window)
        finally:
            person.dispose()
    assert refused == []
    assert "users" in toured["ADMIN"] and "users" not in toured["SALES"]
    assert "marketing" in toured["MARKETING"] and "payment_schedules" not in toured["MARKETING"]
