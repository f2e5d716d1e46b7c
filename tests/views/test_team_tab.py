"""The Team tab: the member dialog, the end-of-day form and month grid, the leaderboard with
its reported-vs-recorded flags, and what a SALES user may not do — driven as a user would and
checked against the database."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models import DailyMetric, TeamMember
from portal_desktop.models.enums import CallOutcome, TeamRole, UserRole
from portal_desktop.services.billing.ledger import local_today
from portal_desktop.services.common.context import Actor
from portal_desktop.services.sales import team
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.team.leaderboard import REPORTED_CASH, REPORTED_CLOSES
from portal_desktop.views.team.tab import TeamTab
from portal_desktop.views.theme import FLAG, tone
from tests.services.factories import make_sales_call, make_team_member

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@dataclass
class Team:
    alice: uuid.UUID
    bob: uuid.UUID
    today: dt.date


@pytest.fixture
def crew(sessions: sessionmaker[Session]) -> Team:
    with sessions() as session:
        alice = make_team_member(session, name="Alice Closer")
        bob = make_team_member(session, name="Bob Closer")
        session.commit()
        return Team(alice.id, bob.id, local_today(session))


def make_ctx(
    engine: Engine,
    sessions: sessionmaker[Session],
    role: UserRole,
    member_id: uuid.UUID | None = None,
) -> TabContext:
    actor = Actor(user_id=None, username=role.value.lower(), role=role, team_member_id=member_id)
    return TabContext(engine, sessions, actor, Formatter("USD", dt.UTC), DataBus())


def open_tab(qtbot, ctx: TabContext) -> TeamTab:
    tab = TeamTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: tab.end_of_day.ready and tab.leaderboard.ready, timeout=5000)
    settle(qtbot, tab)
    return tab


def settle(qtbot, tab: TeamTab) -> None:
    page, board = tab.end_of_day, tab.leaderboard
    qtbot.waitUntil(
        lambda: not (page.loading_day or page.grid_loading or board.loading), timeout=5000
    )


def test_end_of_day_saves_the_row_and_warns_when_closes_exceed_offers(
    qtbot, engine, sessions, crew: Team
) -> None:
    tab = open_tab(qtbot, make_ctx(engine, sessions, UserRole.SALES, crew.alice))
    page = tab.end_of_day
    tab.pages.setCurrentWidget(page)
    for field, value in (("calls", 40), ("conversations", 12), ("booked", 5), ("offers", 1)):
        page.spins[field].setValue(value)
    page.spins["closes"].setValue(2)
    page.cash.setText("12 dollars")
    page.save()
    assert set(page.errors.shown()) == {"cash"}
    page.cash.setText("$1,250.50")
    page.notes.setText("busy day")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.notice.isVisible(), timeout=5000)
    settle(qtbot, tab)

    with sessions() as session:
        rows = session.scalars(select(DailyMetric)).all()
        assert [
            (r.team_member_id, r.date, r.calls, r.conversations, r.booked, r.offers, r.closes)
            for r in rows
        ] == [(crew.alice, crew.today, 40, 12, 5, 1, 2)]
        assert rows[0].cash == Decimal("1250.50")
        assert rows[0].notes == "busy day"
    assert "closes (2) is more than offers (1)" in page.notice.text()
    assert "Alice Closer" in page.notice.text()

    # The month grid shows the saved day in Alice's (the only) column.
    assert page.grid.columnCount() == 1
    assert page.grid.horizontalHeaderItem(0).text() == "Alice Closer"
    cell = page.grid.item(crew.today.day - 1, 0)
    assert cell.text() == "2 · $1,250.50"
    assert "Offers: 1" in cell.toolTip()

    # Entering the day again updates the one row; consistent numbers give no warning.
    page.spins["closes"].setValue(1)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "check them" not in page.notice.text(), timeout=5000)
    with sessions() as session:
        assert session.scalars(select(DailyMetric.closes)).all() == [1]


def test_sales_cannot_edit_another_member(qtbot, engine, sessions, crew: Team) -> None:
    ctx = make_ctx(engine, sessions, UserRole.SALES, crew.alice)
    tab = open_tab(qtbot, ctx)
    page = tab.end_of_day
    # The UI offers only their own member, fixed, and no member editing.
    assert not page.member.isEnabled()
    assert [page.member.itemData(i) for i in range(page.member.count())] == [crew.alice]
    assert not tab.members.new_button.isVisibleTo(tab)
    assert not tab.members.edit_button.isVisibleTo(tab)
    # On the leaderboard, only their own reports are compared.
    table = tab.leaderboard.table
    reported = {
        table.item(r, 0).data(Qt.ItemDataRole.UserRole): table.item(r, REPORTED_CLOSES).text()
        for r in range(table.rowCount())
    }
    assert reported == {"Alice Closer": "0", "Bob Closer": "—"}
    # The services refuse anyway.
    with sessions() as session, pytest.raises(PermissionDeniedError, match="their own"):
        team.upsert_daily_metric(session, ctx.actor, crew.bob, crew.today, 1, 1, 1, 1, 1, "0")
    with sessions() as session, pytest.raises(PermissionDeniedError):
        team.update_team_member(session, ctx.actor, crew.bob, name="Bobby")
    with sessions() as session:
        assert session.scalar(select(DailyMetric.id)) is None
        assert session.get(TeamMember, crew.bob).name == "Bob Closer"


def test_leaderboard_flags_reported_closes_that_differ_from_the_records(
    qtbot, engine, sessions, crew: Team
) -> None:
    now = dt.datetime.now(dt.UTC)
    with sessions() as session:
        make_sales_call(
            session,
            host_id=crew.alice,
            scheduled_at=now - dt.timedelta(minutes=1),
            outcome=CallOutcome.CLOSED_WON,
            offer_made=True,
        )
        session.commit()
    admin = make_ctx(engine, sessions, UserRole.ADMIN)
    with sessions() as session:
        team.upsert_daily_metric(session, admin.actor, crew.alice, crew.today, 10, 5, 3, 3, 3, "0")
        team.upsert_daily_metric(session, admin.actor, crew.bob, crew.today, 4, 2, 1, 0, 0, "0")
    tab = open_tab(qtbot, admin)
    table = tab.leaderboard.table
    rows = {table.item(r, 0).data(Qt.ItemDataRole.UserRole): r for r in range(table.rowCount())}
    alice, bob = rows["Alice Closer"], rows["Bob Closer"]

    assert table.item(alice, 4).text() == "1"  # recorded closes as host
    flagged = table.item(alice, REPORTED_CLOSES)
    assert flagged.text() == "3"
    assert "reported 3 closes, the records show 1 close" in flagged.toolTip()
    assert flagged.background().color() == tone(FLAG).fill  # the theme's flag amber
    # Cash agrees (0 reported, 0 recorded), and Bob's numbers agree: nothing flagged there.
    assert table.item(alice, REPORTED_CASH).toolTip() == ""
    assert table.item(bob, REPORTED_CLOSES).toolTip() == ""
    assert table.item(bob, REPORTED_CLOSES).text() == "0"
    assert "1 with reported numbers that differ" in tab.leaderboard.summary.text()


def test_admin_creates_a_member_with_a_commission_percentage(
    qtbot, engine, sessions, crew: Team
) -> None:
    tab = open_tab(qtbot, make_ctx(engine, sessions, UserRole.ADMIN))
    tab.new_record()
    dialog = tab.members.dialog
    assert dialog is not None and not dialog.save_button.isEnabled()
    dialog.name.setText("Sue Setter")
    dialog.role.setCurrentIndex(dialog.role.findText("Setter"))
    dialog.rate.setText("150")
    dialog.save()
    assert dialog.errors.shown() == {"commission_rate": "150 % is not between 0 and 100"}
    dialog.rate.setText("12.5")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    # A second dialog left with Esc writes nothing.
    tab.new_record()
    second = tab.members.dialog
    second.name.setText("Never Saved")
    qtbot.keyClick(second, Qt.Key.Key_Escape)
    assert not second.isVisible()
    with sessions() as session:
        assert session.scalar(select(TeamMember).where(TeamMember.name == "Never Saved")) is None
        sue = session.scalars(select(TeamMember).where(TeamMember.name == "Sue Setter")).one()
        assert (sue.role, sue.commission_rate, sue.active) == (
            TeamRole.SETTER,
            Decimal("0.125"),
            True,
        )


def test_screenshot_on_demo_data(qtbot, engine, sessions, tmp_path: Path) -> None:
    seed_database(engine, leads=300, seed=7)
    tab = open_tab(qtbot, make_ctx(engine, sessions, UserRole.ADMIN))
    tab.pages.setCurrentWidget(tab.leaderboard)
    board = tab.leaderboard
    board.set_range(
        board.start.date().toPython() - dt.timedelta(days=90), board.end.date().toPython()
    )
    settle(qtbot, tab)
    with sessions() as session:
        active = session.scalars(select(TeamMember.id).where(TeamMember.active.is_(True))).all()
    assert board.table.rowCount() >= len(active) > 0
    folder = tmp_path
    tab.pages.tabBar().setFocus()
    tab.grab().save(str(folder / "team.png"))
    tab.pages.setCurrentWidget(tab.members)
    qtbot.waitUntil(lambda: tab.members.list.model.counted, timeout=5000)
    tab.grab().save(str(tmp_path / "team_members.png"))
    tab.pages.setCurrentWidget(tab.end_of_day)
    settle(qtbot, tab)
    tab.grab().save(str(tmp_path / "team_end_of_day.png"))
    assert QImage(str(folder / "team.png")).width() == 1280
