"""Connection profiles: saved to connections.json without the password, checked in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal_desktop.db.profiles import (
    Profile,
    ProfileStore,
    load_profiles,
    profiles_path,
    save_profiles,
)
from portal_desktop.errors import ValidationError


def _office(**changes: object) -> Profile:
    fields: dict[str, object] = {
        "name": "office",
        "host": "db.example.com",
        "database": "portal",
        "user": "ana",
        "port": 6543,
    }
    return Profile(**(fields | changes))  # type: ignore[arg-type]


def test_profiles_round_trip_through_the_data_directory(tmp_path: Path) -> None:
    cert = tmp_path / "root.crt"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    store = ProfileStore()
    store.put(_office(sslmode="verify-full", sslrootcert=str(cert)))
    store.put(_office(name="home", host="localhost", port=5432))
    store.last = "office"
    save_profiles(store)
    assert profiles_path().is_file()
    again = load_profiles()
    assert again.profiles == store.profiles
    assert again.last_profile == _office(sslmode="verify-full", sslrootcert=str(cert))
    saved = json.loads(profiles_path().read_text())
    assert [p["name"] for p in saved["profiles"]] == ["office", "home"]
    assert not any("password" in p for p in saved["profiles"])


def test_the_url_carries_the_ssl_settings_and_only_the_given_password(tmp_path: Path) -> None:
    cert = tmp_path / "root.crt"
    cert.write_text("x")
    profile = _office(sslmode="verify-full", sslrootcert=str(cert))
    url = profile.url("s3cret pass")
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "db.example.com",
        6543,
        "portal",
    )
    assert url.password == "s3cret pass"
    assert dict(url.query) == {"sslmode": "verify-full", "sslrootcert": str(cert)}
    assert _office().url(None).password is None


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"host": " "}, "host", "is required"),
        ({"port": 70000}, "port", "70000 is not a port"),
        ({"sslmode": "maybe"}, "sslmode", "verify-full"),
        ({"sslmode": "verify-full"}, "sslrootcert", "needs the server's root certificate"),
        ({"sslmode": "require", "sslrootcert": "/no/such.crt"}, "sslrootcert", "no file"),
    ],
)
def test_a_profile_that_cannot_work_is_refused_naming_the_field(
    changes: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ProfileStore().put(_office(**changes))
    assert caught.value.field == field
    assert words in str(caught.value)


def test_a_damaged_profiles_file_counts_as_no_profiles() -> None:
    profiles_path().write_text("{not json")
    assert load_profiles().profiles == {}
    profiles_path().write_text(json.dumps({"last": "gone", "profiles": [{"host": "x"}]}))
    assert load_profiles().last is None


def test_a_new_profile_defaults_to_verify_full_with_a_root_certificate_else_require(
    tmp_path: Path,
) -> None:
    cert = tmp_path / "root.crt"
    cert.write_text("x")
    assert _office().sslmode == "require"
    assert _office(sslrootcert=str(cert)).sslmode == "verify-full"
    # A weak mode only when it is asked for, and then it is kept.
    assert _office(sslmode="disable").sslmode == "disable"
    assert dict(_office().url(None).query) == {"sslmode": "require"}


def _old_file(*profiles: dict[str, object], **top: object) -> None:
    profiles_path().write_text(json.dumps({"last": None, "profiles": list(profiles), **top}))


def test_an_old_files_prefer_was_the_default_and_loads_as_the_new_default(
    tmp_path: Path,
) -> None:
    """Before format 2 the dialog saved "prefer" for every profile nobody changed: it is
    read as require (verify-full with a root certificate); allow/disable were choices."""
    cert = tmp_path / "root.crt"
    cert.write_text("x")
    base = {"host": "db", "database": "portal", "user": "ana", "port": 5432}
    _old_file(
        {"name": "plain", **base, "sslmode": "prefer", "sslrootcert": ""},
        {"name": "certified", **base, "sslmode": "prefer", "sslrootcert": str(cert)},
        {"name": "chosen", **base, "sslmode": "disable", "sslrootcert": ""},
        {"name": "oldest", **base},  # no sslmode saved at all
    )
    before = profiles_path().read_text()
    modes = {name: p.sslmode for name, p in load_profiles().profiles.items()}
    assert modes == {
        "plain": "require",
        "certified": "verify-full",
        "chosen": "disable",
        "oldest": "require",
    }
    assert profiles_path().read_text() == before  # loading never rewrites the file
    save_profiles(load_profiles())
    saved = json.loads(profiles_path().read_text())
    assert saved["format"] == 2
    assert [p["sslmode"] for p in saved["profiles"]] == [
        "require",
        "verify-full",
        "disable",
        "require",
    ]


def test_prefer_chosen_and_saved_by_this_version_is_kept() -> None:
    store = ProfileStore()
    store.put(_office(sslmode="prefer"))
    save_profiles(store)
    assert load_profiles().profiles["office"].sslmode == "prefer"
