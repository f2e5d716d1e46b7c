"""Accounts and roles: users, sign-in, the lockout, passwords, roles and their audit rows."""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from portal_desktop.errors import NotFoundError, PermissionDeniedError, ValidationError
from portal_desktop.models import AuditEntry, TeamMember, User
from portal_desktop.models.enums import AuditAction, TeamRole, UserRole
from portal_desktop.services.accounts.passwords import needs_rehash, verify_password
from portal_desktop.services.accounts.users import (
    BAD_CREDENTIALS,
    AccountLockedError,
    AuthenticationError,
    actor_for,
    authenticate,
    change_password,
    create_user,
    deactivate_user,
    reactivate_user,
    reset_password,
    set_role,
    unlock_user,
    update_user,
)
from portal_desktop.services.common.context import Actor
from tests.services.pipeline_data import MARKETING, SALES, audit_rows, count

# The app's own sign-in, lockout and password hashes are the local file's (issue 14): on a
# shared PostgreSQL database signing in is the server's login (tests/services/accounts/
# test_pg_users.py).
APP_SIGN_IN = pytest.mark.parametrize("backend", ["sqlite"])
PASSWORD = "correct horse battery"
NOW = dt.datetime(2025, 3, 4, 15, 0, tzinfo=dt.UTC)


@functools.cache
def _hash(password: str) -> str:
    """Hashes made once per test run: only the tests about hashing pay for new ones."""
    return PasswordHasher().hash(password)


def _insert_user(sessions, username: str, role: UserRole, password: str = PASSWORD) -> User:
    with sessions() as session:
        user = User(username=username, role=role, password_hash=_hash(password))
        session.add(user)
        session.commit()
        return user


def _user(sessions, user_id: uuid.UUID) -> User:
    with sessions() as session:  # password_hash is deferred (unreadable for people on PG)
        return session.get(User, user_id, options=[undefer(User.password_hash)])


@pytest.fixture
def admin(sessions):
    return actor_for(_insert_user(sessions, "root", UserRole.ADMIN))


@pytest.fixture
def dana(sessions) -> User:
    return _insert_user(sessions, "dana", UserRole.SALES)


# --- creating users ------------------------------------------------------------------------


@APP_SIGN_IN
def test_created_user_signs_in_with_any_case_of_the_username(sessions, admin) -> None:
    with sessions() as session:
        user = create_user(
            session, admin, " Dana.K ", PASSWORD, "sales", full_name="Dana Kay", email="d@x.io"
        )
    assert (user.username, user.role, user.full_name) == ("dana.k", UserRole.SALES, "Dana Kay")
    with sessions() as session:
        actor = authenticate(session, "DANA.k", PASSWORD, now=NOW)
    assert (actor.user_id, actor.username, actor.role) == (user.id, "dana.k", UserRole.SALES)
    stored = _user(sessions, user.id)
    assert stored.last_login_at == NOW and stored.failed_logins == 0
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash


def test_user_creation_is_audited_without_the_password_hash(sessions, admin) -> None:
    with sessions() as session:
        user = create_user(session, admin, "mia", PASSWORD, UserRole.MARKETING)
    (row,) = audit_rows(sessions, "users")
    assert (row.action, row.entity_id, row.user_id, row.username) == (
        AuditAction.CREATE,
        user.id,
        admin.user_id,
        "root",
    )
    assert row.new_values["username"] == "mia" and row.new_values["role"] == "MARKETING"
    assert row.old_values is None
    dumped = json.dumps([row.old_values, row.new_values])
    assert "password_hash" not in dumped and "$argon2" not in dumped


BAD_NEW_USERS = [
    ("ab", PASSWORD, {}, "username", "3 to 80 letters"),
    ("dana k", PASSWORD, {}, "username", "no spaces"),
    ("d" * 81, PASSWORD, {}, "username", "at most 80"),
    ("   ", PASSWORD, {}, "username", "is required"),
    ("ROOT", PASSWORD, {}, "username", "'root' is already taken"),
    ("dana", "short pw", {}, "password", "at least 10 characters"),
    ("danakowalski", "DanaKowalski", {}, "password", "must not be the username"),
    ("dana", PASSWORD, {"role": "BOSS"}, "role", "use one of ADMIN, SALES, MARKETING"),
    ("dana", PASSWORD, {"email": "dana@"}, "email", "not an email address"),
    ("dana", PASSWORD, {"team_member_id": uuid.uuid4()}, "team_member_id", "no such"),
    ("dana", PASSWORD, {"full_name": "x" * 201}, "full_name", "at most 200"),
]


