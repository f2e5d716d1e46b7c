"""A replica for the sync UI's tests: the migrated SQLite template plus the replica tables,
and real stand-ins for the engine functions the UI is given (open_conflicts, resolve) that
act on those tables, until the lead wires PUSH's own."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop import clock
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.db.replica_tables import create_replica_tables, sync_conflicts, sync_outbox

CHOICES = {
    "same_field": ("mine", "theirs", "fields"),
    "paid_meanwhile": ("record_elsewhere", "discard"),
    "duplicate": ("merge", "mine", "discard"),
    "deleted_there": ("restore", "discard"),
    "deleted_here": ("theirs", "mine"),
    "rule": ("discard",),
}


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


@dataclass(frozen=True)
class Conflict:
    """The fields PUSH's ``conflicts.Conflict`` carries (SYNC.md)."""

    id: uuid.UUID
    kind: str
    table_name: str
    record_id: uuid.UUID | None
    message: str
    mine: dict[str, Any]
    theirs: dict[str, Any]
    their_person: str | None
    their_at: dt.datetime | None
    choices: tuple[str, ...]


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


def open_conflicts(session: Session) -> list[Conflict]:
    rows = session.execute(
        select(sync_conflicts)
        .where(sync_conflicts.c.resolved_at.is_(None))
        .order_by(sync_conflicts.c.created_at)
    ).mappings()
    return [
        Conflict(
            id=row["id"],
            kind=row["kind"],
            table_name=row["table_name"],
            record_id=row["record_id"],
            message=row["message"],
            mine=row["mine"] or {},
            theirs=row["theirs"] or {},
            their_person=row["their_person"],
            their_at=row["their_at"],
            choices=CHOICES[row["kind"]],
        )
        for row in rows
    ]


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
