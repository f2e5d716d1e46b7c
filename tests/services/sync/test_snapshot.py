"""The first copy as a person's own login: row security and grants apply (a setter's copy
holds what a setter sees, a marketer's has no money), where the pull goes on from is
remembered without the password, and the progress reaches its total."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine
from portal_desktop.db.replica_tables import create_replica_tables, sync_state
from portal_desktop.models import AuditEntry, Lead, User
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.sync.pull import pull
from portal_desktop.services.sync.snapshot import SNAPSHOT_XMIN, take_snapshot
from tests.db.pg_logins import create_login, login_sqlalchemy_url
from tests.services.sync.sync_world import ON_POSTGRESQL, make_replica, row_counts

pytestmark = ON_POSTGRESQL


def _as_login(server: Engine, role: str) -> tuple[Engine, str, uuid.UUID]:
    name = create_login(server, role)
    with server.connect() as conn:
        person = conn.scalar(select(User.id).where(User.username == name))
    assert person is not None
    return make_engine(login_sqlalchemy_url(server, name)), name, person


def _snapshot(login: Engine, name: str, person: uuid.UUID, path: Path, **kw) -> Engine:
    return take_snapshot(login, path, login=name, person_id=person, **kw)


def _state(replica: Engine) -> dict[str, str]:
    with replica.connect() as conn:
        return {row.key: row.value for row in conn.execute(select(sync_state))}


def _audit(server: Engine, *entities: str) -> None:
    with Session(server) as session:
        for entity in entities:
            session.add(AuditEntry(username="admin", action=AuditAction.UPDATE, entity=entity))
        session.commit()


def test_a_setters_copy_holds_what_a_setter_sees(server: Engine, tmp_path: Path) -> None:
    _audit(server, "payments", "leads", "users")  # the trail a setter may read: money only
    login, name, person = _as_login(server, "SALES")
    seen: list[tuple[int, int]] = []
    replica = _snapshot(
        login, name, person, tmp_path / "setter.sqlite3", progress=lambda d, t: seen.append((d, t))
    )
    try:
        assert row_counts(replica) == row_counts(login)  # what the setter's login reads
        with replica.connect() as conn:
            entities = set(conn.scalars(select(AuditEntry.entity).distinct()))
            hashes = set(conn.scalars(select(User.password_hash)))
        with server.connect() as conn:
            everything = set(conn.scalars(select(AuditEntry.entity).distinct()))
        assert entities and entities <= {"enrollments", "installments", "payments"}
        assert everything - entities  # the server holds more than the setter sees
        assert hashes <= {None, ""}  # never what the login could not read
        total = sum(row_counts(login).values())
        assert seen[0] == (0, total) and seen[-1] == (total, total)
    finally:
        replica.dispose()
        login.dispose()


def test_a_marketers_copy_has_no_money_and_pulls(server: Engine, tmp_path: Path) -> None:
    """Marketing may not read payments, installments, daily metrics nor the audit trail:
    its copy leaves them empty instead of failing, and its pulls skip their changes."""
    login, name, person = _as_login(server, "MARKETING")
    replica = _snapshot(login, name, person, tmp_path / "marketer.sqlite3")
    try:
        counts = row_counts(replica)
        assert counts["payments"] == counts["installments"] == counts["audit_log"] == 0
        assert counts["leads"] == row_counts(server)["leads"] > 0
        with server.begin() as conn:  # an admin's change to a lead and to a payment
            conn.execute(update(Lead).values(notes="seen by marketing"))
            conn.execute(text("UPDATE payments SET notes = 'not for marketing'"))
        assert pull(login, replica) == counts["leads"]
        assert row_counts(replica)["payments"] == 0
    finally:
        replica.dispose()
        login.dispose()


def test_the_state_names_the_copy_the_person_and_the_server_without_password(
    server: Engine, tmp_path: Path
) -> None:
    login, name, person = _as_login(server, "ADMIN")
    before = dt.datetime.now(dt.UTC)
    replica = _snapshot(login, name, person, tmp_path / "admin.sqlite3")
    try:
        state = _state(replica)
        assert uuid.UUID(state["replica_id"]).version == 7
        assert (state["login"], state["person_id"]) == (name, str(person))
        assert name in state["server"] and login.url.password not in state["server"]
        assert dt.datetime.fromisoformat(state["snapshot_at"]) >= before - dt.timedelta(seconds=5)
        with login.connect() as conn:
            open_xmin = int(conn.scalar(SNAPSHOT_XMIN))
        assert 0 < int(state["pull_cursor"]) <= open_xmin
    finally:
        replica.dispose()
        login.dispose()


FTS = "leads_search"  # the leads' search index on SQLite (migration 0002)


def _schema(engine: Engine) -> set[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        )
        return {(kind, name, sql) for kind, name, sql in rows}


def test_a_copy_is_loaded_bare_and_left_whole(server: Engine, tmp_path: Path) -> None:
    """The copy loads without indexes and triggers; after it every one is back as the
    migrations and the replica tables make them, and the search index matches the rows."""
    replica = make_replica(server, tmp_path)
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    migrate.upgrade(fresh)
    create_replica_tables(fresh)
    try:
        assert _schema(replica) == _schema(fresh)
        with replica.begin() as conn:  # FTS5 raises when the index and its rows differ
            conn.exec_driver_sql(
                "INSERT INTO leads_search (leads_search) VALUES ('integrity-check')"
            )
            email = conn.scalar(select(Lead.email).limit(1))
            found = conn.exec_driver_sql(
                f"SELECT count(*) FROM {FTS} WHERE {FTS} MATCH ?", (f'"{email}"',)
            ).scalar()
        assert found == 1
    finally:
        fresh.dispose()
        replica.dispose()
