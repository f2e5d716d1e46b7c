"""THE PROOF of issue 14: people log in to a shared PostgreSQL database as themselves —
directly with psycopg, not through the app — and the database, not the app, decides.

For each role (admin, sales, marketing) every table by SELECT/INSERT/UPDATE/DELETE/TRUNCATE
is tried, inside and outside its row rules, with the secret column, DDL, disabling
triggers and row security, granting oneself a role, and the owner's functions; a
deactivated user cannot even connect. The expected allows are ``pg_grants.MATRIX`` (the
same table the migration grants and the README shows). Every change is rolled back.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from portal_desktop.db.pg_grants import markdown_matrix
from portal_desktop.models import DailyMetric
from portal_desktop.services.reporting.rollups import refresh_rollups
from portal_desktop.services.seeding import seed_database
from tests.db.pg_attempts import Attempt, outcome, power_attempts, table_attempts
from tests.db.pg_logins import connect_as, create_login, login_url

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def people(engine: Engine) -> dict[str, str]:
    """A seeded database and one login per role, plus a deactivated one."""
    seed_database(engine, leads=40)
    with Session(engine) as session:
        refresh_rollups(session)
        member = session.scalar(select(DailyMetric.team_member_id).limit(1))
        session.execute(
            text("UPDATE users SET team_member_id = NULL WHERE team_member_id = :m"), {"m": member}
        )
        session.commit()
    names = {
        "ADMIN": create_login(engine, "ADMIN"),
        "SALES": create_login(engine, "SALES", team_member=member),
        "MARKETING": create_login(engine, "MARKETING"),
        "GONE": create_login(engine, "SALES", prefix="gone"),
        "member": str(member),
    }
    with engine.begin() as conn:
        conn.execute(text("SELECT portal_set_active(:n, false)"), {"n": names["GONE"]})
        for entity in ("payments", "users"):  # one trail row each, for the read rule
            conn.execute(
                text(
                    "INSERT INTO audit_log (id, at, username, action, entity, created_at, "
                    "updated_at, version) VALUES (gen_random_uuid(), now(), 'owner', 'UPDATE', "
                    ":e, now(), now(), 1)"
                ),
                {"e": entity},
            )
    return names


def _attempts(role: str, people: dict[str, str]) -> list[Attempt]:
    return [
        *table_attempts(role, people["member"]),
        *power_attempts(role, people["GONE"]),
    ]


@ON_POSTGRESQL
def test_every_role_can_do_exactly_what_the_matrix_says(
    engine: Engine, people: dict[str, str]
) -> None:
    attempts = allowed = 0
    unexpected_allows: list[str] = []
    unexpected_refusals: list[str] = []
    for role in ("ADMIN", "SALES", "MARKETING"):
        with connect_as(engine, people[role]) as conn:
            for attempt in _attempts(role, people):
                attempts += 1
                got, reason = outcome(conn, attempt)
                allowed += got
                if got and not attempt.expected:
                    unexpected_allows.append(f"{role}: {attempt.what} ({reason})")
                elif attempt.expected and not got:
                    unexpected_refusals.append(f"{role}: {attempt.what} ({reason})")
    attempts += 1  # the deactivated user tries to log in
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(login_url(engine, people["GONE"])).close()
    print(
        f"attempts {attempts}, expected allows {allowed - len(unexpected_allows)}, "
        f"unexpected allows {len(unexpected_allows)}, "
        f"unexpected refusals {len(unexpected_refusals)}"
    )
    assert unexpected_allows == []
    assert unexpected_refusals == []


@ON_POSTGRESQL
def test_the_owner_cannot_truncate_or_change_the_audit_trail(engine: Engine) -> None:
    with engine.connect() as conn:
        for statement in (
            "TRUNCATE audit_log",
            "UPDATE audit_log SET summary = 'x'",
            "DELETE FROM audit_log",
        ):
            with pytest.raises(Exception, match="audit"), conn.begin():
                conn.execute(
                    text(
                        "INSERT INTO audit_log (id, at, username, action, entity, "
                        "created_at, updated_at, version) VALUES "
                        "(gen_random_uuid(), now(), 'x', 'CREATE', 'x', now(), "
                        "now(), 1)"
                    )
                )
                conn.execute(text(statement))


def test_the_readme_shows_the_matrix_the_database_grants() -> None:
    from pathlib import Path

    readme = Path(__file__).parents[2].joinpath("README.md").read_text(encoding="utf-8")
    assert markdown_matrix() in readme
