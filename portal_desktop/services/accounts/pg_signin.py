"""Signing in to a shared PostgreSQL database is the person's PostgreSQL login (issue 14):
connect as that role with that password; its ``users`` row gives the actor. A refused or
disabled login is said in words, without telling which of username and password was wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal_desktop.db.engine import make_engine
from portal_desktop.errors import PortalError
from portal_desktop.models import User
from portal_desktop.services.accounts.pg_users import signed_in_actor
from portal_desktop.services.accounts.users import change_password
from portal_desktop.services.common.context import Actor

BAD_LOGIN = "Unknown username or wrong password (the database refused the login)"
DISABLED = "This login is disabled: the account was deactivated. Ask an administrator."
THROTTLED = (
    "The database refused the login for now (too many attempts or connections); "
    "wait a minute and try again, or ask an administrator."
)


@dataclass(frozen=True)
class SharedSignIn:
    engine: Engine  # connected as the person
    actor: Actor
    must_change_password: bool


def words_for(exc: OperationalError) -> str:
    text = str(exc.orig or exc).lower()
    if "not permitted to log in" in text:
        return DISABLED
    if "password authentication failed" in text or ("does not exist" in text and "role" in text):
        return BAD_LOGIN
    if "too many" in text:
        return THROTTLED
    return f"Cannot sign in to the database: {str(exc.orig or exc).splitlines()[0]}"


def sign_in(url: URL, username: str, password: str) -> SharedSignIn:
    """Connect to ``url``'s database as ``username``; the actor of that login."""
    name = username.strip().lower()
    engine = make_engine(url.set(username=name, password=password))
    try:
        with Session(engine) as session:
            actor = signed_in_actor(session)
            must_change = bool(
                session.scalar(select(User.must_change_password).where(User.username == name))
            )
    except OperationalError as exc:
        engine.dispose()
        raise PortalError(words_for(exc)) from None
    except BaseException:
        engine.dispose()
        raise
    return SharedSignIn(engine, actor, must_change)


def sign_in_shared(
    url: URL,
    username: str,
    password: str,
    outdated: tuple[str | None, str] | None,
    ask_new: Callable[[], str | None],
) -> tuple[SharedSignIn, str]:
    """The person's sign-in and the password the keyring should keep from now on."""
    if outdated:
        raise PortalError(
            f"The database's schema ({outdated[0]}) is older than this app's ({outdated[1]}); "
            "its owner upgrades it: portal-desktop db upgrade --url OWNER_URL (see the README, "
            "Shared database security)."
        )
    signed = sign_in(url, username, password)
    if not signed.must_change_password:
        return signed, password
    try:
        new = ask_new()
        if new is None:
            raise PortalError("Your first password must be changed before you can sign in.")
        with Session(signed.engine) as session:
            change_password(session, signed.actor, password, new)
    finally:
        signed.engine.dispose()
    return sign_in(url, username, new), new  # connections from now on use the new one
