"""The Marketing tab driven as a user would: the campaigns report over a range, a campaign's
days, the campaign / day / broadcast dialogs, and the services refusing a SALES user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import shiboken6
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QThreadPool
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.app_database import load_formatter
from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models import AdCampaign, AdPerformance, EmailBroadcast, Lead
from portal_desktop.models.enums import AdPlatform, CampaignStatus, UserRole
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.marketing import campaigns as campaign_service
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.marketing import MarketingTab
from portal_desktop.views.marketing.broadcast_dialog import BroadcastDialog
from portal_desktop.views.marketing.campaign_dialog import CampaignDialog
from portal_desktop.views.marketing.performance_dialog import PerformanceDialog
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.table_model import KEY_ROLE, RAW_ROLE
from tests.screens import TEST_SCREENS

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
SCREENSHOTS = TEST_SCREENS
SPEND, PLATFORM_REVENUE, PLATFORM_ROAS, CASH, CASH_ROAS, LEADS, CPL = 3, 4, 5, 6, 7, 8, 9
BOOKED, COST_PER_BOOKED = 10, 11


def make_ctx(engine: Engine, sessions: sessionmaker[Session], role: UserRole) -> TabContext:
    actor = Actor(user_id=None, username=role.value.lower(), role=role)
    return TabContext(engine, sessions, actor, load_formatter(engine), DataBus())  # as the app


@pytest.fixture(autouse=True)
def _drain_workers(engine: Engine) -> Iterator[None]:
    """Let reports still running in the pool finish before the database goes away."""
    yield
    QThreadPool.globalInstance().waitForDone(10000)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, leads=300, seed=11)
    return engine


def open_tab(qtbot, engine: Engine, sessions, role: UserRole = UserRole.MARKETING) -> MarketingTab:
    tab = MarketingTab(make_ctx(engine, sessions, role))
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitExposed(tab)
    settle(qtbot, tab)
    return tab


def settle(qtbot, tab: MarketingTab) -> None:
    qtbot.waitUntil(lambda: not tab.loading, timeout=10000)
    for lists in (tab.days, tab.broadcasts):
        qtbot.waitUntil(lambda lists=lists: lists.model.counted, timeout=10000)
    qtbot.wait(30)


@pytest.fixture
def tab(qtbot, seeded: Engine, sessions) -> MarketingTab:
    return open_tab(qtbot, seeded, sessions)


def select_campaign(qtbot, tab: MarketingTab, campaign_id) -> None:
    row = tab.model.row_of(campaign_id)
    assert row >= 0
    tab.campaigns.selectRow(row)
    settle(qtbot, tab)


def opened(qtbot, tab: MarketingTab):
    """The dialog an edit opened, once what it starts from was read (a read op)."""
    qtbot.waitUntil(lambda: tab.dialog is not None and shiboken6.isValid(tab.dialog), timeout=10000)
    return tab.dialog


def wait_closed(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=10000)


def wait_error(qtbot, dialog, field: str) -> str:
    qtbot.waitUntil(lambda: field in dialog.errors.shown(), timeout=10000)
    return dialog.errors.shown()[field]


def test_report_matches_the_records(qtbot, tab: MarketingTab, sessions) -> None:
    """Spend, platform ROAS, leads and CPL per campaign over the last 90 days, against
    sums computed here with the ORM; cash ROAS is the shown cash over the shown spend."""
    tab.preset.setCurrentIndex(2)  # last 90 days
    settle(qtbot, tab)
    start, end = tab.period()
    assert (end - start).days == 89
    with sessions() as session:
        tz = load_settings(session).tz
        first = dt.datetime.combine(start, dt.time(), tz)
        after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
        days = session.execute(
            select(AdPerformance.ad_campaign_id, AdPerformance.spend, AdPerformance.revenue).where(
                AdPerformance.date.between(start, end)
            )
        ).all()
        leads = dict(
            session.execute(
                select(Lead.ad_campaign_id, func.count())
                .where(Lead.created_at >= first, Lead.created_at < after)
                .group_by(Lead.ad_campaign_id)
            ).all()
        )
        statuses = dict(session.execute(select(AdCampaign.id, AdCampaign.status)).all())
    spend: dict = {}
    revenue: dict = {}
    for campaign_id, amount, claimed in days:
        spend[campaign_id] = spend.get(campaign_id, Decimal(0)) + amount
        revenue[campaign_id] = revenue.get(campaign_id, Decimal(0)) + claimed
    expected = {c for c, s in statuses.items() if s == CampaignStatus.ACTIVE} | set(spend)
    expected |= {c for c in leads if c is not None}
    shown = {tab.model.index(r, 0).data(KEY_ROLE): r for r in range(tab.model.rowCount())}
    assert set(shown) >= expected and spend, "the seed should have ad numbers in 90 days"
    checked = 0
    for campaign_id, row in shown.items():
        cell = lambda column, row=row: tab.model.index(row, column).data(RAW_ROLE)  # noqa: E731
        assert cell(SPEND) == spend.get(campaign_id, Decimal(0))
        assert cell(PLATFORM_REVENUE) == revenue.get(campaign_id, Decimal(0))
        assert cell(LEADS) == leads.get(campaign_id, 0)
        if spend.get(campaign_id):
            total = spend[campaign_id]
            assert cell(PLATFORM_ROAS) == pytest.approx(revenue[campaign_id] / total)
            assert cell(CASH_ROAS) == pytest.approx(cell(CASH) / total)
            if leads.get(campaign_id):
                assert cell(CPL) == pytest.approx(total / leads[campaign_id])
            if cell(BOOKED):
                assert cell(COST_PER_BOOKED) == pytest.approx(total / cell(BOOKED))
            checked += 1
        else:
            assert cell(PLATFORM_ROAS) is None and cell(CASH_ROAS) is None
            assert tab.model.index(row, CASH_ROAS).data() == "—"
    assert checked > 0
    roas = tab.model.index(0, PLATFORM_ROAS)
    if roas.data(RAW_ROLE) is not None:
        assert roas.data() == f"{roas.data(RAW_ROLE):,.2f}x"


def click_header(qtbot, tab: MarketingTab, column: int) -> None:
    header = tab.campaigns.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def column_values(tab: MarketingTab, column: int) -> list:
    return [tab.model.index(r, column).data(RAW_ROLE) for r in range(tab.model.rowCount())]


def test_clicking_a_header_sorts_the_campaigns_numbers_as_numbers(qtbot, tab: MarketingTab) -> None:
    tab.preset.setCurrentIndex(3)  # 12 months: campaigns with and without spend
    settle(qtbot, tab)
    assert tab.model.rowCount() > 2
    chosen = tab.model.rows[1].campaign_id
    select_campaign(qtbot, tab, chosen)
    click_header(qtbot, tab, SPEND)
    spends = column_values(tab, SPEND)
    assert spends == sorted(spends) and spends[0] < spends[-1]
    assert tab.selected_campaign() == chosen  # the selection follows its campaign
    click_header(qtbot, tab, SPEND)
    assert column_values(tab, SPEND) == sorted(spends, reverse=True)
    # No ROAS (nothing spent) comes first ascending, as in every list; the rest by value,
    # not by their text ("10.5x" before "9.0x" as text).
    click_header(qtbot, tab, PLATFORM_ROAS)
    roas = column_values(tab, PLATFORM_ROAS)
    known = [value for value in roas if value is not None]
    assert roas == [None] * (len(roas) - len(known)) + sorted(known) and known
    click_header(qtbot, tab, 1)  # names: by their letters, any case
    names = column_values(tab, 1)
    assert names == sorted(names, key=str.casefold)
    tab.preset.setCurrentIndex(2)  # a new report keeps the chosen order
    settle(qtbot, tab)
    assert column_values(tab, 1) == sorted(column_values(tab, 1), key=str.casefold)


def test_days_follow_the_selected_campaign_and_range(qtbot, tab: MarketingTab, sessions) -> None:
    start, end = tab.period()
    with sessions() as session:
        counts = dict(
            session.execute(
                select(AdPerformance.ad_campaign_id, func.count())
                .where(AdPerformance.date.between(start, end))
                .group_by(AdPerformance.ad_campaign_id)
            ).all()
        )
    busiest = max(counts, key=lambda c: counts[c])
    select_campaign(qtbot, tab, busiest)
    assert tab.days.model.rowCount() == counts[busiest]
    dates = [tab.days.model.index(r, 0).data(RAW_ROLE) for r in range(counts[busiest])]
    assert dates == sorted(dates, reverse=True) and start <= dates[-1] <= dates[0] <= end
    # A 7-day range keeps the campaign selected and narrows its days.
    tab.preset.setCurrentIndex(0)
    settle(qtbot, tab)
    assert tab.selected_campaign() == busiest
    week_start = tab.period()[0]
    in_week = [d for d in dates if d >= week_start]
    assert tab.days.model.rowCount() == len(in_week)


def test_add_then_correct_a_day(qtbot, tab: MarketingTab, sessions) -> None:
    campaign_id = tab.model.rows[0].campaign_id
    select_campaign(qtbot, tab, campaign_id)
    assert tab.add_day_button.isVisible() and tab.add_day_button.isEnabled()
    today = tab.today()
    with sessions() as session:
        session.execute(
            AdPerformance.__table__.delete().where(
                AdPerformance.ad_campaign_id == campaign_id, AdPerformance.date == today
            )
        )
        session.commit()
    spend_before = tab.selected_row().spend
    tab.add_day()
    dialog = tab.dialog
    assert isinstance(dialog, PerformanceDialog)
    assert not dialog.save_button.isEnabled()  # spend and revenue still empty
    dialog.revenue.setText("3,000")
    dialog.spend.setText("12,50x")  # not an amount: said at the field, Save stays off
    assert dialog.errors.shown().get("spend") and not dialog.save_button.isEnabled()
    dialog.spend.setText("$1,250.50")
    assert "spend" not in dialog.errors.shown()
    dialog.impressions.setValue(40)
    dialog.clicks.setValue(50)  # more clicks than impressions: refused at the field
    assert dialog.save_button.isEnabled()
    dialog.save_button.click()
    assert "more than the 40 impressions" in wait_error(qtbot, dialog, "clicks")
    with sessions() as session:
        assert (
            session.scalar(
                select(func.count()).where(
                    AdPerformance.ad_campaign_id == campaign_id, AdPerformance.date == today
                )
            )
            == 0
        )
    dialog.impressions.setValue(1000)
    dialog.leads.setValue(7)
    dialog.save_button.click()
    wait_closed(qtbot, dialog)
    settle(qtbot, tab)
    with sessions() as session:
        saved = session.execute(
            select(AdPerformance).where(
                AdPerformance.ad_campaign_id == campaign_id, AdPerformance.date == today
            )
        ).scalar_one()
        assert (saved.spend, saved.revenue) == (Decimal("1250.50"), Decimal("3000.00"))
        assert (saved.impressions, saved.clicks, saved.leads) == (1000, 50, 7)
    assert tab.days.model.index(0, 0).data(RAW_ROLE) == today
    assert tab.selected_row().spend == spend_before + Decimal("1250.50")  # report reloaded
    assert tab.days.model.index(0, 1).data(RAW_ROLE) == Decimal("1250.50")

    tab.days.view.selectionModel().select(
        tab.days.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    tab.edit_day()
    dialog = opened(qtbot, tab)
    assert isinstance(dialog, PerformanceDialog)
    assert dialog.spend.value() == Decimal("1250.50") and dialog.clicks.value() == 50
    dialog.spend.setText("999.99")
    dialog.save_button.click()
    wait_closed(qtbot, dialog)
    with sessions() as session:
        rows = session.scalars(
            select(AdPerformance.spend).where(
                AdPerformance.ad_campaign_id == campaign_id, AdPerformance.date == today
            )
        ).all()
    assert rows == [Decimal("999.99")]


def test_create_and_edit_a_campaign(qtbot, tab: MarketingTab, sessions) -> None:
    tab.new_record()
    dialog = tab.dialog
    assert isinstance(dialog, CampaignDialog)
    assert not dialog.save_button.isEnabled()
    dialog.name.setText("Winter webinar retargeting")
    dialog.platform.setCurrentIndex(dialog.platform.findText("Google"))
    dialog.budget.setText("$150")
    dialog.save_button.click()
    wait_closed(qtbot, dialog)
    settle(qtbot, tab)
    with sessions() as session:
        made = session.execute(
            select(AdCampaign).where(AdCampaign.name == "Winter webinar retargeting")
        ).scalar_one()
        made_id, version = made.id, made.version
        assert (made.platform, made.status) == (AdPlatform.GOOGLE, CampaignStatus.ACTIVE)
        assert made.daily_budget == Decimal("150.00")
    assert tab.selected_campaign() == made_id  # the new campaign is selected

    tab.new_record()  # the same name again: told at the name field
    dialog = tab.dialog
    dialog.name.setText(" winter WEBINAR retargeting ")
    dialog.platform.setCurrentIndex(dialog.platform.findText("Google"))
    dialog.save_button.click()
    assert "already exists" in wait_error(qtbot, dialog, "name")
    dialog.reject()

    tab.open_selected()
    dialog = opened(qtbot, tab)
    assert dialog.name.text() == "Winter webinar retargeting"
    dialog.status.setCurrentIndex(dialog.status.findText("Paused"))
    dialog.save_button.click()
    wait_closed(qtbot, dialog)
    with sessions() as session:
        edited = session.get(AdCampaign, made_id)
        assert edited.status == CampaignStatus.PAUSED and edited.version == version + 1


def test_escape_cancels_without_writing(qtbot, tab: MarketingTab, sessions) -> None:
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(AdCampaign))
    tab.new_record()
    dialog = tab.dialog
    dialog.name.setText("Never saved")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    wait_closed(qtbot, dialog)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AdCampaign)) == before


def test_create_and_edit_a_broadcast(qtbot, tab: MarketingTab, sessions) -> None:
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(EmailBroadcast))
    tab.pages.setCurrentIndex(1)
    assert tab.broadcasts.model.rowCount() == before > 0
    tab.new_broadcast()
    dialog = tab.dialog
    assert isinstance(dialog, BroadcastDialog)
    assert not dialog.save_button.isEnabled()
    dialog.subject.setText("Five mistakes new coaches make")
    dialog.counts["recipients"].setValue(1200)
    dialog.counts["opens"].setValue(1500)
    dialog.save_button.click()
    assert "1,200 recipients" in wait_error(qtbot, dialog, "opens")
    dialog.counts["opens"].setValue(480)
    dialog.counts["clicks"].setValue(60)
    dialog.save_button.click()
    wait_closed(qtbot, dialog)
    settle(qtbot, tab)
    assert tab.broadcasts.model.rowCount() == before + 1
    with sessions() as session:
        made = session.execute(
            select(EmailBroadcast).where(EmailBroadcast.subject.like("Five mistakes%"))
        ).scalar_one()
        assert (made.recipients, made.opens, made.clicks) == (1200, 480, 60)
        assert made.sent_at is not None
    tab.broadcasts.search.setText("five mistakes")
    tab.broadcasts.apply_search()
    settle(qtbot, tab)
    assert tab.broadcasts.model.rowCount() == 1
    tab.broadcasts.view.selectRow(0)
    tab.edit_broadcast()
    dialog = opened(qtbot, tab)
    assert dialog.counts["opens"].value() == 480
    dialog.subject.setText("Five mistakes new coaches make (resend)")
    dialog.save_button.click()
    wait_closed(qtbot, dialog)
    with sessions() as session:
        assert session.get(EmailBroadcast, made.id).subject.endswith("(resend)")


def test_sales_user_is_refused_by_the_services(qtbot, seeded: Engine, sessions) -> None:
    """The shell hides the tab from SALES; were it opened, it offers no edits, and the
    services refuse every marketing write anyway."""
    sales = Actor(user_id=None, username="sales", role=UserRole.SALES)
    with sessions() as session:
        campaign = campaign_service.create_campaign(
            session, SYSTEM, platform=AdPlatform.TIKTOK, name="Owned by marketing"
        )
        broadcast = campaign_service.create_broadcast(
            session, SYSTEM, subject="Hello", recipients=5
        )
        ids = campaign.id, broadcast.id
    writes = [
        lambda s: campaign_service.create_campaign(s, sales, platform="FACEBOOK", name="Sneaky"),
        lambda s: campaign_service.update_campaign(s, sales, ids[0], name="Renamed"),
        lambda s: campaign_service.upsert_ad_performance(
            s, sales, ids[0], dt.date.today() - dt.timedelta(days=1), "10", 100, 5, 1, "0"
        ),
        lambda s: campaign_service.create_broadcast(s, sales, subject="Sneaky"),
        lambda s: campaign_service.update_broadcast(s, sales, ids[1], subject="Renamed"),
    ]
    for write in writes:
        with sessions() as session, pytest.raises(PermissionDeniedError):
            write(session)
    with sessions() as session:
        assert session.get(AdCampaign, ids[0]).name == "Owned by marketing"
        assert session.get(EmailBroadcast, ids[1]).subject == "Hello"
        assert session.scalar(select(func.count()).where(AdCampaign.name == "Sneaky")) == 0
    tab = open_tab(qtbot, seeded, sessions, UserRole.SALES)
    hidden = (tab.new_campaign_button, tab.add_day_button, tab.new_broadcast_button)
    assert not any(button.isVisible() for button in hidden)
    tab.new_record()
    assert tab.dialog is None


def test_screenshot(qtbot, tab: MarketingTab, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("one picture is enough")
    tab.preset.setCurrentIndex(2)
    settle(qtbot, tab)
    busiest = max(tab.model.rows, key=lambda row: row.spend)
    select_campaign(qtbot, tab, busiest.campaign_id)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(SCREENSHOTS / "campaign_service.png"))
