"""Start-up as a user meets it: welcome, sign-in per role, wrong password, first admin."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db import migrate
from portal_desktop.db.engine import describe, make_engine
from portal_desktop.db.paths import local_database_path
from portal_desktop.db.profiles import load_profiles
from portal_desktop.launcher import Launcher
from portal_desktop.models import Lead, User
from portal_desktop.models.enums import UserRole
from portal_desktop.services.accounts.pg_signin import DISABLED
from portal_desktop.services.accounts.users import BAD_CREDENTIALS, create_user, deactivate_user
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.seeding import DEMO_PASSWORD
from portal_desktop.views import ui_state
from portal_desktop.views.connection_dialog import ConnectionDialog
from portal_desktop.views.welcome_dialog import CONNECT, DEMO, EMPTY
from tests.shell_helpers import generic_tabs, memory_keyring, temp_settings  # noqa: F401

pytestmark = pytest.mark.usefixtures("temp_settings", "generic_tabs")
PASSWORD = "correct horse 42"
NEW_PASSWORD = "my own password 43"
ROLE_TABS = {
    UserRole.ADMIN: [
        "Pipeline",
        "Sales calls",
        "Enrollments",
        "Payment schedules",
        "Team",
        "Marketing",
        "Charts",
        "Admin",
    ],
    UserRole.SALES: [
        "Pipeline",
        "Sales calls",
        "Enrollments",
        "Payment schedules",
        "Team",
        "Charts",
    ],
    UserRole.MARKETING: ["Pipeline", "Marketing", "Charts"],
}


@pytest.fixture
def launch(qtbot) -> Iterator:
    started: list[Launcher] = []

    def start(url: str | None, *, seed_demo: bool = False) -> Launcher:
        launcher = Launcher(url, seed_demo=seed_demo, interactive=True)
        launcher.ask_new_password = lambda: NEW_PASSWORD  # a first sign-in on PostgreSQL
        launcher.start()
        started.append(launcher)
        return launcher

    yield start
    for launcher in started:
        launcher.shutdown()


def _wait_ready(qtbot, launcher: Launcher) -> None:
    qtbot.waitUntil(  # opening (and seeding the demo) runs off the UI thread: seconds
        lambda: launcher.signin is not None and launcher.signin.sign_in_button.isEnabled(),
        timeout=60_000,
    )


def _sign_in(qtbot, launcher: Launcher, username: str, password: str) -> None:
    _wait_ready(qtbot, launcher)
    dialog = launcher.signin
    assert dialog is not None
    dialog.username.setText(username)
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def _tab_titles(launcher: Launcher) -> list[str]:
    assert launcher.window is not None
    tabs = launcher.window.tabs
    return [tabs.tabText(i) for i in range(tabs.count())]


def test_each_role_sees_only_its_tabs_and_the_status_bar_says_who(
    qtbot, launch, db_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        for role in UserRole:
            create_user(session, SYSTEM, f"{role.value.lower()}.user", PASSWORD, role)
    for role, titles in ROLE_TABS.items():
        launcher = launch(db_url)
        _sign_in(qtbot, launcher, f"{role.value.lower()}.user", PASSWORD)
        qtbot.waitUntil(lambda launcher=launcher: launcher.window is not None)
        assert _tab_titles(launcher) == titles
        window = launcher.window
        assert window is not None
        assert window.user_label.text() == f"{role.value.lower()}.user ({role.value.lower()})"
        assert launcher.engine is not None
        assert window.database_label.text() == f"Database: {describe(launcher.engine.url)}"
        if db_url.startswith("postgresql"):  # signed in as one's own PostgreSQL login
            assert launcher.engine.url.username == f"{role.value.lower()}.user"
        # The first tab is built on the next turn of the event loop, after the frame.
        qtbot.waitUntil(lambda w=window: w.refreshed_label.text().startswith("Refreshed "))
        assert ui_state.last_username() == f"{role.value.lower()}.user"
        launcher.shutdown()


@pytest.mark.parametrize("backend", ["sqlite"])  # the app's own lockout: the local file
def test_a_wrong_password_shows_the_message_and_counts_the_attempt(
    qtbot, launch, db_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        create_user(session, SYSTEM, "ana", PASSWORD, UserRole.SALES)
    launcher = launch(db_url)
    _sign_in(qtbot, launcher, "ana", "not the password")
    dialog = launcher.signin
    assert dialog is not None and dialog.isVisible()
    assert launcher.window is None
    assert dialog.message.text() == BAD_CREDENTIALS
    assert dialog.message.isVisible()
    with sessions() as session:
        assert session.scalar(select(User.failed_logins).where(User.username == "ana")) == 1
    # The last username is remembered only after a sign-in that worked.
    assert ui_state.last_username() == ""


def test_sign_out_shows_the_sign_in_dialog_again_for_another_user(
    qtbot, launch, db_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        create_user(session, SYSTEM, "boss", PASSWORD, UserRole.ADMIN)
        create_user(session, SYSTEM, "mia", PASSWORD, UserRole.MARKETING)
    launcher = launch(db_url)
    _sign_in(qtbot, launcher, "boss", PASSWORD)
    qtbot.waitUntil(lambda: launcher.window is not None)
    first = launcher.window
    assert first is not None
    first.sign_out_action.trigger()
    assert launcher.window is None and not first.isVisible()
    assert launcher.signin is not None and launcher.signin.username.text() == "boss"
    _sign_in(qtbot, launcher, "mia", PASSWORD)
    qtbot.waitUntil(lambda: launcher.window is not None)
    assert launcher.window.ctx.actor.username == "mia"  # type: ignore[union-attr]
    assert _tab_titles(launcher) == ROLE_TABS[UserRole.MARKETING]


def _answer_connection_dialog(answer: Callable[[ConnectionDialog], None]) -> None:
    """Answer the modal Connection dialog once it is up (its exec() blocks the test)."""

    def answer_it() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConnectionDialog):
            QTimer.singleShot(50, answer_it)
            return
        answer(dialog)

    QTimer.singleShot(50, answer_it)


def _fill_connection(dialog: ConnectionDialog, name: str, target: URL) -> None:
    """Fill the Connection dialog with ``target``'s server (TLS off: a local test cluster)."""
    dialog.name.setText(name)
    dialog.host.setText(target.host or "")
    dialog.port.setValue(target.port or 5432)
    dialog.database.setText(target.database or "")
    dialog.user.setText(target.username or "")
    dialog.sslmode.setCurrentText("disable")
    dialog.connect_profile()


