"""A replica for the sync UI's tests: the migrated SQLite template plus the replica tables,
conflicts written straight into them (read back by the real ``open_conflicts``), and a
``resolve`` that marks a conflict resolved and remembers what the screen asked for (the
real ``resolve`` over a conflict the push made: tests/views/test_sync_conflicts_real.py)."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop import clock
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.db.replica_tables import create_replica_tables, sync_conflicts, sync_outbox


@pytest.fixture
def replica(migrated_templates: dict, tmp_path: Path) -> Iterator[Engine]:
    target = tmp_path / "replica.sqlite3"
    shutil.copyfile(migrated_templates["sqlite"], target)
    engine = make_engine(f"sqlite:///{target}")
    create_replica_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def replica_sessions(replica: Engine) -> sessionmaker[Session]:
    return session_factory(replica)


def add_conflict(session: Session, kind: str, mine: dict, theirs: dict, **more: Any) -> uuid.UUID:
    conflict_id = uuid.uuid4()
    values = {
        "id": conflict_id,
        "txn_id": uuid.uuid4(),
        "kind": kind,
        "table_name": "leads",
        "record_id": uuid.uuid4(),
        "message": f"A {kind} conflict",
        "mine": mine,
        "theirs": theirs,
        "their_person": "Dana Server",
        "their_at": dt.datetime(2026, 12, 4, 13, 5, tzinfo=dt.UTC),
        "created_at": clock.now(),
    }
    session.execute(sync_conflicts.insert().values(values | more))
    session.commit()
    return conflict_id


def add_change_set(session: Session, changes: int = 1) -> uuid.UUID:
    """One local change set of ``changes`` record changes in the outbox."""
    txn = uuid.uuid4()
    for _ in range(changes):
        session.execute(
            sync_outbox.insert().values(
                change_id=uuid.uuid4(),
                txn_id=txn,
                use_case="update_lead",
                table_name="leads",
                record_id=uuid.uuid4(),
                op="update",
                data={"first_name": "Jo"},
                made_at=clock.now(),
            )
        )
    session.commit()
    return txn


@dataclass
class Resolutions:
    """A ``resolve`` that marks the conflict resolved and remembers each call."""

    calls: list[tuple[uuid.UUID, str, tuple[str, ...], uuid.UUID | None]]

    def __call__(
        self,
        session: Session,
        conflict_id: uuid.UUID,
        choice: str,
        fields: Sequence[str] = (),
        target_id: uuid.UUID | None = None,
    ) -> None:
        session.execute(
            update(sync_conflicts)
            .where(sync_conflicts.c.id == conflict_id)
            .values(resolved_at=clock.now(), resolution=choice)
        )
        session.commit()
        self.calls.append((conflict_id, choice, tuple(fields), target_id))
