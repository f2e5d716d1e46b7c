"""An offline-capable profile through the launcher: the first online sign-in makes the copy
and leaves a verifier; the window works on the copy with its sync; later, with the server
gone, the same person signs in to the copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from portal_desktop.db import secrets
from portal_desktop.db.profiles import Profile, ProfileStore, save_profiles
from portal_desktop.db.replica_tables import sync_credentials
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.sync.status_bar import SyncStatusBar
from tests.db.pg_logins import PASSWORD, create_login
from tests.shell_helpers import memory_keyring  # noqa: F401
from tests.views.test_signin import NEW_PASSWORD, _sign_in, launch  # noqa: F401

pytestmark = [
    pytest.mark.parametrize("backend", ["postgresql"]),
    pytest.mark.usefixtures("memory_keyring"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]


def _profile(server: Engine, login: str, port: int | None = None) -> Profile:
    url = server.url
    return Profile(
        name="team",
        host=url.host or "127.0.0.1",
        database=url.database or "",
        user=login,
        port=port or url.port or 5432,
        sslmode="disable",
        offline=True,
    )


def _use(profile: Profile) -> None:
    save_profiles(ProfileStore({profile.name: profile}, last=profile.name))


def test_online_first_then_offline_on_the_copy(qtbot, launch, engine: Engine) -> None:  # noqa: F811
    seed_database(engine, leads=20, seed=9)
    login = create_login(engine, "ADMIN")
    profile = _profile(engine, login)
    _use(profile)
    secrets.save_password(profile.name, login, PASSWORD)
    launcher = launch(None)
    _sign_in(qtbot, launcher, login, PASSWORD)  # the first password is changed on the way
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=60_000)
    window = launcher.window
    assert window is not None
    assert window.ctx.engine.dialect.name == "sqlite"
    assert Path(window.ctx.engine.url.database) == profile.replica_file
    assert window.findChild(SyncStatusBar) is not None
    with window.ctx.engine.connect() as conn:
        assert conn.scalar(select(sync_credentials.c.username)) == login
    launcher.shutdown()

    _use(_profile(engine, login, port=1))  # the server no longer answers
    offline = launch(None)
    _sign_in(qtbot, offline, login, NEW_PASSWORD)
    qtbot.waitUntil(lambda: offline.window is not None, timeout=60_000)
    assert offline.window is not None
    assert Path(offline.window.ctx.engine.url.database) == profile.replica_file
    assert offline.window.ctx.actor.username == login