def _boss_signed_in(qtbot, launch, db_url: str, sessions: sessionmaker[Session]) -> Launcher:
    """An admin signed in to ``db_url`` through the launcher, the window up."""
    with sessions() as session:
        create_user(session, SYSTEM, "boss", PASSWORD, UserRole.ADMIN)
    launcher = launch(db_url)
    _sign_in(qtbot, launcher, "boss", PASSWORD)
    qtbot.waitUntil(lambda: launcher.window is not None)
    return launcher


def test_file_connection_cancelled_leaves_the_person_signed_in_where_they_were(
    qtbot, launch, db_url: str, sessions: sessionmaker[Session]
) -> None:
    launcher = _boss_signed_in(qtbot, launch, db_url, sessions)
    window = launcher.window
    assert window is not None
    window.tabs.setCurrentIndex(2)
    _answer_connection_dialog(lambda dialog: dialog.reject())
    window.connection_action.trigger()
    assert launcher.window is window and window.isVisible()
    assert window.tabs.currentIndex() == 2
    assert launcher.signin is None or not launcher.signin.isVisible()


@pytest.mark.usefixtures("memory_keyring")
def test_file_connection_chosen_signs_out_and_opens_the_chosen_database(
    qtbot, launch, db_url: str, sessions: sessionmaker[Session], pg_admin_url: str
) -> None:
    launcher = _boss_signed_in(qtbot, launch, db_url, sessions)
    window = launcher.window
    assert window is not None
    target = make_url(pg_admin_url)

    _answer_connection_dialog(lambda dialog: _fill_connection(dialog, "other", target))
    window.connection_action.trigger()
    assert launcher.window is None and not window.isVisible()
    _wait_ready(qtbot, launcher)
    assert launcher.signin is not None
    assert f"/{target.database}" in launcher.signin.database_label.text()


def _welcome(qtbot, launch, choice: str) -> Launcher:
    launcher = launch(None, seed_demo=True)
    dialog = launcher._welcome_dialog
    assert dialog is not None and dialog.isVisible()
    assert not local_database_path().exists()
    qtbot.mouseClick(dialog.buttons[choice], Qt.MouseButton.LeftButton)
    return launcher


def test_welcome_try_it_with_demo_data(qtbot, launch) -> None:
    launcher = _welcome(qtbot, launch, DEMO)
    _sign_in(qtbot, launcher, "sales", DEMO_PASSWORD)
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=20000)
    assert _tab_titles(launcher) == ROLE_TABS[UserRole.SALES]
    engine = make_engine(f"sqlite:///{local_database_path()}")
    with Session(engine) as session:
        assert len(session.scalars(select(Lead.id)).all()) > 100
    engine.dispose()


