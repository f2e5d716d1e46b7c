"""People on a shared PostgreSQL database (issue 14): the same use cases as ``users.py``,
done by the schema owner's SECURITY DEFINER functions (``db/pg_people.py``), so that a
person's login role, its group and its LOGIN right change with the ``users`` row.

The caller's own checks (valid username and password, the last active administrator) run
first and word the refusal; the database checks again and would refuse an administrator's
function to anyone else. Passwords are sent as SCRAM verifiers, never in clear.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal_desktop.db.pg_logins import change_own_password, current_role, scram_verifier
from portal_desktop.errors import PermissionDeniedError, ValidationError
from portal_desktop.models import User
from portal_desktop.models.enums import UserRole
from portal_desktop.services.common.changes import note_written
from portal_desktop.services.common.context import Actor

MAX_ROLE_NAME = 63  # PostgreSQL's limit on a role name


@contextmanager
def _worded() -> Iterator[None]:
    """The database's refusals, as the app's errors."""
    try:
        yield
    except DBAPIError as exc:
        orig = exc.orig
        message = str(orig).splitlines()[0] if orig is not None else str(exc)
        if isinstance(orig, psycopg.errors.InsufficientPrivilege):
            raise PermissionDeniedError(f"The database refused: {message}") from None
        if isinstance(orig, psycopg.errors.DuplicateObject):
            raise ValidationError("username", message) from None
        if isinstance(orig, psycopg.errors.UndefinedObject):
            raise ValidationError("user", message) from None
        raise


def _call(session: Session, function: Any) -> Any:
    """Run one of the owner's functions; it writes ``users`` where the session cannot see."""
    with _worded():
        result = session.scalar(select(function))
    note_written(session, "users")
    return result


def owner_actor(session: Session) -> Actor | None:
    """The schema owner (or a superuser) acting with its full rights, else None."""
    owner = session.scalar(
        text("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'users'::regclass")
    )
    role = current_role(session)
    superuser = session.scalar(select(func.current_setting("is_superuser"))) == "on"
    if role == owner or superuser:
        return Actor(user_id=None, username=role, role=UserRole.ADMIN)
    return None


def signed_in_actor(session: Session) -> Actor:
    """The actor of the role this session logged in as: its ``users`` row (refused when
    there is none or it is deactivated); the schema owner acts with its full rights."""
    role = current_role(session)
    user = session.scalar(select(User).where(User.username == role))
    if user is None:
        owner = owner_actor(session)
        if owner is not None:
            return owner
        raise PermissionDeniedError(
            f"The database login '{role}' is not a user of this app; sign in with your own "
            "login, or ask an administrator to add you (portal-desktop users add)"
        )
    if not user.active:
        raise PermissionDeniedError(f"The user '{role}' is deactivated; ask an administrator")
    return Actor(
        user_id=user.id,
        username=user.username,
        role=UserRole(user.role),
        team_member_id=user.team_member_id,
    )


def check_role_name(name: str) -> str:
    if len(name) > MAX_ROLE_NAME:
        raise ValidationError(
            "username", f"is {len(name)} characters long; a database login has at most 63"
        )
    return name


def create_user(session: Session, name: str, password: str, values: dict[str, Any]) -> User:
    verifier = scram_verifier(session.connection(), check_role_name(name), password)
    new_id = _call(
        session,
        func.portal_create_user(
            name,
            verifier,
            values["role"].value,
            values["full_name"],
            values["email"],
            values["team_member_id"],
        ),
    )
    user = session.get(User, new_id, populate_existing=True)
    assert user is not None
    return user


def link_user(session: Session, user: User, password: str) -> None:
    """Give an existing ``users`` row (an upgraded database) a login role of its own."""
    verifier = scram_verifier(session.connection(), check_role_name(user.username), password)
    _call(session, func.portal_link_user(user.username, verifier))
    session.refresh(user)


def set_role(session: Session, user: User, role: UserRole) -> None:
    _call(session, func.portal_set_role(user.username, role.value))
    session.refresh(user)


def set_active(session: Session, user: User, active: bool) -> None:
    _call(session, func.portal_set_active(user.username, active))
    session.refresh(user)


def reset_password(session: Session, user: User, password: str) -> None:
    verifier = scram_verifier(session.connection(), user.username, password)
    _call(session, func.portal_reset_password(user.username, verifier))
    session.refresh(user)


def change_password(session: Session, new_password: str) -> None:
    with _worded():
        change_own_password(session, new_password)


def user_id_of(session: Session, name: str) -> uuid.UUID | None:
    return session.scalar(select(User.id).where(User.username == name))
