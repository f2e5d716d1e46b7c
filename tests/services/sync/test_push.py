"""Push: change sets reach the server in order, each in one transaction with its
sync_applied row, as the person's login; a retry changes nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from portal_desktop.db.engine import make_engine
from portal_desktop.db.replica_tables import sync_outbox
from portal_desktop.errors import DatabaseUnreachableError
from portal_desktop.models import AuditEntry, Enrollment, Lead, SyncApplied
from portal_desktop.models.enums import EnrollmentStatus
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead, update_lead
from portal_desktop.services.sync.conflicts import open_conflicts
from portal_desktop.services.sync.push import PushResult, push
from tests.services.sync.push_world import World, make_world, server_lead

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


def _waiting(world: World) -> int:
    with world.replica.connect() as conn:
        return conn.scalar(select(func.count()).select_from(sync_outbox)) or 0


def _applied(world: World) -> int:
    with world.owner.connect() as conn:
        return conn.scalar(select(func.count()).select_from(SyncApplied)) or 0


def _edit_offline(world: World, n: int) -> list:
    ids = []
    with world.replica_session() as session:
        for i in range(n):
            ids.append(create_lead(session, SYSTEM, first_name=f"Off{i}", email=f"off{i}@x.org").id)
        lead = session.get(Lead, world.lead_id)
        update_lead(session, SYSTEM, world.lead_id, lead.version, first_name="Edited")
    return ids


@ON_POSTGRESQL
def test_offline_changes_reach_the_server_as_the_person(world: World) -> None:
    ids = _edit_offline(world, 2)
    result = world.push()
    assert (result.pushed, result.conflicts) == (3, 0)
    assert _waiting(world) == 0 and _applied(world) == 3
    assert server_lead(world, world.lead_id).first_name == "Edited"
    with world.owner_session() as session:
        trail = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id.in_(ids), AuditEntry.action == "CREATE")
        ).all()
    assert {(e.username, e.summary) for e in trail} == {(world.login, "create lead")}


@ON_POSTGRESQL
def test_an_idle_push_does_not_contact_the_server(world: World) -> None:
    nowhere = make_engine(world.server.url.set(host="127.0.0.1", port=1))  # nothing listens
    assert push(nowhere, world.replica) == PushResult(0, 0)
    _edit_offline(world, 1)
    with pytest.raises(DatabaseUnreachableError, match="wait on this computer"):
        push(nowhere, world.replica)
    assert _waiting(world) == 2


_KILLED_AFTER_COMMIT = """
import os, signal, sys
from portal_desktop.db.engine import make_engine
from portal_desktop.services.sync.push import push
kill = lambda _cs: os.kill(os.getpid(), signal.SIGKILL)
push(make_engine(sys.argv[1]), make_engine(sys.argv[2]), after_commit=kill)
"""


def _no_duplicates(world: World, emails: list[str]) -> None:
    with world.owner.connect() as conn:
        counts = conn.execute(
            select(Lead.email, func.count()).where(Lead.email.in_(emails)).group_by(Lead.email)
        ).all()
    assert sorted(counts) == [(email, 1) for email in sorted(emails)]


@ON_POSTGRESQL
def _push_killed_after_first_commit(world: World) -> None:
    server_url = world.server.url.render_as_string(hide_password=False)
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_AFTER_COMMIT, server_url, str(world.replica.url)],
        env={**os.environ},
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()


@ON_POSTGRESQL
def test_killed_after_the_server_commit_a_retry_duplicates_nothing(world: World) -> None:
    _edit_offline(world, 2)
    _push_killed_after_first_commit(world)
    assert _applied(world) == 1 and _waiting(world) == 3  # the server has it, the replica not
    result = world.push()
    assert result.pushed == 2  # the first change set is not applied again
    assert _applied(world) == 3 and _waiting(world) == 0
    _no_duplicates(world, ["off0@x.org", "off1@x.org"])


@ON_POSTGRESQL
def test_killed_after_the_server_commit_the_retry_still_records_the_conflict(
    world: World,
) -> None:
    with world.replica_session() as session:
        lead = session.get(Lead, world.lead_id)
        update_lead(session, SYSTEM, world.lead_id, lead.version, first_name="Mine")
    with world.owner_session() as session:
        lead = session.get(Lead, world.lead_id)
        update_lead(session, SYSTEM, world.lead_id, lead.version, first_name="Theirs")
    _push_killed_after_first_commit(world)
    assert world.push() == PushResult(0, 1)
    with world.replica_session() as session:
        assert [(c.kind, c.mine) for c in open_conflicts(session)] == [
            ("same_field", {"first_name": "Mine"})
        ]
        assert session.get(Lead, world.lead_id).first_name == "Theirs"
    assert _waiting(world) == 0


@ON_POSTGRESQL
def test_a_push_connection_killed_mid_push_loses_and_duplicates_nothing(world: World) -> None:
    _edit_offline(world, 3)
    commits = []

    def terminate_second(conn: Connection) -> None:
        commits.append(1)
        if len(commits) == 2:
            pid = conn.scalar(select(func.pg_backend_pid()))
            with world.owner.begin() as owner:
                owner.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    with pytest.raises(DatabaseUnreachableError, match="stopped after 1 of 4"):
        push(world.server, world.replica, before_commit=terminate_second)
    assert _applied(world) == 1 and _waiting(world) == 3
    assert world.push().pushed == 3
    assert _applied(world) == 4 and _waiting(world) == 0
    _no_duplicates(world, ["off0@x.org", "off1@x.org", "off2@x.org"])
    assert server_lead(world, world.lead_id).first_name == "Edited"


@ON_POSTGRESQL
def test_each_change_is_idempotent_without_its_sync_applied_row(world: World) -> None:
    """Even replayed whole with no record of it on the server, a change set writes nothing
    twice: an insert finds its record (the client's UUIDv7 key), an update its values."""
    _edit_offline(world, 1)
    with world.replica.connect() as conn:
        saved = [row._asdict() for row in conn.execute(select(sync_outbox))]
    assert world.push().conflicts == 0
    with world.owner.begin() as conn:
        conn.execute(delete(SyncApplied))
    with world.replica.begin() as conn:
        conn.execute(insert(sync_outbox), saved)
    assert world.push().conflicts == 0
    _no_duplicates(world, ["off0@x.org"])
    assert server_lead(world, world.lead_id).first_name == "Edited"
    assert _waiting(world) == 0


@ON_POSTGRESQL
def test_a_record_made_and_changed_in_one_transaction_arrives_whole(world: World) -> None:
    with world.replica_session() as session:
        lead = Lead(first_name="Draft", last_name="One", email="draft@x.org")
        session.add(lead)
        session.flush()
        lead.first_name = "Final"
        session.flush()
        session.delete(session.get(Lead, world.lead_id))
        session.commit()
        lead_id = lead.id
    assert world.push().conflicts == 0
    assert server_lead(world, lead_id).first_name == "Final"
    assert server_lead(world, world.lead_id) is None


@ON_POSTGRESQL
def test_the_logins_grants_and_row_security_hold_for_pushed_changes(
    engine: Engine, migrated_templates: dict, tmp_path: Path
) -> None:
    world = make_world(engine, Path(migrated_templates["sqlite"]), tmp_path, role="SALES")
    with world.replica.begin() as conn:  # a replica's file edited by hand: the server decides
        conn.execute(
            update(Enrollment)
            .where(Enrollment.id == world.enrollment_id)
            .values(status=EnrollmentStatus.CANCELLED)
        )
    assert world.push().conflicts == 1
    with world.replica_session() as session:
        (found,) = open_conflicts(session)
        assert found.kind == "rule" and "row-level security" in found.message
        assert session.get(Enrollment, world.enrollment_id).status is not EnrollmentStatus.CANCELLED
    with world.owner_session() as session:
        assert session.get(Enrollment, world.enrollment_id).status is not EnrollmentStatus.CANCELLED
    world.server.dispose()
    world.replica.dispose()