def test_bad_new_users_are_refused_and_nothing_is_written(sessions, admin) -> None:
    for username, password, extra, field, words in BAD_NEW_USERS:
        fields = dict(extra)
        role = fields.pop("role", UserRole.SALES)
        with sessions() as session, pytest.raises(ValidationError) as caught:
            create_user(session, admin, username, password, role, **fields)
        assert (caught.value.field, words in caught.value.problem) == (field, True), caught.value
        assert count(sessions, User) == 1 and count(sessions, AuditEntry) == 0, field


@APP_SIGN_IN
def test_a_team_member_has_one_login(sessions, admin) -> None:
    with sessions() as session:
        member = TeamMember(name="Dana", role=TeamRole.CLOSER)
        session.add(member)
        session.commit()
        create_user(session, admin, "dana", PASSWORD, "SALES", team_member_id=member.id)
    with sessions() as session, pytest.raises(ValidationError) as caught:
        create_user(session, admin, "dana2", PASSWORD, "SALES", team_member_id=member.id)
    assert caught.value.field == "team_member_id"
    assert "already signs in as 'dana'" in caught.value.problem
    with sessions() as session:
        actor = authenticate(session, "dana", PASSWORD, now=NOW)
    assert actor.team_member_id == member.id


# --- signing in ----------------------------------------------------------------------------


@APP_SIGN_IN
def test_unknown_user_wrong_password_and_inactive_user_get_the_same_answer(
    sessions, admin, dana
) -> None:
    _insert_user(sessions, "gone", UserRole.SALES)
    with sessions() as session:
        deactivate_user(session, admin, _id(sessions, "gone"))
    messages = []
    attempts = [("nobody", PASSWORD), ("dana", "wrong password"), ("gone", PASSWORD)]
    for username, password in attempts:
        with sessions() as session, pytest.raises(AuthenticationError) as caught:
            authenticate(session, username, password, now=NOW)
        assert type(caught.value) is AuthenticationError
        messages.append(str(caught.value))
    assert messages == [BAD_CREDENTIALS] * 3
    assert _user(sessions, dana.id).failed_logins == 1


def _id(sessions, username: str) -> uuid.UUID:
    with sessions() as session:
        return session.scalar(select(User.id).where(User.username == username))


def _fail(sessions, username: str, now: dt.datetime) -> AuthenticationError:
    with sessions() as session, pytest.raises(AuthenticationError) as caught:
        authenticate(session, username, "wrong password", now=now)
    return caught.value


@APP_SIGN_IN
def test_five_failures_lock_the_account_for_fifteen_minutes(sessions, dana) -> None:
    for attempt in range(1, 5):
        assert str(_fail(sessions, "dana", NOW)) == BAD_CREDENTIALS
        assert _user(sessions, dana.id).failed_logins == attempt  # committed despite raising
    locked = _fail(sessions, "dana", NOW + dt.timedelta(seconds=30))
    until = NOW + dt.timedelta(minutes=15, seconds=30)
    assert isinstance(locked, AccountLockedError) and locked.locked_until == until
    # 15:15:30 UTC is 10:15 in New York (the default time zone) on 2025-03-04.
    assert "locked after 5 failed sign-ins until 2025-03-04 10:15 (America/New_York)" in str(locked)
    assert _user(sessions, dana.id).locked_until == until
    with sessions() as session, pytest.raises(AccountLockedError):  # the right password too
        authenticate(session, "dana", PASSWORD, now=until - dt.timedelta(seconds=1))
    assert _user(sessions, dana.id).failed_logins == 5
    (lock_row,) = audit_rows(sessions, "users")
    assert lock_row.summary == "locked after 5 failed sign-ins" and lock_row.username == "system"
    assert lock_row.new_values["locked_until"] == until.isoformat()
    with sessions() as session:
        actor = authenticate(session, "dana", PASSWORD, now=until)
    assert actor.username == "dana"
    after = _user(sessions, dana.id)
    assert (after.failed_logins, after.locked_until, after.last_login_at) == (0, None, until)


def _lock(sessions, user: User) -> None:
    """The state five failures leave (the lockout test makes them for real)."""
    with sessions() as session:
        stored = session.get(User, user.id)
        stored.failed_logins = 5
        stored.locked_until = NOW + dt.timedelta(minutes=15)
        session.commit()


