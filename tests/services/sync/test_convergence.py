"""Two replicas and a server: both edit offline, reconnect in either order, and every
database ends with the same records; a hypothesis machine of random edits and syncs ends
equal to the serial model (the server)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from portal_desktop.db.replica_tables import sync_credentials
from portal_desktop.models import Base, Lead, User
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.sales.leads import create_lead, update_lead
from portal_desktop.services.sync.copy_rows import tables
from portal_desktop.services.sync.offline_signin import remember_sign_in
from portal_desktop.services.sync.run import sync_once
from tests.services.sync.sync_world import ON_POSTGRESQL, make_replica

pytestmark = ON_POSTGRESQL
LOCAL_ONLY = {"audit_log"}  # each database writes its own trail (the server's by trigger)


def records(engine: Engine) -> dict[str, set[tuple[Any, ...]]]:
    """Every replicated record, as comparable tuples (times to the microsecond)."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in tables():
            if table.name in LOCAL_ONLY:
                continue
            columns = [c for c in table.c if c.name != "password_hash"]
            found[table.name] = {tuple(row) for row in conn.execute(select(*columns))}
    return found


def _edit(replica: Engine, lead_id: uuid.UUID, **values: Any) -> None:
    with Session(replica) as session:
        version = session.get(Lead, lead_id).version
        update_lead(session, SYSTEM, lead_id, version, **values)


def _lead_ids(engine: Engine, count: int) -> list[uuid.UUID]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Lead.id).order_by(Lead.id).limit(count)))


@pytest.mark.parametrize("first", ["a", "b"])
def test_two_replicas_edit_offline_and_converge_in_either_order(
    server: Engine, tmp_path: Path, first: str
) -> None:
    a, b = make_replica(server, tmp_path, "a.sqlite3"), make_replica(server, tmp_path, "b.sqlite3")
    shared, only_a = _lead_ids(server, 2)
    _edit(a, shared, first_name="Alice")  # different fields of one record: both kept
    _edit(b, shared, notes="called back by B")
    _edit(a, only_a, medium="Lisbon")
    with Session(b, expire_on_commit=False) as session:
        new = create_lead(session, SYSTEM, first_name="Made", last_name="On B", email="b@x.org")
    order = [a, b] if first == "a" else [b, a]
    for replica in (*order, order[0]):  # the first one again, to take the second's work
        sync_once(server, replica)
    assert records(a) == records(server) == records(b)
    with server.connect() as conn:
        row = conn.execute(select(Lead).where(Lead.id == shared)).one()
        assert (row.first_name, row.notes) == ("Alice", "called back by B")
        assert conn.scalar(select(Lead.medium).where(Lead.id == only_a)) == "Lisbon"
        assert conn.scalar(select(Lead.email).where(Lead.id == new.id)) == "b@x.org"


class TwoReplicas(RuleBasedStateMachine):
    """Random edits of a few leads' fields on two replicas, random syncs; after a final sync
    of both (twice, so each takes the other's), all three databases hold the same records,
    and no edit was lost without a conflict recording it."""

    server: Engine
    folder: Path

    @initialize()
    def start(self) -> None:
        self.count = getattr(self, "count", 0) + 1
        self.a = make_replica(self.server, self.folder, f"a{uuid.uuid4().hex}.sqlite3")
        self.b = make_replica(self.server, self.folder, f"b{uuid.uuid4().hex}.sqlite3")
        self.leads = _lead_ids(self.server, 3)

    @rule(
        which=st.sampled_from(["a", "b"]),
        lead=st.integers(0, 2),
        field=st.sampled_from(["medium", "notes", "first_name"]),
        value=st.text(alphabet="abcdefgh", min_size=1, max_size=6),
    )
    def edit(self, which: str, lead: int, field: str, value: str) -> None:
        _edit(getattr(self, which), self.leads[lead], **{field: value})

    @rule(which=st.sampled_from(["a", "b"]))
    def sync(self, which: str) -> None:
        sync_once(self.server, getattr(self, which))

    @precondition(lambda self: hasattr(self, "a"))
    @invariant()
    def nothing_half_done(self) -> None:
        for replica in (self.a, self.b):
            with replica.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    def teardown(self) -> None:
        if not hasattr(self, "a"):
            return
        for replica in (self.a, self.b, self.a, self.b):
            sync_once(self.server, replica)
        assert records(self.a) == records(self.server) == records(self.b)
        self.a.dispose()
        self.b.dispose()


def test_random_edits_and_syncs_converge(server: Engine, tmp_path: Path) -> None:
    TwoReplicas.server, TwoReplicas.folder = server, tmp_path
    machine = TwoReplicas.TestCase
    machine.settings = settings(
        max_examples=8,
        stateful_step_count=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    machine().runTest()


assert Base  # the models are mapped before the tables are listed


def test_a_person_deactivated_on_the_server_loses_offline_sign_in_at_the_next_sync(
    server: Engine, tmp_path: Path
) -> None:
    replica = make_replica(server, tmp_path)
    with Session(server) as session:
        person = session.scalars(select(User).where(User.active.is_(True))).first()
        assert person is not None
        actor = Actor(person.id, person.username, person.role)
    with Session(replica) as session:
        remember_sign_in(session, actor, "a password to forget")
    with server.begin() as conn:
        conn.execute(update(User).where(User.id == actor.user_id).values(active=False))
    sync_once(server, replica)
    with replica.connect() as conn:
        assert conn.scalar(select(sync_credentials.c.username)) is None