def test_welcome_empty_database_then_the_first_admin(qtbot, launch) -> None:
    launcher = _welcome(qtbot, launch, EMPTY)
    _wait_ready(qtbot, launcher)
    dialog = launcher.signin
    assert dialog is not None
    assert dialog.title.text() == "Create the first administrator"
    assert dialog.full_name.isVisible() and dialog.repeat.isVisible()
    dialog.username.setText("owner")
    dialog.full_name.setText("Olive Owner")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD + "x")
    dialog.submit()
    assert dialog.message.text() == "The two passwords differ; type the same one twice."
    dialog.repeat.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: launcher.window is not None)
    assert _tab_titles(launcher) == ROLE_TABS[UserRole.ADMIN]
    engine = make_engine(f"sqlite:///{local_database_path()}")
    with Session(engine) as session:
        users = session.execute(select(User.username, User.full_name, User.role)).all()
        assert users == [("owner", "Olive Owner", "ADMIN")]
        assert session.scalars(select(Lead.id)).all() == []
    engine.dispose()


@pytest.mark.usefixtures("memory_keyring")
def test_welcome_connect_to_a_shared_postgresql(qtbot, launch, pg_admin_url: str) -> None:
    target = make_url(pg_admin_url)  # a database without Portal's schema yet

    _answer_connection_dialog(lambda dialog: _fill_connection(dialog, "team", target))
    launcher = _welcome(qtbot, launch, CONNECT)
    _wait_ready(qtbot, launcher)
    assert launcher.signin is not None
    assert f"/{target.database}" in launcher.signin.database_label.text()
    # A new shared database has no users: its first administrator is created here.
    assert launcher.signin.title.text() == "Create the first administrator"
    assert load_profiles().last == "team"


@pytest.mark.usefixtures("memory_keyring")
def test_the_last_profile_opens_with_its_password_from_the_keyring(
    qtbot, launch, pg_admin_url: str, backend: str, db_url: str, sessions
) -> None:
    if backend != "postgresql":
        pytest.skip("a profile is for a shared PostgreSQL")
    from portal_desktop.db import secrets
    from portal_desktop.db.profiles import Profile, ProfileStore, save_profiles

    target = make_url(db_url)
    profile = Profile(
        "team",
        target.host or "",
        target.database or "",
        target.username or "",
        target.port or 5432,
        "disable",
    )
    save_profiles(ProfileStore({"team": profile}, "team"))
    secrets.save_password("team", profile.user, "kept in the keyring")
    with sessions() as session:
        create_user(session, SYSTEM, "lee", PASSWORD, UserRole.SALES)
    launcher = launch(None, seed_demo=True)
    assert launcher._welcome_dialog is None  # not a first start: a profile was used last
    _sign_in(qtbot, launcher, "lee", PASSWORD)
    qtbot.waitUntil(lambda: launcher.window is not None)
    assert launcher.engine is not None
    # Signed in as lee's own login; lee's first password was replaced by lee's own, which
    # the keyring now keeps for the profile.
    assert (launcher.engine.url.username, launcher.engine.url.password) == ("lee", NEW_PASSWORD)
    assert secrets.load_password("team", "lee") == NEW_PASSWORD
    assert launcher.engine.url.database == target.database
    assert _tab_titles(launcher) == ROLE_TABS[UserRole.SALES]


def _stamp(engine_url: str, revision: str) -> None:
    engine = make_engine(engine_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_a_schema_newer_than_the_app_asks_to_update_the_app(qtbot, launch, db_url: str) -> None:
    _stamp(db_url, "9999_from_the_future")
    launcher = launch(db_url)
    qtbot.waitUntil(lambda: launcher.signin is not None and launcher.signin.message.isVisible())
    dialog = launcher.signin
    assert dialog is not None and not dialog.sign_in_button.isEnabled()
    message = dialog.message.text()
    assert "9999_from_the_future" in message
    assert "newer version of Portal" in message
    assert "Update the app" in message


def test_an_older_shared_schema_is_upgraded_by_its_owner_not_in_the_app(
    qtbot, launch, backend: str, db_url: str, sessions: sessionmaker[Session]
) -> None:
    if backend == "sqlite":
        pytest.skip("the local file is this user's own: it is upgraded on opening")
    with sessions() as session:
        create_user(session, SYSTEM, "boss", PASSWORD, UserRole.ADMIN)
    engine = make_engine(db_url)
    migrate.downgrade(engine, "0001")
    launcher = launch(db_url)
    _sign_in(qtbot, launcher, "boss", PASSWORD)
    dialog = launcher.signin
    assert dialog is not None and launcher.window is None
    assert "older than this app's" in dialog.database_label.text()
    assert dialog.message.text().startswith("The database's schema (0001) is older than")
    assert "its owner upgrades it: portal-desktop db upgrade" in dialog.message.text()
    engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_deactivated_login_is_refused_in_words(
    qtbot, launch, db_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        create_user(session, SYSTEM, "boss", PASSWORD, UserRole.ADMIN)
        gone = create_user(session, SYSTEM, "gone", PASSWORD, UserRole.SALES)
        deactivate_user(session, SYSTEM, gone.id)
    launcher = launch(db_url)
    _sign_in(qtbot, launcher, "gone", PASSWORD)
    dialog = launcher.signin
    assert dialog is not None and launcher.window is None
    assert dialog.message.text() == DISABLED
