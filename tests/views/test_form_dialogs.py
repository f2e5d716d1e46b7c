"""Every form dialog is a FormDialog: Save is a write op that announces what the service
changed (no screen lists tables), and building a dialog never touches the database."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from portal_desktop.db.payments_queries import load_installment
from portal_desktop.models import Installment
from portal_desktop.models.enums import TeamRole, UserRole
from portal_desktop.services.accounts.settings import update_settings
from portal_desktop.services.accounts.users import create_user
from portal_desktop.services.common.changes import ROLLUP_TABLES
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.views.admin.program_dialog import ProgramDialog
from portal_desktop.views.admin.settings_panel import SettingsPanel
from portal_desktop.views.admin.user_dialogs import NewUserDialog, ResetPasswordDialog
from portal_desktop.views.admin.users_panel import UsersPanel
from portal_desktop.views.enrollments.dialogs import EndDialog, RescheduleDialog
from portal_desktop.views.form_dialog import LOADING, FormDialog
from portal_desktop.views.marketing.broadcast_dialog import BroadcastDialog
from portal_desktop.views.marketing.campaign_dialog import CampaignDialog
from portal_desktop.views.ops import WriteOp
from portal_desktop.views.payments.dialogs import FailedChargeDialog, PaymentDialog
from portal_desktop.views.team.end_of_day import EndOfDayPage
from portal_desktop.views.team.leaderboard import LeaderboardPage
from portal_desktop.views.team.member_dialog import MemberDialog
from tests.services.factories import make_enrollment, make_team_member
from tests.views.confirming import answer_if_asked
from tests.views.test_pipeline_tab import make_ctx

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
AUDITED = frozenset({"audit_log"})
MONEY = frozenset({"installments", "payments", "audit_log"}) | ROLLUP_TABLES


@pytest.fixture
def ctx(engine, sessions):
    return make_ctx(engine, sessions, UserRole.ADMIN)


@pytest.fixture
def installment_ids(ctx, sessions) -> list[uuid.UUID]:
    """3 monthly installments of 2,000.00, unpaid and past due."""
    with sessions() as session:
        enrollment = make_enrollment(
            session, ctx.actor, start_date=dt.date(2024, 1, 15), plan_type="SPLIT",
            contract_value="6000", installments=3,
        )  # fmt: skip
        return list(
            session.scalars(
                select(Installment.id)
                .where(Installment.enrollment_id == enrollment.id)
                .order_by(Installment.sequence)
            )
        )


def heard_after_save(qtbot, ctx, dialog: FormDialog) -> frozenset[str]:
    """Save ``dialog`` and return the tables the bus heard of."""
    heard: list[frozenset[str]] = []
    ctx.bus.data_changed.connect(lambda tables, _ids: heard.append(tables))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.ready, timeout=5000)
    assert dialog.save_button.isEnabled(), dialog.hint.text()
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
        answer_if_asked(dialog)  # a cancellation asks first
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert len(heard) == 1
    return heard[0]


def test_recording_a_payment_announces_the_money_tables(qtbot, ctx, sessions, installment_ids):
    with sessions() as session:
        first, second = (load_installment(session, key) for key in installment_ids[:2])
    assert first is not None and second is not None
    tables = heard_after_save(qtbot, ctx, PaymentDialog(ctx, first))
    # The old dialog announced {installments, payments, enrollments}: no audit, no rollups.
    assert tables >= MONEY
    failed = FailedChargeDialog(ctx, second)
    failed.reason.setText("card declined")
    assert heard_after_save(qtbot, ctx, failed) >= {"payments", "audit_log"}


def test_rescheduling_and_ending_announce_what_they_wrote(qtbot, ctx, sessions, installment_ids):
    with sessions() as session:
        row = session.get(Installment, installment_ids[0])
        assert row is not None
        line = SimpleNamespace(
            installment_id=row.id, sequence=row.sequence, amount=row.amount,
            due_date=row.due_date, version=row.version,
        )  # fmt: skip
        enrollment_id = row.enrollment_id
    move = RescheduleDialog(ctx, enrollment_id, line)
    move.due_date.setDate(line.due_date + dt.timedelta(days=9))
    assert heard_after_save(qtbot, ctx, move) >= {"installments", "audit_log"} | ROLLUP_TABLES
    with sessions() as session:
        version = session.get(Installment, installment_ids[0]).enrollment.version
    end = EndDialog(ctx, enrollment_id, "cancel", version, "Ada · Program")
    assert heard_after_save(qtbot, ctx, end) >= {"enrollments", "audit_log"} | ROLLUP_TABLES


def fill_program(dialog: ProgramDialog) -> ProgramDialog:
    dialog.name.setText("Mastermind")
    dialog.price.setText("2,500")
    return dialog


def fill_member(dialog: MemberDialog) -> MemberDialog:
    dialog.name.setText("Sue Setter")
    dialog.rate.setText("12.5")
    return dialog


def fill_campaign(dialog: CampaignDialog) -> CampaignDialog:
    dialog.name.setText("Winter webinar")
    return dialog


def fill_broadcast(dialog: BroadcastDialog) -> BroadcastDialog:
    dialog.subject.setText("Five mistakes")
    return dialog


def fill_user(dialog: NewUserDialog) -> NewUserDialog:
    dialog.username.setText("casey")
    for field in (dialog.passwords.first, dialog.passwords.again):
        field.setText("correct horse battery")
    return dialog


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda ctx: fill_program(ProgramDialog(ctx)), {"programs"} | AUDITED),
        (lambda ctx: fill_member(MemberDialog(ctx)), {"team_members"} | AUDITED),
        # a new campaign re-links the leads naming it: the pipeline hears of it too
        (lambda ctx: fill_campaign(CampaignDialog(ctx)), {"ad_campaigns", "leads"} | AUDITED),
        (lambda ctx: fill_broadcast(BroadcastDialog(ctx)), {"email_broadcasts"} | AUDITED),
        (lambda ctx: fill_user(NewUserDialog(ctx)), {"users"} | AUDITED),
    ],
    ids=["program", "member", "campaign", "broadcast", "user"],
)
def test_each_dialog_announces_its_tables(qtbot, ctx, build: Callable, expected) -> None:
    tables = heard_after_save(qtbot, ctx, build(ctx))
    assert expected <= tables


def test_reset_password_announces_the_user(qtbot, ctx, sessions) -> None:
    with sessions() as session:  # a user with a login (on PostgreSQL: a login role)
        user = create_user(session, SYSTEM, "reset.me", "first password 1", UserRole.SALES)
        user_id, username = user.id, user.username
    dialog = ResetPasswordDialog(ctx, user_id, username)
    for field in (dialog.passwords.first, dialog.passwords.again):
        field.setText("correct horse battery")
    assert heard_after_save(qtbot, ctx, dialog) >= {"users", "audit_log"}


def test_inline_forms_announce_through_their_write_op(qtbot, ctx, sessions) -> None:
    """The settings and end-of-day forms save inline: their write op tells the bus."""
    heard: list[frozenset[str]] = []
    ctx.bus.data_changed.connect(lambda tables, _ids: heard.append(tables))
    panel = SettingsPanel(ctx)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.current is not None, timeout=5000)
    panel.grace_days.setValue(9)
    with qtbot.waitSignal(panel.saved, timeout=5000):
        panel.save_button.click()
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert heard[-1] >= {"app_settings", "audit_log"}  # it used to say app_settings only

    with sessions() as session:
        make_team_member(session, name="Alice Closer", role=TeamRole.CLOSER)
        session.commit()
    page = EndOfDayPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.ready and page.member.count() > 0, timeout=5000)
    qtbot.waitUntil(lambda: not page.loading_day, timeout=5000)
    page.spins["calls"].setValue(12)
    page.cash.setText("1,000")
    heard.clear()
    page.save_button.click()
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert heard[0] >= {"daily_metrics", "audit_log"}


def test_the_leaderboard_hears_a_settings_change(qtbot, ctx) -> None:
    board = LeaderboardPage(ctx)
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: board.ready and not board.loading, timeout=5000)
    reloads: list[int] = []
    board.load = lambda: reloads.append(1)  # type: ignore[method-assign]
    actor = ctx.actor
    op = WriteOp(ctx, lambda session: update_settings(session, actor, time_zone="Asia/Tokyo"))
    op.run()
    qtbot.waitUntil(op.done.is_set, timeout=5000)
    assert reloads == [1]  # the days it counts follow the installation's time zone


# --- building a dialog reads nothing ------------------------------------------------------


@pytest.fixture
def unreachable(tmp_path):
    """A context whose database cannot be opened (its folder does not exist)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'portal.db'}")
    yield make_ctx(engine, sessionmaker(engine), UserRole.ADMIN)
    engine.dispose()


