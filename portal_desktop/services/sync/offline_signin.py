"""Signing in to a replica without the server, for a limited time after an online sign-in.

Every good online sign-in on a machine with a replica calls :func:`remember_sign_in`: the
replica's ``sync_credentials`` keeps an Argon2id verifier of the password (never the password)
for that username, valid for the installation's ``offline_sign_in_days`` setting (default 14)
from then. :func:`offline_sign_in` accepts the same password until then.

An unknown username, a wrong password, an expired verifier and a person deactivated on the
replica all get the online sign-in's words (``BAD_CREDENTIALS``), after the same Argon2 work;
failures count on the replica's copy of the person's row toward the same lockout as online
(five in a row lock for 15 minutes, with the same message). The pull calls :func:`forget` with
the people deactivated on the server: they can no longer sign in offline.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select, type_coerce
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.replica_tables import sync_credentials
from portal_desktop.models import User
from portal_desktop.models.types import UTCDateTime
from portal_desktop.services.accounts.passwords import hash_password, verify_password
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.accounts.users import (
    BAD_CREDENTIALS,
    AuthenticationError,
    LoginResult,
    actor_for,
    count_failure,
    dummy_hash,
    locked_error,
)
from portal_desktop.services.common.context import Actor
from portal_desktop.services.common.fields import aware_utc
from portal_desktop.services.common.transaction import use_case


def _now(now: dt.datetime | None) -> dt.datetime:
    return clock.now() if now is None else aware_utc("now", now)


@use_case
def remember_sign_in(
    replica: Session, actor: Actor, password: str, now: dt.datetime | None = None
) -> dt.datetime:
    """Keep a verifier of ``password`` for ``actor`` after a good online sign-in; returns
    until when it is valid (replacing the one an earlier sign-in left)."""
    now = _now(now)
    expires_at = now + dt.timedelta(days=load_settings(replica).offline_sign_in_days)
    username = actor.username.strip().lower()
    replica.execute(delete(sync_credentials).where(sync_credentials.c.username == username))
    replica.execute(
        sync_credentials.insert().values(
            username=username,
            verifier=hash_password(password),
            person_id=actor.user_id,
            signed_in_at=now,
            expires_at=expires_at,
        )
    )
    return expires_at


@use_case
def attempt_offline_login(
    replica: Session, username: str, password: str, now: dt.datetime | None = None
) -> LoginResult:
    """Check a username and password against the replica's verifier; count failures toward
    the lockout and commit in every case (returns rather than raises, as online)."""
    now = _now(now)
    password = password if isinstance(password, str) else ""
    name = str(username).strip().lower()
    row = replica.execute(
        select(
            sync_credentials.c.verifier,
            type_coerce(sync_credentials.c.expires_at, UTCDateTime()).label("expires_at"),
        ).where(sync_credentials.c.username == name)
    ).first()
    user = replica.scalar(
        select(User).where(User.username == name).execution_options(populate_existing=True)
    )
    if row is None or user is None or not user.active:
        verify_password(row.verifier if row else dummy_hash(), password)
        return LoginResult(None, AuthenticationError(BAD_CREDENTIALS))
    if user.locked_until is not None:
        if user.locked_until > now:
            return LoginResult(None, locked_error(replica, user.locked_until))
        user.locked_until = None  # the lock has expired: a fresh count of attempts (as online)
        user.failed_logins = 0
    if verify_password(row.verifier, password) and row.expires_at > now:
        user.failed_logins = 0
        user.locked_until = None
        return LoginResult(actor_for(user))
    return LoginResult(None, count_failure(replica, user, now))


def offline_sign_in(
    replica: Session, username: str, password: str, now: dt.datetime | None = None
) -> Actor:
    """The actor, or AuthenticationError (AccountLockedError once locked) in the online
    sign-in's words. Not a use case: :func:`attempt_offline_login` is, and has committed
    the failure count before this raises."""
    result = attempt_offline_login(replica, username, password, now=now)
    if result.error is not None:
        raise result.error
    assert result.actor is not None
    return result.actor


@use_case
def forget(replica: Session, person_ids: Iterable[uuid.UUID]) -> int:
    """Drop the verifiers of these people (deactivated on the server); how many went."""
    ids = list(person_ids)
    if not ids:
        return 0
    result = replica.execute(delete(sync_credentials).where(sync_credentials.c.person_id.in_(ids)))
    return int(result.rowcount or 0)
