"""The Admin tab driven as an administrator would: users, programs, settings, audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.admin_queries import USERS
from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models import AuditEntry, Program, User
from portal_desktop.models.enums import AuditAction, UserRole
from portal_desktop.services.accounts import settings
from portal_desktop.services.accounts import users as user_service
from portal_desktop.services.accounts.users import AuthenticationError, actor_for
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.sales import programs
from portal_desktop.services.seeding import seed_database
from portal_desktop.services.seeding.seeder import DEMO_PASSWORD
from portal_desktop.views.admin import AdminTab
from portal_desktop.views.admin.program_dialog import ProgramDialog
from portal_desktop.views.admin.user_dialogs import NewUserDialog, ResetPasswordDialog
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.table_model import RAW_ROLE
from tests.screens import TEST_SCREENS
from tests.views.confirming import answer
from tests.views.list_rows import settle_now

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
SCREENSHOT = TEST_SCREENS / "admin.png"
NEW_PASSWORD = "correct horse battery"

# These use the app's own sign-in, lockout and password hashes: the local file's (issue 14).
# On a shared database the people panel goes through the owner's functions: see
# test_admin_creates_a_user_who_then_signs_in and tests/services/accounts/test_pg_users.py.
APP_SIGN_IN = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, leads=300, seed=7)
    return engine


def admin_actor(sessions: sessionmaker[Session]) -> Actor:
    with sessions() as session:
        return user_service.authenticate(session, "admin", DEMO_PASSWORD)


def make_tab(qtbot, engine: Engine, sessions: sessionmaker[Session], actor: Actor) -> AdminTab:
    tab = AdminTab(TabContext(engine, sessions, actor, Formatter(), DataBus()))
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def settle(qtbot, entity_tab: EntityTab) -> None:
    qtbot.waitUntil(lambda: entity_tab.model.counted, timeout=5000)
    qtbot.wait(30)


def column(entity_tab: EntityTab, number: int) -> list:
    model = settle_now(entity_tab.model)
    return [model.index(row, number).data(RAW_ROLE) for row in range(model.rowCount())]


def select_row(qtbot, entity_tab: EntityTab, number: int, value: object) -> None:
    row = column(entity_tab, number).index(value)
    entity_tab.view.selectRow(row)
    qtbot.wait(10)


def save_and_wait(qtbot, dialog) -> None:
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.save_button.click()


def test_admin_creates_a_user_who_then_signs_in(qtbot, seeded: Engine, sessions) -> None:
    tab = make_tab(qtbot, seeded, sessions, admin_actor(sessions))
    users = tab.users.list
    settle(qtbot, users)
    assert sorted(column(users, 0)) == ["admin", "marketing", "sales"]
    # No column of the list reads the password hash.
    assert all("password" not in str(col.expr) for col in USERS.columns)

    tab.users.new_button.click()
    dialog = tab.users.dialog
    assert isinstance(dialog, NewUserDialog)
    assert not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.ready, timeout=5000)  # the team members, read off the UI
    assert dialog.member.count() > 1 and dialog.member.itemText(0) == "(none)"
    assert not dialog.save_button.isEnabled()
    dialog.username.setText("Casey.Nguyen")
    dialog.full_name.setText("Casey Nguyen")
    dialog.role.setCurrentIndex(dialog.role.findData("MARKETING"))
    dialog.passwords.first.setText("short")
    dialog.passwords.again.setText("shorter")
    assert not dialog.save_button.isEnabled()
    assert "differ" in dialog.hint.text()
    dialog.passwords.again.setText("short")
    assert dialog.save_button.isEnabled()

    # The service's rule comes back at the password field; nothing is written.
    with qtbot.waitSignal(tab.ctx.bus.data_changed, timeout=3000, raising=False) as blocker:
        dialog.save_button.click()
        qtbot.waitUntil(lambda: bool(dialog.errors.shown()), timeout=5000)
    assert not blocker.signal_triggered
    assert "at least 10 characters" in dialog.errors.shown()["password"]
    if tab.ctx.engine.dialect.name == "sqlite":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SCREENSHOT.with_name("admin_new_user.png")))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 3

    dialog.passwords.first.setText(NEW_PASSWORD)
    dialog.passwords.again.setText(NEW_PASSWORD)
    save_and_wait(qtbot, dialog)
    settle(qtbot, users)
    assert sorted(column(users, 0)) == ["admin", "casey.nguyen", "marketing", "sales"]

    if tab.ctx.engine.dialect.name == "sqlite":
        with sessions() as session:
            actor = user_service.authenticate(session, "CASEY.nguyen", NEW_PASSWORD)
        with sessions() as session, pytest.raises(AuthenticationError):
            user_service.authenticate(session, "casey.nguyen", "short")
    else:  # a PostgreSQL login of casey's own, in the marketing group (issue 14)
        with sessions() as session:
            groups = session.execute(
                text("SELECT pg_has_role('casey.nguyen', 'portal_marketing', 'MEMBER')")
            ).scalar()
            actor = actor_for(session.scalar(select(User).where(User.username == "casey.nguyen")))
        assert groups is True
    assert actor.role is UserRole.MARKETING and actor.username == "casey.nguyen"

    # The audit trail names the admin and shows the new values readably.
    audit = tab.audit
    assert audit is not None
    tab.pages.setCurrentWidget(audit)
    settle(qtbot, audit.list)
    assert column(audit.list, 1).count("admin") == 1
    assert column(audit.list, 3) == ["users"]
    audit.list.view.selectRow(0)
    qtbot.waitUntil(lambda: audit.detail is not None, timeout=5000)
    lines = {line.field: (line.old, line.new) for line in audit.detail.changes}
    assert lines["Username"] == ("", "casey.nguyen")
    assert lines["Role"] == ("", "Marketing")  # labels, not codes
    assert column(audit.list, 4)[0].startswith("Created user ")
    assert "casey.nguyen" in audit.heading.text() or "Casey" in audit.heading.text()
    assert "Password hash" not in lines
    assert audit.changes.rowCount() == len(audit.detail.changes)


@APP_SIGN_IN
def test_role_password_lock_and_deactivation(qtbot, seeded: Engine, sessions) -> None:
    tab = make_tab(qtbot, seeded, sessions, admin_actor(sessions))
    panel, users = tab.users, tab.users.list
    settle(qtbot, users)
    now = dt.datetime.now(dt.UTC)
    with sessions() as session:
        for _ in range(user_service.MAX_FAILED_LOGINS):
            assert user_service.attempt_login(session, "sales", "wrong password", now=now).error
    users.refresh()
    settle(qtbot, users)
    select_row(qtbot, users, 0, "sales")
    qtbot.waitUntil(lambda: panel.selected is not None, timeout=5000)
    assert panel.selected.locked and panel.unlock_button.isEnabled()
    assert column(users, 6)[column(users, 0).index("sales")] == user_service.MAX_FAILED_LOGINS

    def act(button_or_call) -> None:
        with qtbot.waitSignal(tab.ctx.bus.data_changed, timeout=5000):
            button_or_call()
        # The list refreshes and the same user is selected again.
        qtbot.waitUntil(lambda: panel.selected is not None, timeout=5000)

    act(panel.unlock_button.click)
    asked: list[str] = []
    act(lambda: (panel.set_role(UserRole.MARKETING), asked.append(answer(qtbot, panel))))
    assert asked == [
        "Make sales Marketing? (now Sales)\n\nWhat they may see and change follows the new role."
    ]
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "sales"))
        assert (user.role, user.failed_logins, user.locked_until) == (UserRole.MARKETING, 0, None)

    panel.reset_button.click()
    dialog = panel.dialog
    assert isinstance(dialog, ResetPasswordDialog) and dialog.user_id == user.id
    dialog.passwords.first.setText(NEW_PASSWORD)
    dialog.passwords.again.setText(NEW_PASSWORD)
    save_and_wait(qtbot, dialog)
    with sessions() as session:
        assert user_service.authenticate(session, "sales", NEW_PASSWORD).role is UserRole.MARKETING

    qtbot.waitUntil(lambda: panel.selected is not None and panel.selected.active, timeout=5000)
    assert panel.active_button.text() == "Deactivate"
    act(panel.active_button.click)
    with sessions() as session, pytest.raises(AuthenticationError):
        user_service.authenticate(session, "sales", NEW_PASSWORD)
    qtbot.waitUntil(lambda: panel.active_button.text() == "Reactivate", timeout=5000)
    act(panel.active_button.click)
    with sessions() as session:
        assert user_service.authenticate(session, "sales", NEW_PASSWORD).username == "sales"

    # The last active administrator cannot be demoted: told why, nothing changes.
    select_row(qtbot, users, 0, "admin")
    qtbot.waitUntil(lambda: panel.selected is not None, timeout=5000)
    panel.set_role(UserRole.SALES)
    answer(qtbot, panel)
    qtbot.waitUntil(lambda: "last active administrator" in panel.message.text(), timeout=5000)
    with sessions() as session:
        assert session.scalar(select(User.role).where(User.username == "admin")) is UserRole.ADMIN
        summaries = session.scalars(
            select(AuditEntry.summary).where(AuditEntry.username == "admin")
        ).all()
    assert {"unlocked", "password reset", "deactivated", "reactivated"} <= set(summaries)


def test_programs_create_and_edit_with_money_as_typed(qtbot, seeded: Engine, sessions) -> None:
    tab = make_tab(qtbot, seeded, sessions, admin_actor(sessions))
    tab.pages.setCurrentWidget(tab.programs)
    listing = tab.programs.list
    settle(qtbot, listing)
    existing = column(listing, 0)
    assert existing

    tab.programs.new_button.click()
    dialog = tab.programs.dialog
    assert isinstance(dialog, ProgramDialog) and dialog.program is None
    dialog.name.setText(existing[0].upper())
    dialog.price.setText("$1,250.5")
    assert dialog.save_button.isEnabled()
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "name" in dialog.errors.shown(), timeout=5000)
    assert "already exists" in dialog.errors.shown()["name"]

    dialog.name.setText("Mastermind Retreat")
    dialog.price.setText("abc")
    assert not dialog.save_button.isEnabled()
    dialog.price.setText("$1,250.5")
    dialog.weeks.setValue(6)
    save_and_wait(qtbot, dialog)
    with sessions() as session:
        made = session.scalar(select(Program).where(Program.name == "Mastermind Retreat"))
        assert (made.price, made.duration_weeks, made.active) == (Decimal("1250.50"), 6, True)
    settle(qtbot, listing)
    assert len(column(listing, 0)) == len(existing) + 1

    select_row(qtbot, listing, 0, "Mastermind Retreat")
    tab.programs.edit_selected()
    qtbot.waitUntil(lambda: tab.programs.dialog is not dialog, timeout=5000)
    edit = tab.programs.dialog
    assert edit.price.value() == Decimal("1250.50")
    edit.price.setText("2,000")
    edit.active.setChecked(False)
    save_and_wait(qtbot, edit)
    with sessions() as session:
        changed = session.get(Program, made.id)
        assert (changed.price, changed.active) == (Decimal("2000.00"), False)
        audit_new = session.scalars(
            select(AuditEntry.new_values).where(
                AuditEntry.entity_id == made.id, AuditEntry.action == AuditAction.UPDATE
            )
        ).one()
    assert audit_new == {"price": "2000.00", "active": False}


def test_settings_errors_at_the_field_then_saved(qtbot, seeded: Engine, sessions) -> None:
    tab = make_tab(qtbot, seeded, sessions, admin_actor(sessions))
    panel = tab.settings
    tab.pages.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.current is not None, timeout=5000)
    assert panel.currency.text() == settings.DEFAULTS.currency
    panel.time_zone.setCurrentText("Mars/Olympus")
    panel.grace_days.setValue(7)
    panel.save_button.click()
    qtbot.waitUntil(lambda: "time_zone" in panel.errors.shown(), timeout=5000)
    assert "IANA time zone" in panel.errors.shown()["time_zone"]
    with sessions() as session:
        assert settings.load_settings(session).grace_days == settings.DEFAULTS.grace_days

    panel.time_zone.setCurrentText("Europe/London")
    panel.currency.setText("eur")
    panel.rates["closer_commission_rate"].setText("0.125")
    with qtbot.waitSignal(panel.saved, timeout=5000):
        panel.save_button.click()
    with sessions() as session:
        stored = settings.load_settings(session)
    assert (stored.currency, stored.time_zone, stored.grace_days) == ("EUR", "Europe/London", 7)
    assert stored.closer_commission_rate == Decimal("0.125")
    assert panel.errors.shown() == {}


@APP_SIGN_IN
def test_audit_filters_and_screenshot(qtbot, seeded: Engine, sessions) -> None:
    actor = admin_actor(sessions)
    with sessions() as session:
        sales_id = session.scalar(select(User.id).where(User.username == "sales"))
        user_service.reset_password(session, actor, sales_id, NEW_PASSWORD)
        programs.create_program(session, actor, "Audit Test Program", "990")
        user_service.create_user(session, SYSTEM, "robin.lee", NEW_PASSWORD, "SALES")
    tab = make_tab(qtbot, seeded, sessions, actor)
    audit = tab.audit
    tab.pages.setCurrentWidget(audit)
    settle(qtbot, audit.list)
    assert sorted(column(audit.list, 3)) == ["programs", "users", "users"]

    audit.list.apply_filters({"action": ["UPDATE"]})
    settle(qtbot, audit.list)
    assert column(audit.list, 2) == [AuditAction.UPDATE]
    [line] = column(audit.list, 4)
    assert line.startswith("Changed user ") and line.endswith("(password reset)"), line
    audit.list.apply_filters({"action": [], "user": ["system"]})
    settle(qtbot, audit.list)
    assert column(audit.list, 1) == ["system"] and column(audit.list, 3) == ["users"]
    audit.list.apply_filters({"user": [], "entity": ["programs"]})
    settle(qtbot, audit.list)
    assert column(audit.list, 3) == ["programs"]

    audit.list.apply_filters({"entity": []})
    tomorrow = QDate.currentDate().addDays(1)
    audit.date_from.setDate(tomorrow)
    audit.use_from.setChecked(True)
    settle(qtbot, audit.list)
    assert audit.list.model.rowCount() == 0
    audit.date_from.setDate(QDate.currentDate().addDays(-1))
    settle(qtbot, audit.list)
    assert audit.list.model.rowCount() == 3

    audit.list.view.selectRow(column(audit.list, 3).index("programs"))
    qtbot.waitUntil(lambda: audit.detail is not None, timeout=5000)
    prices = [line.new for line in audit.detail.changes if line.field == "Price"]
    assert prices == ["$990.00"]
    tab.pages.setCurrentWidget(tab.users)
    settle(qtbot, tab.users.list)
    select_row(qtbot, tab.users.list, 0, "robin.lee")
    qtbot.wait(100)
    if tab.ctx.engine.dialect.name == "sqlite":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        tab.grab().save(str(SCREENSHOT))
        tab.pages.setCurrentWidget(audit)
        qtbot.wait(100)
        tab.grab().save(str(SCREENSHOT.with_name("admin_audit.png")))


@APP_SIGN_IN
def test_non_admin_sees_no_actions_and_services_refuse(qtbot, engine: Engine, sessions) -> None:
    with sessions() as session:
        user = user_service.create_user(session, SYSTEM, "pat.sales", NEW_PASSWORD, "SALES")
        user_id = user.id
        program_id = programs.create_program(session, SYSTEM, "Core", "100").id
    with sessions() as session:
        sales = user_service.authenticate(session, "pat.sales", NEW_PASSWORD)
    tab = make_tab(qtbot, engine, sessions, sales)
    hidden = [
        tab.users.new_button,
        tab.users.role_button,
        tab.users.reset_button,
        tab.users.active_button,
        tab.users.unlock_button,
        tab.programs.new_button,
        tab.programs.edit_button,
        tab.settings.save_button,
    ]
    assert not any(widget.isVisible() for widget in hidden)
    assert tab.audit is None

    refused = [
        lambda s: user_service.create_user(s, sales, "mallory", NEW_PASSWORD, "ADMIN"),
        lambda s: user_service.set_role(s, sales, user_id, "ADMIN"),
        lambda s: user_service.reset_password(s, sales, user_id, NEW_PASSWORD + "!"),
        lambda s: user_service.deactivate_user(s, sales, user_id),
        lambda s: user_service.reactivate_user(s, sales, user_id),
        lambda s: user_service.unlock_user(s, sales, user_id),
        lambda s: programs.create_program(s, sales, "Cheap", "1"),
        lambda s: programs.update_program(s, sales, program_id, price="1"),
        lambda s: settings.update_settings(s, sales, grace_days=30),
    ]
    for call in refused:
        with sessions() as session, pytest.raises(PermissionDeniedError):
            call(session)
    with sessions() as session:
        assert session.scalar(select(User.role).where(User.id == user_id)) is UserRole.SALES
        assert session.get(Program, program_id).price == Decimal("100.00")
        assert settings.load_settings(session).grace_days == settings.DEFAULTS.grace_days
        assert session.scalar(select(func.count()).select_from(User)) == 1
