"""Accounts and roles: users, sign-in with a lockout, passwords, roles, deactivation.

Sign-in answers an unknown user, a wrong password and a deactivated user with the same
words, after the same amount of Argon2 work. Five failed sign-ins in a row lock the account
for 15 minutes; the lock message says until when. That message does tell whoever triggered
it that the username exists, but only after five failures on it, which are counted on the
row for administrators to see; a back office with a handful of users accepts that, and the
alternative (no lock message) leaves real users guessing why they cannot sign in.

Usernames are stored in lower case, so the unique constraint on ``users.username`` makes them
unique regardless of case, and sign-in ignores the case of what is typed.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.pg_logins import is_shared
from portal_desktop.errors import (
    PermissionDeniedError,
    PortalError,
    ValidationError,
)
from portal_desktop.models import User
from portal_desktop.models.enums import AuditAction, UserRole
from portal_desktop.services.accounts import pg_users
from portal_desktop.services.accounts.passwords import hash_password, needs_rehash, verify_password
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.accounts.user_checks import (
    check_team_member,
    clean_username,
    ensure_another_active_admin,
    flush_user,
    locked_user,
    parse_role,
    user_for_sign_in,
)
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import SYSTEM, Actor, Permission
from portal_desktop.services.common.fields import aware_utc, clean_email, clean_text, format_local
from portal_desktop.services.common.transaction import use_case

MAX_FAILED_LOGINS = 5
LOCK_DURATION = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # Argon2 takes any length; this only bounds the work per attempt
BAD_CREDENTIALS = "Unknown username or wrong password"
_EDITABLE_USER_FIELDS = ("full_name", "email", "team_member_id")


class AuthenticationError(PortalError):
    """Sign-in refused: unknown user, wrong password, deactivated user (one message)."""


class AccountLockedError(AuthenticationError):
    """Sign-in refused because of too many failed attempts; ``locked_until`` is UTC."""

    def __init__(self, message: str, locked_until: dt.datetime) -> None:
        super().__init__(message)
        self.locked_until = locked_until


@dataclass(frozen=True)
class LoginResult:
    """What a sign-in attempt gave: the actor, or the error to show."""

    actor: Actor | None
    error: AuthenticationError | None = None


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=UserRole(user.role),
        team_member_id=user.team_member_id,
    )


@functools.cache
def dummy_hash() -> str:
    """A hash with the current parameters, verified for unknown users to match the timing."""
    return hash_password("no such user: this only keeps the timing the same")


def _now(now: dt.datetime | None) -> dt.datetime:
    return clock.now() if now is None else aware_utc("now", now)


# --- sign-in -------------------------------------------------------------------------------


@use_case
def attempt_login(
    session: Session, username: str, password: str, now: dt.datetime | None = None
) -> LoginResult:
    """Check a username and password; count failures and lock; commit in every case.

    Returns rather than raises, so that the failure counter it writes is committed.
    """
    now = _now(now)
    password = password if isinstance(password, str) else ""
    user = user_for_sign_in(session, username)
    if user is None or not user.active:
        verify_password(user.password_hash if user else dummy_hash(), password)
        return LoginResult(None, AuthenticationError(BAD_CREDENTIALS))
    if user.locked_until is not None:
        if user.locked_until > now:
            return LoginResult(None, locked_error(session, user.locked_until))
        user.locked_until = None  # the lock has expired: a fresh count of attempts
        user.failed_logins = 0
    if not verify_password(user.password_hash, password):
        return LoginResult(None, count_failure(session, user, now))
    user.failed_logins = 0
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(actor_for(user))


def authenticate(
    session: Session, username: str, password: str, now: dt.datetime | None = None
) -> Actor:
    """The actor for a username and password, or AuthenticationError.

    Not a ``@use_case`` on purpose: :func:`attempt_login` is the transaction and has
    committed the failure count before this raises. Call it on its own, not from inside
    another use case (whose rollback would undo the count).
    """
    result = attempt_login(session, username, password, now=now)
    if result.error is not None:
        raise result.error
    assert result.actor is not None
    return result.actor


def count_failure(session: Session, user: User, now: dt.datetime) -> AuthenticationError:
    user.failed_logins += 1
    if user.failed_logins < MAX_FAILED_LOGINS:
        return AuthenticationError(BAD_CREDENTIALS)
    before = audit.snapshot(user)
    user.locked_until = now + LOCK_DURATION
    audit.record(
        session,
        SYSTEM,
        AuditAction.UPDATE,
        user,
        old=before,
        summary=f"locked after {user.failed_logins} failed sign-ins",
    )
    return locked_error(session, user.locked_until)


def locked_error(session: Session, until: dt.datetime) -> AccountLockedError:
    tz = load_settings(session).tz
    return AccountLockedError(
        f"This account is locked after {MAX_FAILED_LOGINS} failed sign-ins until "
        f"{format_local(until, tz)} ({tz.key}). Try again then, or ask an administrator "
        "to unlock it.",
        until,
    )


# --- checks --------------------------------------------------------------------------------


def _check_password(field: str, password: object, username: str) -> str:
    if not isinstance(password, str):
        raise ValidationError(field, "expected text")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            field,
            f"is {len(password)} characters long; use at least {MIN_PASSWORD_LENGTH} "
            "characters (a few words make a good one)",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(field, f"is longer than {MAX_PASSWORD_LENGTH} characters")
    if password.strip().lower() == username.lower():
        raise ValidationError(field, "must not be the username")
    return password


# --- use cases -----------------------------------------------------------------------------


@use_case
def create_user(
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    role: UserRole | str,
    *,
    full_name: str | None = None,
    email: str | None = None,
    team_member_id: uuid.UUID | None = None,
) -> User:
    """A new user (ADMIN only). The username is stored in lower case."""
    actor.require(Permission.MANAGE_USERS)
    name = clean_username(username)
    _check_password("password", password, name)
    values: dict[str, Any] = {
        "username": name,
        "role": parse_role(role),
        "full_name": clean_text("full_name", full_name, max_length=200) or "",
        "email": clean_email("email", email),
        "team_member_id": check_team_member(session, team_member_id, None),
    }
    taken = session.scalar(select(User.username).where(User.username == name))
    if taken is not None:
        raise ValidationError("username", f"'{name}' is already taken; choose another")
    if is_shared(session):
        user = pg_users.create_user(session, name, password, values)
    else:
        user = User(**values, password_hash=hash_password(password))
        session.add(user)
        flush_user(session)
    audit.record(session, actor, AuditAction.CREATE, user)
    return user


@use_case
def update_user(session: Session, actor: Actor, user_id: uuid.UUID, **changes: object) -> User:
    """Change a user's full name, email or team member (ADMIN only)."""
    actor.require(Permission.MANAGE_USERS)
    for key in changes:
        if key not in _EDITABLE_USER_FIELDS:
            raise ValidationError(
                key,
                "cannot be changed here; use set_role, reset_password or deactivate_user",
            )
    user = locked_user(session, user_id)
    before = audit.snapshot(user)
    if "full_name" in changes:
        user.full_name = clean_text("full_name", changes["full_name"], max_length=200) or ""
    if "email" in changes:
        user.email = clean_email("email", changes["email"])
    if "team_member_id" in changes:
        user.team_member_id = check_team_member(session, changes["team_member_id"], user)
    flush_user(session)
    _record_change(session, actor, user, before)
    return user


