"""Signing in to a shared PostgreSQL database from the sign-in dialog (issue 14): the
person's own login, and at the first sign-in their own password instead of the first one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from portal_desktop.errors import PortalError
from portal_desktop.services.accounts.pg_signin import SharedSignIn, sign_in
from portal_desktop.services.accounts.users import change_password


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


def ask_new_password(parent: QWidget | None) -> str | None:
    """The person's own password, typed twice (None: cancelled)."""
    texts = []
    for label in ("Choose your own password (at least 10 characters):", "Type it again:"):
        text, ok = QInputDialog.getText(parent, "First sign-in", label, QLineEdit.EchoMode.Password)
        if not ok:
            return None
        texts.append(text)
    if texts[0] != texts[1]:
        raise PortalError("The two new passwords differ; sign in again and type them again.")
    return texts[0]
