"""Offline sign-in on a replica: the verifier the last online sign-in leaves, its expiry,
the online words for every refusal, the shared lockout, and forgetting deactivated people."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.replica_tables import sync_credentials
from portal_desktop.models import User
from portal_desktop.services.accounts.settings import update_settings
from portal_desktop.services.accounts.users import (
    BAD_CREDENTIALS,
    AccountLockedError,
    AuthenticationError,
)
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sync import capture
from portal_desktop.services.sync.offline_signin import forget, offline_sign_in, remember_sign_in
from tests import ui_replica
from tests.services.factories import actor_of, make_user

PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

replica = ui_replica.replica
replica_sessions = ui_replica.replica_sessions


def _pulled_user(session: Session, username: str) -> User:
    """A person as the pull brings them: logins are made on the server, never on a replica."""
    with capture.paused(session.connection()):
        return make_user(session, username=username)


@pytest.fixture
def signed_in(replica_sessions: sessionmaker[Session]) -> tuple[str, object]:
    """Ana signed in online at T0 on this machine."""
    with replica_sessions() as session:
        user = _pulled_user(session, "ana")
        actor = actor_of(user)
        remember_sign_in(session, actor, PASSWORD, now=T0)
    return "ana", actor


def _refused(sessions: sessionmaker[Session], name: str, password: str, when: dt.datetime) -> str:
    with sessions() as session, pytest.raises(AuthenticationError) as caught:
        offline_sign_in(session, name, password, now=when)
    return str(caught.value)


def test_the_right_password_signs_in_offline_until_the_setting_runs_out(
    replica_sessions, signed_in
) -> None:
    name, actor = signed_in
    with replica_sessions() as session:
        assert offline_sign_in(session, "ANA ", PASSWORD, now=T0 + dt.timedelta(days=13)) == actor
    after = T0 + dt.timedelta(days=14, seconds=1)
    assert _refused(replica_sessions, name, PASSWORD, after) == BAD_CREDENTIALS


def test_the_days_come_from_the_settings(replica_sessions) -> None:
    with replica_sessions() as session:
        update_settings(session, SYSTEM, offline_sign_in_days=3)
        actor = actor_of(_pulled_user(session, "bo"))
        until = remember_sign_in(session, actor, PASSWORD, now=T0)
    assert until == T0 + dt.timedelta(days=3)
    assert _refused(replica_sessions, "bo", PASSWORD, T0 + dt.timedelta(days=4)) == BAD_CREDENTIALS


def test_wrong_password_unknown_user_and_deactivated_get_the_online_words(
    replica_sessions, signed_in
) -> None:
    when = T0 + dt.timedelta(hours=1)
    assert _refused(replica_sessions, "ana", "wrong password!", when) == BAD_CREDENTIALS
    assert _refused(replica_sessions, "nobody", PASSWORD, when) == BAD_CREDENTIALS
    with replica_sessions() as session, capture.paused(session.connection()):
        session.scalar(select(User).where(User.username == "ana")).active = False
        session.commit()  # as a pull brings a deactivation made on the server
    assert _refused(replica_sessions, "ana", PASSWORD, when) == BAD_CREDENTIALS


def test_failures_count_toward_the_same_lockout_as_online(replica_sessions, signed_in) -> None:
    when = T0 + dt.timedelta(hours=1)
    for _ in range(4):
        _refused(replica_sessions, "ana", "wrong password!", when)
    with replica_sessions() as session, pytest.raises(AccountLockedError) as caught:
        offline_sign_in(session, "ana", "wrong password!", now=when)
    assert "locked after 5 failed sign-ins" in str(caught.value)
    with replica_sessions() as session, pytest.raises(AccountLockedError):  # the right one waits
        offline_sign_in(session, "ana", PASSWORD, now=when + dt.timedelta(minutes=1))
    later = when + dt.timedelta(minutes=16)  # the lock is over: one slip does not lock again
    assert _refused(replica_sessions, "ana", "wrong password!", later) == BAD_CREDENTIALS
    with replica_sessions() as session:
        assert offline_sign_in(session, "ana", PASSWORD, now=later).username == "ana"
        assert session.scalar(select(User.failed_logins).where(User.username == "ana")) == 0


def test_no_password_in_plain_text_and_a_new_sign_in_replaces_the_verifier(
    replica,
    replica_sessions,
    signed_in,
) -> None:
    _, actor = signed_in
    with replica_sessions() as session:
        remember_sign_in(session, actor, "another long password", now=T0)
        rows = session.execute(select(sync_credentials)).all()
    assert len(rows) == 1 and rows[0].verifier.startswith("$argon2id$")
    database = Path(str(replica.url.database))
    raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))  # + WAL
    assert PASSWORD.encode() not in raw and b"another long password" not in raw
    assert _refused(replica_sessions, "ana", PASSWORD, T0) == BAD_CREDENTIALS


def test_forget_drops_the_verifiers_of_deactivated_people(replica_sessions, signed_in) -> None:
    _, actor = signed_in
    with replica_sessions() as session:
        other = actor_of(_pulled_user(session, "cy"))
        remember_sign_in(session, other, PASSWORD, now=T0)
        assert forget(session, [actor.user_id]) == 1
        assert forget(session, []) == 0
    assert _refused(replica_sessions, "ana", PASSWORD, T0) == BAD_CREDENTIALS
    with replica_sessions() as session:
        assert offline_sign_in(session, "cy", PASSWORD, now=T0) == other