def _record_change(
    session: Session, actor: Actor, user: User, before: dict[str, Any], summary: str | None = None
) -> None:
    if audit.snapshot(user) != before:
        audit.record(session, actor, AuditAction.UPDATE, user, old=before, summary=summary)


# A user with no lock and a clean count of failed sign-ins.
UNLOCKED: dict[str, Any] = {"failed_logins": 0, "locked_until": None}


def _set(user: User, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(user, name, value)


def _set_fields(
    session: Session, actor: Actor, user: User, summary: str | None, **values: Any
) -> User:
    """Give the user these values, audited when anything changed."""
    before = audit.snapshot(user)
    _set(user, values)
    _record_change(session, actor, user, before, summary)
    return user


@use_case
def change_password(session: Session, actor: Actor, old_password: str, new_password: str) -> None:
    """The signed-in user changes their own password."""
    if actor.user_id is None:
        raise PermissionDeniedError(
            f"{actor.username} is not a signed-in user; sign in to change your password"
        )
    shared = is_shared(session)  # there the row is the owner's: no lock, no hash
    user = session.get(User, actor.user_id) if shared else locked_user(session, actor.user_id)
    if user is None or not user.active:
        raise PermissionDeniedError("This account is deactivated; ask an administrator")
    if shared:  # the server checked the current password at sign-in
        _check_password("new_password", new_password, user.username)
        if new_password == old_password:
            raise ValidationError("new_password", "is the same as the current password")
        pg_users.change_password(session, new_password)
        return
    if not verify_password(user.password_hash, old_password):
        raise ValidationError("old_password", "is not your current password; type it again")
    _check_password("new_password", new_password, user.username)
    if new_password == old_password:
        raise ValidationError("new_password", "is the same as the current password")
    before = audit.snapshot(user)
    user.password_hash = hash_password(new_password)
    audit.record(session, actor, AuditAction.UPDATE, user, old=before, summary="changed password")


@use_case
def reset_password(session: Session, actor: Actor, user_id: uuid.UUID, new_password: str) -> User:
    """An administrator sets a new password for a user; this also lifts a lock."""
    actor.require(Permission.MANAGE_USERS)
    user = locked_user(session, user_id)
    _check_password("new_password", new_password, user.username)
    before = audit.snapshot(user)
    if is_shared(session):
        pg_users.reset_password(session, user, new_password)
    else:
        user.password_hash = hash_password(new_password)
        _set(user, UNLOCKED)
    audit.record(session, actor, AuditAction.UPDATE, user, old=before, summary="password reset")
    return user


@use_case
def unlock_user(session: Session, actor: Actor, user_id: uuid.UUID) -> User:
    """Lift a lock and clear the count of failed sign-ins (ADMIN only)."""
    actor.require(Permission.MANAGE_USERS)
    if is_shared(session):
        raise ValidationError(
            "user",
            "a shared database has no lock of the app's: the server limits sign-in attempts "
            "(auth_delay, pg_hba.conf); reset the password if it is forgotten",
        )
    user = locked_user(session, user_id)
    return _set_fields(session, actor, user, "unlocked", **UNLOCKED)


@use_case
def set_role(session: Session, actor: Actor, user_id: uuid.UUID, role: UserRole | str) -> User:
    """Give a user another role (ADMIN only); the last active administrator keeps ADMIN."""
    actor.require(Permission.MANAGE_USERS)
    new_role = parse_role(role)
    user = locked_user(session, user_id)
    if new_role != UserRole.ADMIN:
        ensure_another_active_admin(session, user, "role", f"make {new_role.value}")
    if is_shared(session):
        return _through_database(session, actor, user, None, pg_users.set_role, new_role)
    return _set_fields(session, actor, user, None, role=new_role)


@use_case
def deactivate_user(session: Session, actor: Actor, user_id: uuid.UUID) -> User:
    """The user can no longer sign in; their history stays (ADMIN only)."""
    actor.require(Permission.MANAGE_USERS)
    user = locked_user(session, user_id)
    if user.id == actor.user_id:
        raise PermissionDeniedError(
            "You cannot deactivate your own account; ask another administrator"
        )
    ensure_another_active_admin(session, user, "active", "deactivate")
    if is_shared(session):
        return _through_database(session, actor, user, "deactivated", pg_users.set_active, False)
    return _set_fields(session, actor, user, "deactivated", active=False)


@use_case
def reactivate_user(session: Session, actor: Actor, user_id: uuid.UUID) -> User:
    """Let a deactivated user sign in again, with a clean failure count (ADMIN only)."""
    actor.require(Permission.MANAGE_USERS)
    user = locked_user(session, user_id)
    if is_shared(session):
        return _through_database(session, actor, user, "reactivated", pg_users.set_active, True)
    return _set_fields(session, actor, user, "reactivated", active=True, **UNLOCKED)


@use_case
def link_login(session: Session, actor: Actor, user_id: uuid.UUID, password: str) -> User:
    """Shared database: give a user of the single-login layout a login role of their own,
    with a first password to change at the first sign-in (ADMIN only)."""
    actor.require(Permission.MANAGE_USERS)
    if not is_shared(session):
        raise ValidationError("url", "only a shared PostgreSQL database has logins per person")
    user = locked_user(session, user_id)
    _check_password("password", password, user.username)
    before = audit.snapshot(user)
    pg_users.link_user(session, user, password)
    _record_change(session, actor, user, before, "login created")
    return user


def _through_database(
    session: Session, actor: Actor, user: User, summary: str | None, change: Any, value: Any
) -> User:
    """A change the owner's function makes (login role and users row together), audited."""
    before = audit.snapshot(user)
    change(session, user, value)
    _record_change(session, actor, user, before, summary)
    return user
