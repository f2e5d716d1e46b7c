"""The sync tests' server: the backend's database with a little demo data."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from portal_desktop.services.seeding import seed_database


@pytest.fixture
def server(engine: Engine) -> Engine:
    seed_database(engine, leads=30, seed=11)
    return engine
