"""The sync tests' worlds: a server with a little demo data (pull side), and the push side's
server and replica with a lead, its person and login (push_world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from portal_desktop.services.seeding import seed_database
from tests.services.sync.push_world import World, make_world


@pytest.fixture
def server(engine: Engine) -> Engine:
    seed_database(engine, leads=30, seed=11)
    return engine


@pytest.fixture
def world(engine: Engine, migrated_templates: dict, tmp_path: Path) -> Iterator[World]:
    made = make_world(engine, Path(migrated_templates["sqlite"]), tmp_path)
    yield made
    made.server.dispose()
    made.replica.dispose()
