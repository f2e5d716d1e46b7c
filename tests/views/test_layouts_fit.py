"""Screens at 1280x800 and 1366x768 with a desktop's text size: money, dates and figures are
never cut short, titles fit their columns, the lists that fit show every column, and an
error under a field never runs over the next one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QListWidget,
    QStyle,
    QStyleOptionComboBox,
    QTableView,
    QTableWidget,
)
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.marketing_queries import CAMPAIGN_COLUMNS
from portal_desktop.db.payments_queries import load_installment
from portal_desktop.db.query_spec import ColumnKind
from portal_desktop.errors import ValidationError
from portal_desktop.models import SalesCall
from portal_desktop.services.accounts import users as user_service
from portal_desktop.services.seeding import seed_database
from portal_desktop.services.seeding.seeder import DEMO_PASSWORD
from portal_desktop.views.badges import BADGE_PADDING
from portal_desktop.views.column_widths import title_width
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.list_view import WHOLE_COLUMNS, ListView, column_name
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.payments.dialogs import PaymentDialog
from portal_desktop.views.payments.dunning import COLUMNS as DUNNING_COLUMNS
from portal_desktop.views.pipeline.lead_dialog import LeadDialog
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.team.leaderboard import HEADERS as LEADERBOARD_HEADERS
from tests.shell_helpers import temp_settings  # noqa: F401
from tests.views.test_form_dialogs import ctx, installment_ids  # noqa: F401

pytestmark = [
    pytest.mark.usefixtures("temp_settings", "desktop_font"),
    pytest.mark.qt_log_ignore("does not support propagateSizeHints"),
]
SCREENS = ((1280, 800), (1366, 768))
# The offscreen platform draws 9-point text; desktops use 10 or 11.
DESKTOP_POINTS = 11.0
CHECKED_ROWS = 40


@pytest.fixture
def desktop_font(qapp: QApplication) -> Iterator[None]:
    before = QApplication.font()
    font = QFont(before)
    font.setPointSizeF(DESKTOP_POINTS)
    QApplication.setFont(font)
    yield
    QApplication.setFont(before)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, leads=300, seed=7)
    return engine


def _window(qtbot, engine: Engine, sessions: sessionmaker[Session], size) -> MainWindow:
    with sessions() as session:
        actor = user_service.authenticate(session, "admin", DEMO_PASSWORD)
    window = MainWindow(TabContext(engine, sessions, actor, Formatter(), DataBus()))
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


# --- what is cut short ------------------------------------------------------------------


def _cell_margin(view: QTableView) -> int:
    return 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)


def _texts(view: QTableView, column: int) -> Iterator[str]:
    model = view.model()
    for row in range(min(model.rowCount(), CHECKED_ROWS)):
        if isinstance(view, QTableWidget):
            item = view.item(row, column)
            yield item.text() if item is not None else ""
        else:
            yield str(model.index(row, column).data() or "")


def cut_cells(view: QTableView, columns: list[int], extra: dict[int, int] | None = None) -> list:
    """(title, text) of the cells of these columns whose text is wider than the column."""
    metrics, margin, header = view.fontMetrics(), _cell_margin(view), view.horizontalHeader()
    cut = []
    for column in columns:
        room = view.columnWidth(column) - margin - (extra or {}).get(column, 0)
        title = view.model().headerData(column, header.orientation())
        cut += [(title, t) for t in _texts(view, column) if metrics.horizontalAdvance(t) > room]
    return cut


def cut_titles(view: QTableView) -> list[str]:
    header = view.horizontalHeader()
    margin = 2 * view.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    titles = [str(view.model().headerData(c, header.orientation())) for c in range(header.count())]
    return [
        title.replace("\n", " ")
        for column, title in enumerate(titles)
        if title_width(header.fontMetrics(), title) + margin > header.sectionSize(column)
    ]


def off_screen(view: QTableView) -> list[str]:
    header = view.horizontalHeader()
    return [
        str(view.model().headerData(column, header.orientation()))
        for column in range(header.count())
        if header.sectionViewportPosition(column) + header.sectionSize(column)
        > view.viewport().width() + 1
    ]


def _figures(view: ListView) -> list[int]:
    """Money, dates, figures, badges and phone numbers: never elided."""
    return [
        n
        for n, col in enumerate(view.spec.columns)
        if col.kind is not ColumnKind.TEXT or column_name(col) in WHOLE_COLUMNS
    ]


def cut_labels(dialog: FormDialog) -> list[str]:
    """Visible wrapped labels not tall enough for their text (drawn over their neighbours)."""
    return [
        label.text()
        for label in dialog.findChildren(QLabel)
        if label.isVisible() and label.wordWrap() and label.text()
        if label.height() < label.heightForWidth(label.width())
    ]


# --- the lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_money_dates_and_figures_are_never_cut_short_in_any_list(
    qtbot, seeded: Engine, sessions: sessionmaker[Session], size
) -> None:
    window = _window(qtbot, seeded, sessions, size)
    for key in window.tab_keys:
        if key == "charts":
            continue
        window.tabs.setCurrentWidget(window.lazy_tabs[key])
        for tab in window.tab(key).findChildren(EntityTab):
            if not tab.isVisible():
                continue
            qtbot.waitUntil(lambda t=tab: t.model.counted and not t.model.busy, timeout=10_000)
            view = tab.view
            badges = {n: BADGE_PADDING for n in range(len(view.spec.columns)) if view._is_badge(n)}
            assert cut_cells(view, _figures(view), badges) == [], (key, tab.spec.name)
            assert cut_titles(view) == [], (key, tab.spec.name)
    # The Pipeline: its last column (Created) was off screen.
    window.tabs.setCurrentWidget(window.lazy_tabs["pipeline"])
    pipeline = window.tab("pipeline").list.view  # type: ignore[attr-defined]
    assert off_screen(pipeline) == []


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_leaderboard_shows_every_title_and_figure(
    qtbot, seeded: Engine, sessions: sessionmaker[Session], size
) -> None:
    window = _window(qtbot, seeded, sessions, size)
    window.tabs.setCurrentWidget(window.lazy_tabs["team"])
    team = window.tab("team")
    team.pages.setCurrentWidget(team.leaderboard)  # type: ignore[attr-defined]
    board = team.leaderboard  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not board.loading and board.table.rowCount() > 0, timeout=10_000)
    table = board.table
    figures = [
        n for n, (col, _) in enumerate(LEADERBOARD_HEADERS) if col.kind is not ColumnKind.TEXT
    ]
    assert cut_titles(table) == []
    assert cut_cells(table, figures) == []
    assert off_screen(table) == []


def test_the_dunning_list_shows_every_column(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    window = _window(qtbot, seeded, sessions, SCREENS[0])
    window.tabs.setCurrentWidget(window.lazy_tabs["payment_schedules"])
    dialog = window.tab("payment_schedules").show_dunning()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    table = dialog.table
    assert table.rowCount() > 0
    figures = [n for n, col in enumerate(DUNNING_COLUMNS) if col.kind is not ColumnKind.TEXT]
    assert cut_titles(table) == []  # "Fail…"
    assert cut_cells(table, figures) == []
    assert off_screen(table) == []
    dialog.close()


def test_the_lead_panel_call_timeline_is_not_cut(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lead_id = session.scalars(
            select(SalesCall.lead_id)
            .where(SalesCall.lead_id.is_not(None))
            .group_by(SalesCall.lead_id)
            .order_by(func.count().desc())
        ).first()
    window = _window(qtbot, seeded, sessions, SCREENS[0])
    pipeline = window.tab("pipeline")
    pipeline.open_lead(lead_id)  # type: ignore[attr-defined]
    timeline = pipeline.findChild(QListWidget, "callTimeline")
    qtbot.waitUntil(lambda: timeline.count() > 0 and "·" in timeline.item(0).text(), timeout=10_000)
    qtbot.wait(50)
    room = timeline.viewport().width()
    metrics = timeline.fontMetrics()
    for number in range(timeline.count()):
        item = timeline.item(number)
        # Word wrap is on: a line wider than the panel goes on to the next; what counts is
        # that the item is tall enough for every wrapped line and no wider than the panel.
        wrapped = metrics.boundingRect(
            QRect(0, 0, room, 10_000), int(Qt.TextFlag.TextWordWrap), item.text()
        )
        rect = timeline.visualItemRect(item)
        assert wrapped.height() <= rect.height() and rect.width() <= room, item.text()
    window.grab().save("/tmp/layouts_lead_panel.png")


# --- errors under fields --------------------------------------------------------------------


LONG_PROBLEM = (
    "cannot be in the future: choose today or an earlier day for the payment of this installment"
)


def test_errors_under_record_payment_fields_push_the_next_field_down(
    qtbot,
    ctx,  # noqa: F811
    sessions,
    installment_ids,  # noqa: F811
) -> None:
    with sessions() as session:
        first = load_installment(session, installment_ids[0])
    dialog = PaymentDialog(ctx, first)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready, timeout=5000)
    dialog.amount.clear()
    qtbot.keyClicks(dialog.amount, "12.345")
    dialog._failed(ValidationError("paid_at", LONG_PROBLEM))
    qtbot.wait(50)
    assert dialog.errors.shown()["paid_at"].startswith("Cannot be in the future")
    assert cut_labels(dialog) == []
    dialog.grab().save("/tmp/layouts_record_payment.png")


def test_errors_under_lead_dialog_fields_push_the_next_field_down(qtbot, ctx) -> None:  # noqa: F811
    dialog = LeadDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready, timeout=5000)
    qtbot.keyClicks(dialog.inputs["email"], "not-an-email")
    dialog._failed(ValidationError("phone", "is not a phone number we can read: " + LONG_PROBLEM))
    qtbot.wait(50)
    assert dialog.field_error("email") and dialog.field_error("phone")
    assert cut_labels(dialog) == []
    dialog.grab().save("/tmp/layouts_lead_dialog.png")


def test_the_sales_calls_filters_show_their_whole_choice(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    """The host and setter boxes are filled after the tab is shown ("All setter")."""
    window = _window(qtbot, seeded, sessions, SCREENS[0])
    window.tabs.setCurrentWidget(window.lazy_tabs["sales_calls"])
    calls = window.tab("sales_calls")
    qtbot.waitUntil(lambda: calls.people_loaded, timeout=10_000)  # type: ignore[attr-defined]
    qtbot.wait(50)
    for box in calls.findChildren(QComboBox):
        if not box.isVisible():
            continue
        option = QStyleOptionComboBox()
        box.initStyleOption(option)
        field = box.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            box,
        )
        assert box.fontMetrics().horizontalAdvance(box.currentText()) <= field.width(), (
            box.objectName(),
            box.currentText(),
        )


def test_the_campaigns_table_gives_each_column_its_width(
    qtbot, seeded: Engine, sessions: sessionmaker[Session]
) -> None:
    """The campaign's name got only what the other columns left ("F…")."""
    window = _window(qtbot, seeded, sessions, SCREENS[0])
    window.tabs.setCurrentWidget(window.lazy_tabs["marketing"])
    table = window.tab("marketing").campaigns  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: table.model().rowCount() > 0, timeout=10_000)
    qtbot.wait(50)
    figures = [n for n, col in enumerate(CAMPAIGN_COLUMNS) if col.kind is not ColumnKind.TEXT]
    assert cut_titles(table) == []
    assert cut_cells(table, figures) == []
    names = list(_texts(table, 1))
    widest = max(table.fontMetrics().horizontalAdvance(name) for name in names)
    room = table.columnWidth(1) - _cell_margin(table)
    assert room >= min(widest, 10 * table.fontMetrics().averageCharWidth())
    assert off_screen(table) == []  # two-line titles: the twelve columns fit
    window.grab().save("/tmp/layouts_marketing.png")