@APP_SIGN_IN
def test_after_the_lock_expires_counting_starts_again(sessions, dana) -> None:
    _lock(sessions, dana)
    later = NOW + dt.timedelta(minutes=16)
    assert str(_fail(sessions, "dana", later)) == BAD_CREDENTIALS
    stored = _user(sessions, dana.id)
    assert (stored.failed_logins, stored.locked_until) == (1, None)


@APP_SIGN_IN
def test_a_success_resets_the_count(sessions, dana) -> None:
    for _ in range(3):
        _fail(sessions, "dana", NOW)
    with sessions() as session:
        authenticate(session, "dana", PASSWORD, now=NOW)
    assert _user(sessions, dana.id).failed_logins == 0
    assert str(_fail(sessions, "dana", NOW)) == BAD_CREDENTIALS
    assert _user(sessions, dana.id).failed_logins == 1


@APP_SIGN_IN
def test_a_hash_with_old_parameters_is_replaced_at_sign_in(sessions) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with sessions() as session:
        user = User(username="old", role=UserRole.SALES, password_hash=weak)
        session.add(user)
        session.commit()
    assert needs_rehash(weak)
    with sessions() as session:
        authenticate(session, "old", PASSWORD, now=NOW)
    renewed = _user(sessions, user.id).password_hash
    assert renewed != weak and not needs_rehash(renewed)
    assert f"m={PasswordHasher().memory_cost},t={PasswordHasher().time_cost}" in renewed
    assert verify_password(renewed, PASSWORD)
    with sessions() as session:  # a current hash is left alone
        authenticate(session, "old", PASSWORD, now=NOW)
    assert _user(sessions, user.id).password_hash == renewed


@APP_SIGN_IN
def test_a_naive_now_is_refused(sessions, dana) -> None:
    with sessions() as session, pytest.raises(ValidationError) as caught:
        authenticate(session, "dana", PASSWORD, now=dt.datetime(2025, 3, 4, 15, 0))
    assert caught.value.field == "now"


# --- passwords -----------------------------------------------------------------------------


@APP_SIGN_IN
def test_users_change_their_own_password(sessions, dana) -> None:
    me = actor_for(dana)
    bad = [
        ("not my password", "a new long password", "old_password", "not your current password"),
        (PASSWORD, "tiny", "new_password", "at least 10 characters"),
        (PASSWORD, PASSWORD, "new_password", "same as the current password"),
    ]
    for old, new, field, words in bad:
        with sessions() as session, pytest.raises(ValidationError) as caught:
            change_password(session, me, old, new)
        assert (caught.value.field, words in caught.value.problem) == (field, True)
    assert _user(sessions, dana.id).password_hash == _hash(PASSWORD)
    with sessions() as session:
        change_password(session, me, PASSWORD, "a new long password")
    with sessions() as session:
        assert authenticate(session, "dana", "a new long password", now=NOW).user_id == dana.id
    assert str(_fail(sessions, "dana", NOW)) == BAD_CREDENTIALS
    (row,) = audit_rows(sessions, "users")
    assert row.summary == "changed password" and row.user_id == dana.id
    assert "$argon2" not in json.dumps([row.old_values, row.new_values])


def test_only_a_signed_in_user_changes_a_password(sessions) -> None:
    with sessions() as session, pytest.raises(PermissionDeniedError, match="sign in"):
        change_password(session, SALES, PASSWORD, "a new long password")


@APP_SIGN_IN
def test_an_admin_reset_sets_the_password_and_lifts_the_lock(sessions, admin, dana) -> None:
    _lock(sessions, dana)
    with sessions() as session, pytest.raises(ValidationError, match="at least 10"):
        reset_password(session, admin, dana.id, "short")
    with sessions() as session:
        reset_password(session, admin, dana.id, "temporary password 1")
    with sessions() as session:
        authenticate(session, "dana", "temporary password 1", now=NOW)
    reset_row = audit_rows(sessions, "users")[-1]
    assert reset_row.summary == "password reset" and reset_row.username == "root"
    assert reset_row.old_values["failed_logins"] == 5 and reset_row.new_values["failed_logins"] == 0


# --- roles, deactivation, permissions ------------------------------------------------------


