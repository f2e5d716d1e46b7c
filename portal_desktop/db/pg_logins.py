"""PostgreSQL logins of people: the SCRAM verifier of a password (computed here, so the clear
text never reaches the server), whether a database is a shared one with login roles, and
the ``users`` row of the role a connection runs as."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from portal_desktop.models import User


def is_shared(session: Session) -> bool:
    """A PostgreSQL database: people sign in as their own login roles (migration 0007)."""
    return session.get_bind().dialect.name == "postgresql"


def scram_verifier(connection: Connection, username: str, password: str) -> str:
    """``SCRAM-SHA-256$…`` for ``password``, by libpq on this connection (not the server)."""
    raw: Any = connection.connection.driver_connection
    verifier = raw.pgconn.encrypt_password(
        password.encode("utf-8"), username.encode("utf-8"), b"scram-sha-256"
    )
    return bytes(verifier).decode("ascii")


def current_role(session: Session) -> str:
    return str(session.scalar(select(text("current_user"))))


def user_of_current_role(session: Session) -> User | None:
    """The ``users`` row named as the role this session runs as (None: there is none)."""
    return session.scalar(select(User).where(User.username == current_role(session)))


def change_own_password(session: Session, new_password: str) -> None:
    """The signed-in role sets its own password (no CREATEROLE needed), then clears its
    must-change flag through the owner's function."""
    connection = session.connection()
    verifier = scram_verifier(connection, current_role(session), new_password)
    # A verifier is hex and base64 only; ALTER ROLE takes no bind parameter.
    if "'" in verifier:
        raise ValueError("unexpected quote in a SCRAM verifier")
    connection.exec_driver_sql(f"ALTER ROLE CURRENT_USER PASSWORD '{verifier}'")
    connection.execute(text("SELECT portal_password_changed()"))
