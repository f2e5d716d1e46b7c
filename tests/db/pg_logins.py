"""Test helpers for a shared PostgreSQL database: people's login roles made by the owner's
functions, and psycopg connections that log in as them (not through the app)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Engine, make_url, text

from portal_desktop.db.pg_logins import scram_verifier

PASSWORD = "first-password-1"


def unique_name(prefix: str) -> str:
    """Roles are cluster-wide and the suite shares one cluster: every test names its own."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def create_login(
    owner: Engine, role: str, prefix: str | None = None, team_member: uuid.UUID | None = None
) -> str:
    """A person's login role and users row, made by ``portal_create_user`` as the owner."""
    name = unique_name(prefix or role.lower())
    with owner.begin() as conn:
        conn.execute(
            text("SELECT portal_create_user(:n, :v, :r, :f, NULL, :t)"),
            {
                "n": name,
                "v": scram_verifier(conn, name, PASSWORD),
                "r": role,
                "f": f"{role.title()} Person",
                "t": team_member,
            },
        )
    return name


def login_url(owner: Engine, name: str, password: str = PASSWORD) -> str:
    url = make_url(owner.url).set(username=name, password=password, drivername="postgresql")
    return url.render_as_string(hide_password=False)


def login_sqlalchemy_url(owner: Engine, name: str, password: str = PASSWORD) -> str:
    return login_url(owner, name, password).replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def connect_as(owner: Engine, name: str) -> Iterator[psycopg.Connection]:
    """A psycopg connection logged in as ``name`` (autocommit off)."""
    conn = psycopg.connect(login_url(owner, name))
    try:
        yield conn
    finally:
        conn.close()
