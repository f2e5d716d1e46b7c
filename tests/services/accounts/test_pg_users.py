"""People on a shared PostgreSQL database, through the app's services, each session logged
in as the person (issue 14): first password, deactivation, reports, the audit trail and the
upgrade from the single-login layout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import AuditEntry, Payment, User
from portal_desktop.models.enums import PaymentStatus
from portal_desktop.services.accounts.pg_users import owner_actor, signed_in_actor
from portal_desktop.services.accounts.users import (
    change_password,
    create_user,
    deactivate_user,
    link_login,
    reactivate_user,
)
from portal_desktop.services.billing.payments import refund_payment
from portal_desktop.services.reporting.kpis import kpi_report
from portal_desktop.services.seeding import seed_database
from tests.db.pg_logins import PASSWORD, create_login, login_url, unique_name

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])
NEW_PASSWORD = "a better password 2"


@contextmanager
def session_as(owner: Engine, name: str) -> Iterator[Session]:
    engine = make_engine(login_url(owner, name))
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _verifier(owner: Engine, name: str) -> str:
    with owner.connect() as conn:
        return str(
            conn.scalar(text("SELECT rolpassword FROM pg_authid WHERE rolname = :n"), {"n": name})
        )


@ON_POSTGRESQL
def test_a_first_password_is_changed_by_the_person_at_first_sign_in(engine: Engine) -> None:
    with Session(engine) as session:
        user = create_user(session, owner_actor(session), unique_name("eve"), PASSWORD, "SALES")
        name = user.username
        assert (user.must_change_password, user.password_hash) == (True, "")
    first = _verifier(engine, name)
    assert first.startswith("SCRAM-SHA-256$")
    with session_as(engine, name) as session:
        actor = signed_in_actor(session)
        change_password(session, actor, PASSWORD, NEW_PASSWORD)
    with Session(engine) as session:
        assert (
            session.scalar(select(User.must_change_password).where(User.username == name)) is False
        )
    assert _verifier(engine, name) not in (first, "None")


@ON_POSTGRESQL
def test_deactivating_ends_the_sessions_and_the_login(engine: Engine) -> None:
    admin, sales = create_login(engine, "ADMIN"), create_login(engine, "SALES")
    victim = psycopg.connect(login_url(engine, sales))
    with session_as(engine, admin) as session:
        sales_id = session.scalar(select(User.id).where(User.username == sales))
        deactivate_user(session, signed_in_actor(session), sales_id)
    with pytest.raises(psycopg.OperationalError):
        victim.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(login_url(engine, sales))
    with session_as(engine, admin) as session:
        reactivate_user(session, signed_in_actor(session), sales_id)
    psycopg.connect(login_url(engine, sales)).close()


@ON_POSTGRESQL
def test_a_restricted_role_gets_complete_reports(engine: Engine) -> None:
    seed_database(engine, leads=60)
    marketing = create_login(engine, "MARKETING")
    start, end = dt.date(2015, 1, 1), dt.date(2030, 1, 1)
    with engine.begin() as conn:  # the facts must be rebuilt, all of them
        conn.execute(text("DELETE FROM rollup_state"))
    with session_as(engine, marketing) as session:
        theirs = kpi_report(session, signed_in_actor(session), start, end)
    with Session(engine) as session:
        ours = kpi_report(session, owner_actor(session), start, end)
    assert theirs == ours
    assert theirs.leads > 0


@ON_POSTGRESQL
def test_the_database_audits_a_person_with_their_login_and_use_case(engine: Engine) -> None:
    seed_database(engine, leads=40)
    admin = create_login(engine, "ADMIN")
    with Session(engine) as session:
        payment_id = session.scalar(
            select(Payment.id).where(Payment.status == PaymentStatus.PAID).limit(1)
        )
        before = session.scalar(select(text("count(*)")).select_from(AuditEntry))
    with session_as(engine, admin) as session:
        refund_payment(session, signed_in_actor(session), payment_id)
    with Session(engine) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.at).offset(before)).all()
    payments = [r for r in rows if r.entity == "payments"]
    assert {(r.username, r.summary, r.entity_id) for r in payments} == {
        (admin, "refund payment", payment_id)
    }
    assert any((r.new_values or {}).get("status") == "REFUNDED" for r in payments)
    assert {r.username for r in rows} == {admin}


@ON_POSTGRESQL
def test_upgrading_a_single_login_database_then_linking_its_users(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0006")
    name = unique_name("old")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, role, password_hash, active, "
                "failed_logins, created_at, updated_at, version) VALUES (gen_random_uuid(), "
                ":n, 'Old Timer', 'SALES', '$argon2id$old', true, 0, now(), now(), 1)"
            ),
            {"n": name},
        )
    migrate.upgrade(engine)
    try:
        with Session(engine) as session:
            user = session.scalar(select(User).where(User.username == name))
            assert user is not None
            link_login(session, owner_actor(session), user.id, PASSWORD)
        with session_as(engine, name) as session:
            actor = signed_in_actor(session)
            assert (actor.username, actor.role.value) == (name, "SALES")
            hashes = session.execute(text("SELECT must_change_password FROM users")).scalars()
            assert list(hashes) == [True]
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        engine.dispose()
