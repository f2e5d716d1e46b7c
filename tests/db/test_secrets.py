"""Passwords in the OS keyring: an in-memory backend, no keyring at all, a real Secret Service."""

from __future__ import annotations

import os

import keyring
import pytest
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from portal_desktop.db import secrets
from tests.shell_helpers import MemoryKeyring, memory_keyring, no_keyring  # noqa: F401


@pytest.mark.usefixtures("memory_keyring")
def test_a_password_is_saved_per_profile_and_user_under_the_portal_service() -> None:
    secrets.save_password("office", "ana", "first secret")
    secrets.save_password("office", "bo", "second secret")
    secrets.save_password("home", "ana", "third secret")
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    assert backend.entries == {
        ("portal-desktop", "office:ana"): "first secret",
        ("portal-desktop", "office:bo"): "second secret",
        ("portal-desktop", "home:ana"): "third secret",
    }
    assert secrets.load_password("office", "ana") == "first secret"
    assert secrets.load_password("home", "bo") is None
    secrets.forget_password("office", "ana")
    secrets.forget_password("office", "ana")  # forgetting twice is fine
    assert secrets.load_password("office", "ana") is None
    assert secrets.load_password("office", "bo") == "second secret"


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_nothing_is_saved_and_the_reason_is_in_plain_words() -> None:
    assert not secrets.keyring_available()
    with pytest.raises(secrets.KeyringUnavailableError) as caught:
        secrets.save_password("office", "ana", "a secret")
    assert "No password store (keyring) is available" in str(caught.value)
    assert "ask for the password each time" in str(caught.value)
    assert secrets.load_password("office", "ana") is None


def test_an_empty_chain_of_backends_counts_as_no_keyring() -> None:
    from keyring.backends.chainer import ChainerBackend

    class EmptyChain(ChainerBackend):
        backends: list[object] = []  # what a machine without any viable backend has

    before = keyring.get_keyring()
    keyring.set_keyring(EmptyChain())
    try:
        assert not secrets.keyring_available()
    finally:
        keyring.set_keyring(before)


@pytest.mark.skipif(
    os.environ.get("PORTAL_SECRET_SERVICE_TEST") != "1",
    reason="run by `make test` inside dbus-run-session with gnome-keyring "
    "(PORTAL_SECRET_SERVICE_TEST=1)",
)
def test_a_real_secret_service_stores_and_returns_the_password() -> None:
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        assert secrets.keyring_available()
        secrets.save_password("ci-profile", "ci-user", "a real secret 1")
        # A fresh backend object reads it back from the daemon, not from this process.
        assert (
            SecretService.Keyring().get_password("portal-desktop", "ci-profile:ci-user")
            == "a real secret 1"
        )
        assert secrets.load_password("ci-profile", "ci-user") == "a real secret 1"
        secrets.forget_password("ci-profile", "ci-user")
        assert secrets.load_password("ci-profile", "ci-user") is None
    finally:
        keyring.set_keyring(before)


class _NullChain(ChainerBackend):
    backends = [null.Keyring()]  # a chain of nothing but stand-ins


@pytest.mark.parametrize(
    "backend",
    [null.Keyring(), fail.Keyring(), _NullChain()],
    ids=["null", "fail", "chain-of-null"],
)
def test_keyrings_that_store_nothing_count_as_no_keyring(backend) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        assert not secrets.keyring_available()
        with pytest.raises(secrets.KeyringUnavailableError, match="cannot be saved"):
            secrets.save_password("office", "ana", "a secret")
        assert secrets.load_password("office", "ana") is None
        secrets.forget_password("office", "ana")
    finally:
        keyring.set_keyring(before)
