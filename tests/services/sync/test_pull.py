"""Snapshot and pull against a real PostgreSQL server: nothing skipped, nothing twice, late
commits caught, deletes as tombstones, my pending fields kept, a pruned log refilled."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, select, text, update

from portal_desktop.db.replica_tables import sync_outbox, sync_state
from portal_desktop.db.sync_log import LOGGED_AT_0008, logged_tables
from portal_desktop.models import Lead
from portal_desktop.services.sync.listen import Listener
from portal_desktop.services.sync.pull import pull
from portal_desktop.services.sync.snapshot import SnapshotCancelledError, take_snapshot
from tests.services.sync.sync_world import ON_POSTGRESQL, make_replica, row_counts

pytestmark = ON_POSTGRESQL


def _names(engine: Engine) -> dict[uuid.UUID, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.id: (r.first_name, r.notes or "") for r in conn.execute(select(Lead))}


def _raw(server: Engine) -> psycopg.Connection:
    return psycopg.connect(server.url.set(drivername="postgresql").render_as_string(False))


def _outbox(replica: Engine) -> list[Any]:
    with replica.connect() as conn:
        return list(conn.execute(select(sync_outbox).order_by(sync_outbox.c.seq)))


def _some_leads(server: Engine, count: int) -> list[uuid.UUID]:
    with server.connect() as conn:
        return list(conn.scalars(select(Lead.id).order_by(Lead.id).limit(count)))


def test_a_snapshot_holds_every_row_and_where_to_pull_from(server: Engine, tmp_path: Path) -> None:
    replica = make_replica(server, tmp_path)
    assert row_counts(replica) == row_counts(server)
    with replica.connect() as conn:
        state = {row.key: row.value for row in conn.execute(select(sync_state))}
    assert int(state["pull_cursor"]) > 0 and state["login"] == server.url.username
    assert server.url.password is None or server.url.password not in str(state)
    assert pull(server, replica) == 0  # nothing changed since: nothing written


def test_a_cancelled_snapshot_leaves_no_file(server: Engine, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    with pytest.raises(SnapshotCancelledError):
        take_snapshot(
            server,
            tmp_path / "r.sqlite3",
            login="x",
            person_id=None,
            progress=lambda done, total: seen.append((done, total)),
            cancelled=lambda: len(seen) > 1,
        )
    assert list(tmp_path.iterdir()) == []
    assert seen[0][0] == 0 and seen[0][1] > 0


def test_pull_brings_inserts_updates_and_deletes_once(server: Engine, tmp_path: Path) -> None:
    replica = make_replica(server, tmp_path)
    first, second = _some_leads(server, 2)
    with server.begin() as conn:
        conn.execute(update(Lead).where(Lead.id == first).values(first_name="Renamed"))
        conn.execute(text("DELETE FROM leads WHERE id = :i"), {"i": second})
        conn.execute(
            text(
                "INSERT INTO leads (id, first_name, last_name, email, status) "
                "VALUES (:i, 'New', 'Person', 'new.person@example.org', 'NEW')"
            ),
            {"i": uuid.uuid4()},
        )
    assert pull(server, replica) == 3
    assert _names(replica) == _names(server)
    assert row_counts(replica) == row_counts(server)
    assert pull(server, replica) == 0
    assert _outbox(replica) == []  # what the pull wrote is not mine to push


def test_a_transaction_that_commits_late_is_not_skipped(server: Engine, tmp_path: Path) -> None:
    replica = make_replica(server, tmp_path)
    early, late = _some_leads(server, 2)
    with _raw(server) as t1, _raw(server) as t2:
        t1.execute("UPDATE leads SET first_name = 'Late' WHERE id = %s", (early,))  # T1 open
        t2.execute("UPDATE leads SET first_name = 'Early' WHERE id = %s", (late,))
        t2.commit()  # T2 commits first
        pull(server, replica)  # T2 waits for T1 to end: the cursor stays below T1
        t1.commit()  # T1 commits after that pull
    pull(server, replica)
    assert (_names(replica)[early][0], _names(replica)[late][0]) == ("Late", "Early")
    assert _names(replica) == _names(server)


def test_my_pending_change_stands_over_a_pulled_row(server: Engine, tmp_path: Path) -> None:
    replica = make_replica(server, tmp_path)
    lead = _some_leads(server, 1)[0]
    with replica.begin() as conn:  # captured in the outbox: waits to be pushed
        conn.execute(update(Lead).where(Lead.id == lead).values(notes="mine, offline"))
    with server.begin() as conn:
        conn.execute(update(Lead).where(Lead.id == lead).values(first_name="Theirs"))
    pull(server, replica)
    assert _names(replica)[lead] == ("Theirs", "mine, offline")
    assert [(row.record_id, row.op) for row in _outbox(replica)] == [(lead, "update")]


def test_a_replica_older_than_the_log_is_copied_afresh(server: Engine, tmp_path: Path) -> None:
    replica = make_replica(server, tmp_path)
    lead = _some_leads(server, 1)[0]
    with server.begin() as conn:
        conn.execute(update(Lead).where(Lead.id == lead).values(first_name="Pruned"))
    with server.begin() as conn:
        assert conn.scalar(text("SELECT portal_sync_prune(-1)")) >= 1  # every row
    pull(server, replica)
    assert _names(replica) == _names(server)
    assert row_counts(replica) == row_counts(server)


def test_a_commit_elsewhere_wakes_a_listener_within_a_second(server: Engine) -> None:
    listener = Listener(server)
    lead = _some_leads(server, 1)[0]

    def change() -> None:
        with server.begin() as conn:
            conn.execute(update(Lead).where(Lead.id == lead).values(first_name="Ping"))

    try:
        assert listener.wait(0.2) is False
        threading.Timer(0.2, change).start()
        assert listener.wait(1.5) is True
    finally:
        listener.close()


def test_every_record_table_is_logged_and_copied(backend: str) -> None:
    """A record table added after migration 0008 needs its trigger in a new revision."""
    assert set(logged_tables()) == set(LOGGED_AT_0008)
