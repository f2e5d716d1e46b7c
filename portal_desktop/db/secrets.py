"""Database passwords in the OS keyring: service ``portal-desktop``, one entry per profile and user.

A password is never written to a settings file or a log. Where no keyring is available (a
headless Linux without a Secret Service, or keyring turned off with its 'null' backend),
:func:`keyring_available` says so and the app asks for the password each time; there is no
plain-text fallback.
"""

from __future__ import annotations

import contextlib

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

SERVICE = "portal-desktop"
NO_KEYRING = (
    "No password store (keyring) is available on this computer, so the password cannot be "
    "saved. Portal never writes it to a file in plain text: it will ask for the password "
    "each time you connect."
)


class KeyringUnavailableError(Exception):
    """The keyring refused to store or read a password; the message says why in words."""


def entry_name(profile: str, user: str) -> str:
    """The keyring's 'username' for one profile and database user."""
    return f"{profile}:{user}"


# keyring's stand-ins for "no store": 'fail' raises on every call, 'null' (what
# PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring picks to turn keyring off) silently
# stores nothing and returns None, so a saved password would be lost without a word.
_NO_STORE = (fail.Keyring, null.Keyring)


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, _NO_STORE):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(_usable(chained) for chained in backend.backends)
    return True


def keyring_available() -> bool:
    """Whether a real password store answers (not keyring's 'fail' or 'null' backends, nor a
    chain of none but those)."""
    return _usable(keyring.get_keyring())


def save_password(profile: str, user: str, password: str) -> None:
    if not keyring_available():
        raise KeyringUnavailableError(NO_KEYRING)
    try:
        keyring.set_password(SERVICE, entry_name(profile, user), password)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(f"The keyring did not save the password: {exc}") from None


def load_password(profile: str, user: str) -> str | None:
    """The saved password, or None when there is none or no keyring to ask."""
    if not keyring_available():
        return None
    try:
        return keyring.get_password(SERVICE, entry_name(profile, user))
    except keyring.errors.KeyringError:
        return None


def forget_password(profile: str, user: str) -> None:
    if not keyring_available():
        return
    with contextlib.suppress(keyring.errors.PasswordDeleteError):  # nothing was saved
        keyring.delete_password(SERVICE, entry_name(profile, user))
