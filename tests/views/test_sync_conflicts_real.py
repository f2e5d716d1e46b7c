"""The Conflicts dialog over a conflict the push really made, resolved through the real
``resolve``: the person's choice reaches the server at the next sync."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from portal_desktop.db.engine import session_factory
from portal_desktop.models import Lead
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import update_lead
from portal_desktop.services.sync.conflicts import open_conflicts, resolve
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.sync.conflicts_dialog import ConflictsDialog
from portal_desktop.views.tab_context import DataBus, TabContext
from tests.services.sync.push_world import World, make_world, server_lead

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def world(engine: Engine, migrated_templates: dict, tmp_path: Path) -> Iterator[World]:
    """The push tests' world (tests/services/sync/conftest.py), for a screen test."""
    with contextlib.ExitStack() as stack:
        made = make_world(engine, Path(migrated_templates["sqlite"]), tmp_path)
        stack.callback(made.replica.dispose)
        stack.callback(made.server.dispose)
        yield made


def _edit(sessions, lead_id, **changes) -> None:
    with sessions() as session:
        update_lead(session, SYSTEM, lead_id, session.get(Lead, lead_id).version, **changes)


def test_keep_mine_in_the_dialog_wins_on_the_server_at_the_next_push(qtbot, world: World) -> None:
    _edit(world.replica_session, world.lead_id, first_name="Mine")
    _edit(world.owner_session, world.lead_id, first_name="Theirs")
    assert world.push().conflicts == 1
    replica = world.replica
    ctx = TabContext(replica, session_factory(replica), SYSTEM, Formatter("USD", dt.UTC), DataBus())
    dialog = ConflictsDialog(ctx, open_conflicts, resolve)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded and dialog.list.count() == 1, timeout=5_000)
    assert dialog.list.item(0).text().startswith("Changed here and on the server")
    table = dialog.fields
    assert [table.item(0, c).text() for c in range(3)] == ["First name", "Mine", "Theirs"]
    dialog.buttons["mine"].click()
    qtbot.waitUntil(lambda: dialog.loaded and dialog.list.count() == 0, timeout=5_000)
    world.push()
    assert server_lead(world, world.lead_id).first_name == "Mine"
    with Session(replica) as session:
        assert open_conflicts(session) == []
