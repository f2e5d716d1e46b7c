"""A shared PostgreSQL server with a little demo data, and replicas of it (real snapshots)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from portal_desktop.services.sync.copy_rows import tables
from portal_desktop.services.sync.snapshot import take_snapshot

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


def make_replica(server: Engine, folder: Path, name: str = "replica.sqlite3") -> Engine:
    return take_snapshot(server, folder / name, login=server.url.username or "", person_id=None)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in tables()}
