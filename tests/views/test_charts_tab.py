"""The Charts tab on the demo data (``seed_database(leads=300)``), both backends: the cards and
every chart show exactly the report services' numbers for the range and granularity picked;
exports write the right files; clicks ask for the right records; empty ranges say so."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.common.date_ranges import DateRange
from portal_desktop.services.marketing.campaigns import campaign_report
from portal_desktop.services.reporting.chart_periods import Granularity, bucket_keys
from portal_desktop.services.reporting.kpis import kpi_report
from portal_desktop.services.sales.team import leaderboard
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.charts import ChartsTab, paint_queue
from portal_desktop.views.charts.export import export_pdf, panel_csv, panel_png
from portal_desktop.views.charts.values import value_text
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.tab_context import DataBus, TabContext
from tests.services.reporting.test_kpis import BACKENDS, _create_database

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

TODAY = dt.date(2025, 12, 31)  # the demo data covers the 12 months before it
YEAR = (dt.date(2025, 1, 1), TODAY)
SPRING = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))


@pytest.fixture(scope="module", params=BACKENDS, name="demo")
def demo_fixture(
    request: pytest.FixtureRequest,
    migrated_templates: dict,
    pg_admin_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TabContext]:
    url = _create_database(
        str(request.param), migrated_templates, pg_admin_url, tmp_path_factory.mktemp("demo")
    )
    engine = make_engine(url)
    seed_database(engine, leads=300, today=TODAY)
    yield TabContext(engine, session_factory(engine), SYSTEM, Formatter("USD", dt.UTC), DataBus())
    engine.dispose()


@pytest.fixture
def tab(qtbot, demo: TabContext) -> ChartsTab:
    widget = ChartsTab(demo)
    qtbot.addWidget(widget)
    widget.resize(1400, 1000)
    widget.show()
    qtbot.waitUntil(lambda: widget.painted, timeout=20_000)
    return widget


def pick(qtbot, tab: ChartsTab, period: tuple[dt.date, dt.date], grain: Granularity) -> None:
    with qtbot.waitSignal(tab.loaded, timeout=20_000):
        tab.set_granularity(grain)
        tab.set_range(*period)
    assert tab.data is not None
    assert (tab.data.period.start, tab.data.period.end, tab.data.granularity) == (*period, grain)


def plotted(tab: ChartsTab, key: str, series: int = 0) -> list[float]:
    """The values drawn; an empty panel ("No data in this range") stands for all zeros."""
    view = tab.panel_view(key)
    if view.showing_empty:
        return [0.0] * len(view.panel.series[series].values)
    return list(view.plotted().values())[series]


def check_against_reports(tab: ChartsTab, sessions: sessionmaker[Session], period) -> None:
    with sessions() as session:
        report = kpi_report(session, SYSTEM, *period)
        before = kpi_report(session, SYSTEM, *_previous(period))
        campaigns = campaign_report(session, SYSTEM, *period)
        team = leaderboard(session, SYSTEM, *period)
    formatter = tab.ctx.formatter
    overdue = report.overdue_1_30 + report.overdue_31_60 + report.overdue_61_90
    overdue += report.overdue_90_plus
    shown = {key: card.value.text() for key, card in tab.cards.items()}
    assert shown == {
        "cash_collected": formatter.money(report.cash_collected),
        "contracted_revenue": formatter.money(report.contracted_revenue),
        "cash_roas": value_text("ratio_x", report.cash_roas, formatter),
        "show_rate": value_text("ratio", report.show_rate, formatter),
        "close_rate": value_text("ratio", report.close_rate, formatter),
        "receivables_overdue": formatter.money(overdue),
    }
    assert formatter.money(before.cash_collected) in tab.cards["cash_collected"].change.text()
    assert sum(plotted(tab, "money_over_time", 0)) == pytest.approx(float(report.cash_collected))
    contracted = sum(plotted(tab, "money_over_time", 1))
    assert contracted == pytest.approx(float(report.contracted_revenue))
    leads = sum(sum(values) for values in tab.panel_view("lead_sources").plotted().values())
    assert leads == report.leads
    funnel = [report.leads, report.calls_booked, report.calls_held, report.offers, report.closes]
    assert plotted(tab, "funnel") == funnel
    aging = [report.overdue_1_30, report.overdue_31_60, report.overdue_61_90]
    assert plotted(tab, "aging") == [float(v) for v in (*aging, report.overdue_90_plus)]
    spend = sorted((row.ads.spend for row in campaigns), reverse=True)
    assert plotted(tab, "campaign_spend") == [float(value) for value in spend]
    closers = [row for row in team if not row.as_closer.is_empty]
    assert plotted(tab, "closer_closes") == [row.as_closer.calls.closes for row in closers]
    assert plotted(tab, "closer_cash") == [float(row.as_closer.cash_collected) for row in closers]


def _previous(period: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    days = (period[1] - period[0]).days + 1
    end = period[0] - dt.timedelta(days=1)
    return end - dt.timedelta(days=days - 1), end


def test_range_and_granularity_update_every_chart_to_the_reports(qtbot, tab: ChartsTab) -> None:
    sessions = tab.ctx.sessions
    for period, grain in ((YEAR, Granularity.MONTH), (SPRING, Granularity.WEEK)):
        pick(qtbot, tab, period, grain)
        buckets = bucket_keys(DateRange(*period), grain)
        assert len(plotted(tab, "money_over_time")) == len(buckets)
        assert tab.panel_view("money_over_time").panel.categories[0] == buckets[0].isoformat()
        check_against_reports(tab, sessions, period)
    pick(qtbot, tab, SPRING, Granularity.DAY)
    assert len(plotted(tab, "money_over_time")) == 91
    check_against_reports(tab, sessions, SPRING)


def test_exports(qtbot, tab: ChartsTab, tmp_path: Path) -> None:
    pick(qtbot, tab, YEAR, Granularity.MONTH)
    view = tab.panel_view("money_over_time")
    panel_png(view, tmp_path / "one.png", 1)
    panel_png(view, tmp_path / "two.png", 2)
    one, two = QImage(str(tmp_path / "one.png")), QImage(str(tmp_path / "two.png"))
    assert (one.width(), one.height()) == (view.width(), view.height())
    assert (two.width(), two.height()) == (2 * view.width(), 2 * view.height())

    rows = panel_csv(view.panel, tmp_path / "money.csv")
    lines = (tmp_path / "money.csv").read_text(encoding="utf-8").splitlines()
    assert rows == len(lines) - 1 == 2 * 12  # two series, twelve months
    assert lines[0] == "chart,series,category,amount"
    cash_total = sum(Decimal(line.rsplit(",", 1)[1]) for line in lines[1:13])
    assert cash_total == tab.data.report.cash_collected

    assert export_pdf(tab, tmp_path / "report.pdf") == 7
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == 7  # the cards, then one page per section


def test_clicking_a_bar_asks_for_its_records(qtbot, tab: ChartsTab) -> None:
    pick(qtbot, tab, YEAR, Granularity.MONTH)
    view = tab.panel_view("aging")
    with qtbot.waitSignal(tab.ctx.bus.open_list) as caught:
        view.activate(0, 1)
    assert caught.args == ["payment_schedules", {"bucket": "31-60", "as_of": YEAR[1]}]

    # a real mouse click on the middle of the 61-90 bar
    plot = view.plot_widget
    item = plot.getPlotItem()
    height = float(tab.data.report.overdue_61_90) / 2
    scene = item.vb.mapViewToScene(QPointF(2, height))
    with qtbot.waitSignal(tab.ctx.bus.open_list) as caught:
        QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene))
    assert caught.args == ["payment_schedules", {"bucket": "61-90", "as_of": YEAR[1]}]

    sources = tab.panel_view("lead_sources")
    name = sources.panel.series[0].name
    with qtbot.waitSignal(tab.ctx.bus.open_list) as caught:
        sources.activate(0, 3)
    assert caught.args == [
        "pipeline",
        {"source": name, "created_from": dt.date(2025, 4, 1), "created_to": dt.date(2025, 4, 30)},
    ]


def test_hover_shows_exact_values(qtbot, tab: ChartsTab) -> None:
    pick(qtbot, tab, YEAR, Granularity.MONTH)
    view = tab.panel_view("money_over_time")
    cash = view.panel.series[0].values[2]
    assert f"Cash collected: {tab.ctx.formatter.money(cash)}" in view.hover_text(2)


def test_an_empty_range_says_so(qtbot, tab: ChartsTab) -> None:
    pick(qtbot, tab, (dt.date(2031, 1, 1), dt.date(2031, 1, 31)), Granularity.WEEK)
    for key in ("money_over_time", "funnel", "lead_sources", "expected_cash", "pair_grid"):
        view = tab.panel_view(key)
        assert view.showing_empty, key
        assert view.empty.text() == "No data in this range"
    pick(qtbot, tab, YEAR, Granularity.MONTH)
    assert not tab.panel_view("money_over_time").showing_empty


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1e1f22",
        QPalette.ColorRole.Base: "#16171a",
        QPalette.ColorRole.AlternateBase: "#24262a",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Button: "#2b2d31",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.ToolTipBase: "#2b2d31",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    return palette


def test_light_and_dark_screenshots(qtbot, tab: ChartsTab, tmp_path: Path, backend_name) -> None:
    """Renders both themes (a dark palette gives dark plots)."""
    pick(qtbot, tab, (dt.date(2025, 10, 1), TODAY), Granularity.WEEK)  # Q4: cards with changes
    tab.resize(1400, 2700)
    qtbot.wait(50)
    folder = tmp_path
    content = tab.scroll.widget()
    content.grab().save(str(folder / "charts_light.png"))
    light = tab.panel_view("funnel").plot_widget.backgroundBrush().color()
    tab.setPalette(dark_palette())
    tab.setAutoFillBackground(True)
    qtbot.wait(50)
    content.grab().save(str(folder / "charts_dark.png"))
    dark = tab.panel_view("funnel").plot_widget.backgroundBrush().color()
    assert light.lightness() > 200
    assert dark.lightness() < 60
    assert QImage(str(folder / "charts_dark.png")).width() > 1000


@pytest.fixture
def backend_name(demo: TabContext) -> str:
    return demo.engine.dialect.name


def _turns(tab: ChartsTab) -> tuple[list[list[object]], list[object]]:
    """Show the tab's dashboard again, scrolled to the bottom, with nothing drawn: the panels
    drawn in each turn of the event loop, and the panels in view."""
    data = tab.data
    assert data is not None
    views = [view for section in tab.sections.values() for view in section.panels.values()]
    for view in views:
        view.panel = None  # forget what was drawn
    tab.scroll.verticalScrollBar().setValue(tab.scroll.verticalScrollBar().maximum())
    tab.show_dashboard(data)
    assert not tab.painted
    assert [view for view in views if view.panel is not None] == []  # nothing drawn yet
    turns: list[list[object]] = []
    in_view_done_at = None
    while not tab.painted:
        before = {id(view) for view in views if view.panel is not None}
        QApplication.processEvents()  # one turn
        now = [view for view in views if view.panel is not None and id(view) not in before]
        if now:
            turns.append(now)
        if in_view_done_at is None and tab.painted_in_view:
            in_view_done_at = sum(len(turn) for turn in turns)
    assert sum(len(turn) for turn in turns) == len(views)
    in_view = [view for view in views if not view.visibleRegion().isEmpty()]
    assert in_view and len(in_view) < len(views)  # scrolled to the bottom: the last ones
    assert in_view_done_at == len(in_view)  # what the bench times as painted
    return turns, in_view


def test_the_panels_in_view_are_drawn_first_in_one_turn_then_one_per_turn(
    qtbot, tab: ChartsTab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paint_queue, "TURN_BUDGET_S", 60.0)  # no machine is that slow
    turns, in_view = _turns(tab)
    assert set(map(id, turns[0])) == set(map(id, in_view))  # one paint for what is seen
    assert all(len(turn) == 1 for turn in turns[1:])  # the rest: the window answers between


def test_a_turn_stops_drawing_the_panels_in_view_when_its_time_is_up(
    qtbot, tab: ChartsTab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paint_queue, "TURN_BUDGET_S", 0.0)
    turns, in_view = _turns(tab)
    assert all(len(turn) == 1 for turn in turns)
    drawn = [view for turn in turns for view in turn]
    assert set(map(id, drawn[: len(in_view)])) == set(map(id, in_view))  # still first


def test_a_range_change_puts_new_values_into_the_plots_already_drawn(qtbot, tab: ChartsTab) -> None:
    """Same series, other values (a range change): the plot items drawn stay and hold the
    new values, no clear and rebuild; what they hold is what the reports say."""
    pick(qtbot, tab, YEAR, Granularity.MONTH)
    keys = ("money_over_time", "aging", "closer_cash")  # the funnel has notes: redrawn
    before = {key: list(tab.panel_view(key)._series_items) for key in keys}
    pick(qtbot, tab, SPRING, Granularity.WEEK)
    tab._paints.finish()
    for key in keys:
        view = tab.panel_view(key)
        assert view._series_items == before[key], f"{key} was rebuilt"
        wanted = [
            [0.0 if math.isnan(v) else v for v in values] for values in view.plotted().values()
        ]
        held = [[0.0 if math.isnan(v) else v for v in values] for values in view.drawn()]
        assert len(held) == len(wanted), key
        for got, expected in zip(held, wanted, strict=True):
            assert got == pytest.approx(expected), key
    check_against_reports(tab, tab.ctx.sessions, SPRING)


def test_the_cards_wrap_rather_than_widen_the_window_and_none_is_cut(qtbot, tab: ChartsTab) -> None:
    cards = list(tab.cards.values())
    assert len({card.y() for card in cards}) == 1  # 1400 pixels: one row
    tab._start((dt.date(2020, 1, 1), dt.date(2026, 12, 31), Granularity.MONTH))  # a long line
    assert tab.status.text().startswith("Loading")
    assert tab.minimumSizeHint().width() < 800  # the words wrap, the window does not widen
    qtbot.waitUntil(lambda: not tab._runner.busy, timeout=20_000)
    tab.resize(900, 1000)
    content = tab.scroll.widget()
    qtbot.waitUntil(lambda: content.width() < 900, timeout=5_000)
    qtbot.waitUntil(lambda: len({card.y() for card in cards}) > 1, timeout=5_000)
    for card in cards:
        assert card.width() >= card.sizeHint().width(), card.title.text()  # no money cut
        assert card.geometry().right() < content.width(), card.title.text()
    rows = [card.y() for card in cards]
    assert rows == sorted(rows) and len(set(rows)) == 2  # 3 + 3, in the cards' order
    money = tab.sections["money"]
    bottom = max(card.geometry().bottom() for card in cards)
    qtbot.waitUntil(lambda: money.geometry().top() > bottom, timeout=5_000)  # room for both
