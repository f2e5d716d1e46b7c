"""A server and a replica for the push tests: the shared PostgreSQL (migrated, a small seed,
an ADMIN person's login) and a SQLite replica made from it (migrated, replica tables, the
server's rows copied without capture). The lead switches the copy to PULL's snapshot."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from portal_desktop.db.engine import make_engine
from portal_desktop.db.replica_tables import create_replica_tables, sync_state
from portal_desktop.models import Base, Enrollment, Lead, User
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sync import capture
from portal_desktop.services.sync.push import PushResult, push
from tests.db.pg_logins import create_login, login_sqlalchemy_url
from tests.services.factories import make_enrollment, make_lead, make_team_member

_NOT_COPIED = {"audit_log", "sync_applied"}


@dataclass
class World:
    owner: Engine  # the schema owner (the test's own view of the server)
    server: Engine  # the person's login: what the replica pushes as
    replica: Engine
    login: str
    lead_id: uuid.UUID
    enrollment_id: uuid.UUID
    member_id: uuid.UUID

    def push(self) -> PushResult:
        return push(self.server, self.replica)

    def owner_session(self) -> Session:
        return Session(self.owner)

    def replica_session(self) -> Session:
        return Session(self.replica)


def copy_rows(server: Engine, replica: Engine) -> None:
    """Every record of the server into the replica, without outbox rows."""
    with server.connect() as source, replica.begin() as target, capture.paused(target):
        for table in Base.metadata.sorted_tables:
            if table.name in _NOT_COPIED or table.name.startswith(("rollup", "lead_day")):
                continue
            rows = [row._asdict() for row in source.execute(select(table))]
            if rows:
                target.execute(insert(table), rows)


def make_world(owner: Engine, template: Path, folder: Path, role: str = "ADMIN") -> World:
    with Session(owner) as session:
        lead = make_lead(session, notes="first note")
        member_id = make_team_member(session).id
        session.commit()
        enrollment = make_enrollment(
            session, SYSTEM, plan_type="SPLIT", contract_value="900", installments=3
        )
        lead_id, enrollment_id = lead.id, enrollment.id
    login = create_login(owner, role)
    server = make_engine(login_sqlalchemy_url(owner, login))
    path = folder / "replica.sqlite3"
    shutil.copyfile(template, path)
    replica = make_engine(f"sqlite:///{path}")
    create_replica_tables(replica)
    copy_rows(owner, replica)
    with owner.connect() as conn:
        person = conn.scalar(select(User.id).where(User.username == login))
    with replica.begin() as conn:
        conn.execute(
            insert(sync_state),
            [{"key": "login", "value": login}, {"key": "person_id", "value": str(person)}],
        )
    return World(owner, server, replica, login, lead_id, enrollment_id, member_id)


def server_lead(world: World, lead_id: uuid.UUID) -> Lead | None:
    with world.owner_session() as session:
        return session.get(Lead, lead_id)


def installments_of(session: Session, enrollment_id: uuid.UUID) -> list:
    enrollment = session.get(Enrollment, enrollment_id)
    assert enrollment is not None
    return sorted(enrollment.installments, key=lambda i: i.sequence)