ADMIN_ONLY = [
    lambda s, actor, uid: create_user(s, actor, "newbie", PASSWORD, "SALES"),
    lambda s, actor, uid: update_user(s, actor, uid, full_name="Someone"),
    lambda s, actor, uid: reset_password(s, actor, uid, "another long password"),
    lambda s, actor, uid: set_role(s, actor, uid, "ADMIN"),
    lambda s, actor, uid: deactivate_user(s, actor, uid),
    lambda s, actor, uid: reactivate_user(s, actor, uid),
    lambda s, actor, uid: unlock_user(s, actor, uid),
]


def test_only_admins_manage_users(sessions, dana) -> None:
    before = _user(sessions, dana.id)
    for actor in (SALES, MARKETING):
        for service in ADMIN_ONLY:
            with sessions() as session, pytest.raises(PermissionDeniedError, match="manage users"):
                service(session, actor, dana.id)
    after = _user(sessions, dana.id)
    assert (after.role, after.active, after.full_name, after.password_hash, after.version) == (
        before.role,
        before.active,
        before.full_name,
        before.password_hash,
        before.version,
    )
    assert count(sessions, User) == 1 and count(sessions, AuditEntry) == 0


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(sessions, admin) -> None:
    with sessions() as session, pytest.raises(ValidationError) as caught:
        set_role(session, admin, admin.user_id, UserRole.SALES)
    assert caught.value.field == "role" and "last active administrator" in caught.value.problem
    with sessions() as session, pytest.raises(PermissionDeniedError, match="your own account"):
        deactivate_user(session, admin, admin.user_id)
    other = _insert_user(sessions, "other", UserRole.SALES)
    stand_in = Actor(other.id, "other", UserRole.ADMIN)  # an admin whose row is not (yet) one
    with sessions() as session, pytest.raises(ValidationError) as caught:
        deactivate_user(session, stand_in, admin.user_id)
    assert caught.value.field == "active" and "last active administrator" in caught.value.problem
    with sessions() as session:
        set_role(session, admin, stand_in.user_id, UserRole.ADMIN)
        set_role(session, admin, admin.user_id, UserRole.SALES)  # now another admin exists
    with sessions() as session:
        roles = dict(session.execute(select(User.username, User.role)).tuples().all())
    assert roles == {"root": UserRole.SALES, "other": UserRole.ADMIN}


@APP_SIGN_IN
def test_role_and_status_changes_are_audited_with_old_and_new_values(sessions, admin, dana) -> None:
    with sessions() as session:
        set_role(session, admin, dana.id, "marketing")
        update_user(session, admin, dana.id, full_name="Dana Kay", email="dana@example.com")
        deactivate_user(session, admin, dana.id)
        unlock_user(session, admin, dana.id)  # nothing to unlock: no row
        set_role(session, admin, dana.id, UserRole.MARKETING)  # no change: no row
    rows = audit_rows(sessions, "users")
    assert [(r.action, r.old_values, r.new_values, r.summary) for r in rows] == [
        (AuditAction.UPDATE, {"role": "SALES"}, {"role": "MARKETING"}, None),
        (
            AuditAction.UPDATE,
            {"full_name": "", "email": None},
            {"full_name": "Dana Kay", "email": "dana@example.com"},
            None,
        ),
        (AuditAction.UPDATE, {"active": True}, {"active": False}, "deactivated"),
    ]
    assert {r.entity_id for r in rows} == {dana.id} and {r.user_id for r in rows} == {admin.user_id}
    with sessions() as session:
        reactivate_user(session, admin, dana.id)
        assert authenticate(session, "dana", PASSWORD, now=NOW).role == UserRole.MARKETING


def test_fields_other_than_details_are_not_changed_by_update_user(sessions, admin, dana) -> None:
    with sessions() as session, pytest.raises(ValidationError) as caught:
        update_user(session, admin, dana.id, full_name="Dana", role="ADMIN")
    assert caught.value.field == "role" and "use set_role" in caught.value.problem
    assert _user(sessions, dana.id).full_name == ""


def test_a_missing_user_is_reported(sessions, admin) -> None:
    with sessions() as session, pytest.raises(NotFoundError, match="reload the list"):
        deactivate_user(session, admin, uuid.uuid4())


def test_usernames_are_unique_in_the_database_too(sessions, admin) -> None:
    """Stored in lower case, so the plain unique constraint covers every spelling."""
    _insert_user(sessions, "sam", UserRole.SALES)
    with sessions() as session:
        same = session.scalar(
            select(func.count()).select_from(User).where(func.lower(User.username) == "sam")
        )
    assert same == 1