def test_a_dialog_opens_at_once_then_says_it_could_not_load(qtbot, ctx, unreachable) -> None:
    panel = UsersPanel(ctx)
    qtbot.addWidget(panel)
    panel.ctx = unreachable  # the database goes away while the screen is open
    panel.open_new_user()  # the old panel read the team members here, on the UI thread
    dialog = panel.dialog
    assert isinstance(dialog, NewUserDialog)
    assert dialog.hint.text() == LOADING and not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.ready, timeout=5000)
    assert "nothing was saved" in dialog.errors.shown()[""]
    fill_user(dialog)  # a complete form still cannot be saved over what was not loaded
    assert not dialog.save_button.isEnabled() and not dialog.hint.isVisible()


@pytest.mark.parametrize(
    "build",
    [
        lambda ctx: ProgramDialog(ctx),
        lambda ctx: MemberDialog(ctx),
        lambda ctx: CampaignDialog(ctx),
        lambda ctx: BroadcastDialog(ctx),
        lambda ctx: ResetPasswordDialog(ctx, uuid.uuid4(), "sales"),
    ],
    ids=["program", "member", "campaign", "broadcast", "reset"],
)
def test_building_a_dialog_reads_nothing(qtbot, unreachable, build: Callable) -> None:
    dialog = build(unreachable)
    qtbot.addWidget(dialog)
    assert dialog.ready and dialog.errors.shown() == {}
