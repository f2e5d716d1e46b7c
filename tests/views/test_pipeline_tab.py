"""The Pipeline tab driven as a user would: chips, filters, search, sort, detail, dialogs."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.list_queries import PIPELINE, leads
from portal_desktop.db.pipeline_queries import CONVERTED
from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models import Lead, SalesCall, Student
from portal_desktop.models.enums import LeadStatus, UserRole
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.sales import leads as lead_service
from portal_desktop.services.seeding import seed_database
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.pipeline import PipelineTab
from portal_desktop.views.pipeline.detail_panel import load_calls_class
from portal_desktop.views.pipeline.status_dialog import StatusDialog
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.table_model import KEY_ROLE, RAW_ROLE

# The offscreen platform's note when a top-level widget's size hints change: harmless.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
SEED_LEADS = 300
NAME, EMAIL, STATUS, SOURCE = 0, 1, 3, 4


def make_ctx(engine: Engine, sessions: sessionmaker[Session], role: UserRole) -> TabContext:
    actor = Actor(user_id=None, username=role.value.lower(), role=role)
    return TabContext(engine, sessions, actor, Formatter(), DataBus())


def add_lead(sessions: sessionmaker[Session], **values: object) -> uuid.UUID:
    with sessions() as session:
        return lead_service.create_lead(session, SYSTEM, **values).id


@contextmanager
def ui_thread_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on this (the UI) thread while the block runs."""
    ui_thread, seen = threading.get_ident(), []

    def record(_conn, _cursor, statement: str, *_args: object) -> None:
        if threading.get_ident() == ui_thread:
            seen.append(statement.split("\n")[0][:80])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def settle(qtbot, tab: PipelineTab) -> None:
    """Wait for the list's count, the chips' counts and the panel/board workers."""
    qtbot.wait(50)  # a change asks its query on the next turn of the event loop
    model = tab.list.model
    qtbot.waitUntil(
        lambda: model.counted and not model.busy and not tab.counts_loading, timeout=10_000
    )
    qtbot.wait(50)


def list_column(tab: PipelineTab, column: int) -> list:
    model = tab.list.model
    return [model.index(row, column).data(RAW_ROLE) for row in range(model.rowCount())]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_database(engine, leads=SEED_LEADS, seed=7)
    return engine


@pytest.fixture
def truth(seeded: Engine, sessions) -> dict:
    """Every lead's status, source and converted flag, read with the ORM."""
    with sessions() as session:
        converted = set(
            session.scalars(select(Student.lead_id).where(Student.lead_id.is_not(None)))
        )
        rows = session.execute(select(Lead.id, Lead.status, Lead.source, Lead.email)).all()
    return {row.id: (row.status.value, row.source, row.id in converted, row.email) for row in rows}


@pytest.fixture
def tab(qtbot, seeded: Engine, sessions) -> PipelineTab:
    widget = PipelineTab(make_ctx(seeded, sessions, UserRole.SALES))
    qtbot.addWidget(widget)
    widget.resize(1300, 760)
    widget.show()
    qtbot.waitExposed(widget)
    settle(qtbot, widget)
    return widget


def test_chips_count_and_filter_the_list(qtbot, tab: PipelineTab, truth: dict) -> None:
    expected = Counter(CONVERTED if conv else status for status, _s, conv, _e in truth.values())
    assert tab.counts == {key: expected.get(key, 0) for key in tab.counts}
    assert tab.chip_buttons[""].text() == f"All {SEED_LEADS:,}"

    qtbot.mouseClick(tab.chip_buttons["LOST"], Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    lost = {k for k, (status, _s, conv, _e) in truth.items() if status == "LOST" and not conv}
    assert tab.list.model.rowCount() == len(lost) > 0
    assert set(list_column(tab, STATUS)) == {LeadStatus.LOST}

    qtbot.mouseClick(tab.chip_buttons[CONVERTED], Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    converted = {k for k, (_st, _s, conv, _e) in truth.items() if conv}
    keys = {tab.list.model.index(r, 0).data(KEY_ROLE) for r in range(tab.list.model.rowCount())}
    assert keys == converted


def test_source_filter_search_and_sort(qtbot, tab: PipelineTab, truth: dict) -> None:
    sources = Counter(source for _st, source, _c, _e in truth.values() if source)
    source, how_many = sources.most_common(1)[0]
    box = tab.source
    box.setCurrentIndex(box.findData(source))
    box.activated.emit(box.currentIndex())
    settle(qtbot, tab)
    assert tab.list.model.rowCount() == how_many
    assert set(list_column(tab, SOURCE)) == {source}
    assert (
        tab.counts[CONVERTED]
        + sum(tab.counts[s] for s in ("NEW", "CONTACTED", "QUALIFIED", "LOST"))
        == how_many
    )

    # Search by the start of an email, as a user types it.
    email = next(e for _st, src, _c, e in truth.values() if src == source and e)
    qtbot.keyClicks(tab.list.search, email[:12])
    qtbot.keyClick(tab.list.search, Qt.Key.Key_Return)
    settle(qtbot, tab)
    wanted = [
        e
        for _st, src, _c, e in truth.values()
        if src == source and e and email[:12].lower() in e.lower()
    ]
    assert sorted(list_column(tab, EMAIL)) == sorted(wanted)

    # Clear the search and sort by email, ascending, by clicking the header.
    tab.list.search.clear()
    tab.list.apply_search()
    header = tab.list.view.horizontalHeader()
    header.setSortIndicator(EMAIL, Qt.SortOrder.AscendingOrder)
    settle(qtbot, tab)
    emails = [e for e in list_column(tab, EMAIL)]
    expected = sorted(
        (e for _st, src, _c, e in truth.values() if src == source),
        key=lambda e: (e is not None, (e or "").lower()),
    )
    assert [e.lower() if e else e for e in emails] == [e.lower() if e else e for e in expected]


def test_selecting_a_lead_shows_its_details_and_calls(qtbot, tab: PipelineTab, sessions) -> None:
    with sessions() as session:
        lead_id, _call = session.execute(
            select(SalesCall.lead_id, SalesCall.id)
            .where(SalesCall.lead_id.is_not(None))
            .order_by(SalesCall.id)
            .limit(1)
        ).one()
        lead = session.get(Lead, lead_id)
        expected_calls = len(
            session.scalars(select(SalesCall.id).where(SalesCall.lead_id == lead_id)).all()
        )
        email = lead.email
    tab.open_lead(lead_id)
    qtbot.waitUntil(lambda: tab.detail.detail is not None and tab.detail.detail["id"] == lead_id)
    qtbot.waitUntil(lambda: tab.selected_lead_id() == lead_id, timeout=10_000)
    assert tab.detail.values["email"].text() == email
    assert tab.detail.calls.count() == expected_calls


def test_new_lead_through_the_dialog_then_change_its_status(
    qtbot, tab: PipelineTab, sessions
) -> None:
    tab.new_record()
    dialog = tab.dialog
    assert dialog is not None and not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.ready)
    qtbot.keyClicks(dialog.inputs["first_name"], "Zelda")
    qtbot.keyClicks(dialog.inputs["last_name"], "Quince")
    qtbot.keyClicks(dialog.inputs["email"], "zelda.quince@example.org")
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with sessions() as session:
        new = session.scalars(select(Lead).where(Lead.email == "zelda.quince@example.org")).one()
        new_id = new.id
    assert new.status == LeadStatus.NEW and new.first_name == "Zelda"
    qtbot.waitUntil(lambda: tab.detail.detail is not None and tab.detail.detail["id"] == new_id)
    qtbot.waitUntil(lambda: tab.selected_lead_id() == new_id, timeout=10_000)

    qtbot.mouseClick(tab.detail.buttons["status"], Qt.MouseButton.LeftButton)
    status = tab.dialog
    assert isinstance(status, StatusDialog)
    ok = status.save_button
    status.status.setCurrentIndex(status.status.findData(LeadStatus.LOST))
    assert not ok.isEnabled()  # LOST needs a reason
    qtbot.keyClicks(status.reason, "Chose a competitor")
    with qtbot.waitSignal(status.saved):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    with sessions() as session:
        lost = session.get(Lead, new_id)
        assert (lost.status, lost.lost_reason) == (LeadStatus.LOST, "Chose a competitor")
    qtbot.waitUntil(lambda: "Lost" in tab.detail.status.text())
    assert tab.selected_lead_id() == new_id  # the refresh keeps the row selected
    assert tab.list.model.index(0, STATUS).data(RAW_ROLE) == LeadStatus.LOST


def test_a_refused_status_change_is_shown_in_the_dialog(qtbot, tab: PipelineTab, sessions) -> None:
    lead_id = add_lead(sessions, first_name="Back", email="back@example.org")
    with sessions() as session:
        lead_service.change_lead_status(session, SYSTEM, lead_id, LeadStatus.QUALIFIED)
    tab.open_lead(lead_id)
    qtbot.waitUntil(lambda: tab.detail.detail is not None and tab.detail.detail["id"] == lead_id)
    tab.detail.buttons["status"].click()
    status = tab.dialog
    status.status.setCurrentIndex(status.status.findData(LeadStatus.NEW))
    status.save_button.click()
    qtbot.waitUntil(lambda: status.ready)
    assert status.isVisible()
    assert "cannot go back" in status.errors.shown()["status"]
    with sessions() as session:
        assert session.get(Lead, lead_id).status == LeadStatus.QUALIFIED


def test_other_windows_writes_refresh_the_tab(qtbot, tab: PipelineTab, sessions) -> None:
    before = tab.list.model.rowCount()
    lead_id = add_lead(sessions, first_name="Elsewhere", email="elsewhere@example.org")
    tab.ctx.bus.announce({"leads"}, {lead_id})
    settle(qtbot, tab)
    assert tab.list.model.rowCount() == before + 1
    assert tab.list.model.index(0, 0).data(KEY_ROLE) == lead_id  # newest first
    qtbot.waitUntil(lambda: tab.counts["NEW"] >= 1 and sum(tab.counts.values()) == before + 1)


def test_detail_actions_open_student_and_calls_dialogs(qtbot, tab: PipelineTab, sessions) -> None:
    with sessions() as session:
        lead_id, student_id = session.execute(
            select(Student.lead_id, Student.id).where(Student.lead_id.is_not(None)).limit(1)
        ).one()
    tab.open_lead(lead_id)
    qtbot.waitUntil(lambda: tab.detail.detail is not None and tab.detail.detail["id"] == lead_id)
    assert tab.detail.buttons["student"].isEnabled()
    assert not tab.detail.buttons["close"].isEnabled()  # already a student
    with qtbot.waitSignal(tab.ctx.bus.open_list) as shown:
        qtbot.mouseClick(tab.detail.buttons["student"], Qt.MouseButton.LeftButton)
    assert shown.args == ["enrollments", {"student_id": student_id}]


def test_marketing_sees_the_pipeline_read_only(qtbot, seeded: Engine, sessions) -> None:
    ctx = make_ctx(seeded, sessions, UserRole.MARKETING)
    tab = PipelineTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot, tab)
    assert tab.list.model.rowCount() == SEED_LEADS
    assert not tab.new_button.isVisibleTo(tab)
    assert not tab.detail.buttons["edit"].isVisibleTo(tab)
    assert not tab.detail.buttons["status"].isVisibleTo(tab)
    tab.new_record()
    tab.list.view.selectRow(0)
    tab.open_selected()
    assert tab.dialog is None
    assert all(not cards.dragEnabled() for cards in tab.board.lists.values())
    lead_id = tab.list.model.index(0, 0).data(KEY_ROLE)
    with sessions() as session, pytest.raises(PermissionDeniedError):
        lead_service.change_lead_status(session, ctx.actor, lead_id, LeadStatus.LOST, "x")
    with sessions() as session, pytest.raises(PermissionDeniedError):
        lead_service.create_lead(session, ctx.actor, first_name="Nope")


def test_apply_filters_from_another_tab(qtbot, tab: PipelineTab, truth: dict) -> None:
    tab.apply_filters({"status": "qualified"})
    settle(qtbot, tab)
    assert tab.chip_buttons["QUALIFIED"].isChecked()
    qualified = [k for k, (st, _s, conv, _e) in truth.items() if st == "QUALIFIED" and not conv]
    assert tab.list.model.rowCount() == len(qualified)
    tab.apply_filters({"status": "no such status"})
    settle(qtbot, tab)
    assert tab.chip_buttons[""].isChecked() and tab.list.model.rowCount() == SEED_LEADS


def test_the_board_view_follows_the_filters_and_moves(qtbot, tab: PipelineTab, sessions) -> None:
    with qtbot.waitSignal(tab.board.loaded):
        qtbot.mouseClick(tab.view_buttons.button(1), Qt.MouseButton.LeftButton)
    assert tab.stack.currentWidget() is tab.board and not tab.chip_row.isVisibleTo(tab)
    totals = {key: column.total for key, column in tab.board.columns.items()}
    assert totals == tab.counts
    card = tab.board.columns["NEW"].cards[0]
    with qtbot.waitSignal(tab.board.loaded):  # the move is announced; the tab reloads
        tab.board.move_card(card.lead_id, card.version, "NEW", "CONTACTED")
    assert tab.board.columns["NEW"].total == totals["NEW"] - 1
    assert tab.board.columns["CONTACTED"].total == totals["CONTACTED"] + 1
    assert _status_of(sessions, card.lead_id) == LeadStatus.CONTACTED

    source = tab.source.itemData(1)
    with qtbot.waitSignal(tab.board.loaded):
        tab.apply_filters({"source": source})
        tab.show_view(1)
    with sessions() as session:
        expected = session.scalar(select(func.count()).where(Lead.source == source))
    assert sum(column.total for column in tab.board.columns.values()) == expected


def _status_of(sessions, lead_id: uuid.UUID) -> LeadStatus:
    with sessions() as session:
        return session.get(Lead, lead_id).status


@pytest.mark.parametrize(
    ("button", "class_name"),
    [("schedule", "ScheduleCallDialog"), ("close", "CloseDealWizard")],
)
def test_schedule_and_close_open_the_sales_calls_dialogs(
    qtbot, tab: PipelineTab, sessions, button: str, class_name: str
) -> None:
    lead_id = add_lead(sessions, first_name="Cal", email="cal@example.org")
    tab.open_lead(lead_id)
    qtbot.waitUntil(lambda: tab.detail.detail is not None and tab.detail.detail["id"] == lead_id)
    qtbot.mouseClick(tab.detail.buttons[button], Qt.MouseButton.LeftButton)
    dialog_class = load_calls_class(class_name)
    if dialog_class is None:  # the Sales-calls screen has not landed yet
        assert "comes with the Sales-calls screen" in tab.detail.message.text()
        return
    opened = [w for w in tab.detail.findChildren(dialog_class) if w.isVisible()]
    assert len(opened) == 1 and opened[0].lead_id == lead_id
    opened[0].reject()


def test_the_chips_are_the_list_specs_stage_chips(qtbot, tab: PipelineTab, sessions) -> None:
    """One definition: the chips' counts are the PIPELINE spec's own chip statement's, under
    the same boxes, and a chip lists as many leads as it says."""

    def spec_counts(*filters) -> dict[str, int]:
        query = PIPELINE.query().with_filters(*filters)
        with sessions() as session:
            dialect = session.get_bind().dialect.name
            rows = session.execute(query.group_counts_statement(dialect)).all()
        return {str(value): count for group, value, count in rows if group == "stage"}

    expected = spec_counts()
    assert {key: n for key, n in tab.counts.items() if n} == expected
    assert sum(expected.values()) == SEED_LEADS
    for key, chip in tab.chip_buttons.items():
        assert chip.text().endswith(f" {sum(expected.values()) if not key else expected[key]:,}")

    source = tab.source.itemData(1)
    tab.apply_filters({"source": source, "status": "contacted"})
    settle(qtbot, tab)
    expected = spec_counts(leads.c.source == source)
    assert {key: n for key, n in tab.counts.items() if n} == expected
    assert tab.list.model.rowCount() == expected["CONTACTED"]


def test_changing_a_status_reads_and_writes_off_the_ui_thread(
    qtbot, engine: Engine, sessions
) -> None:
    ctx = make_ctx(engine, sessions, UserRole.SALES)  # no tab listening: only the dialog runs
    lead_id = add_lead(sessions, first_name="Quiet", email="quiet@example.org")
    with ui_thread_statements(engine) as on_ui:
        status = StatusDialog(ctx, lead_id, LeadStatus.NEW, expected_version=1)
        qtbot.addWidget(status)
        status.status.setCurrentIndex(status.status.findData(LeadStatus.CONTACTED))
        with qtbot.waitSignal(ctx.bus.data_changed) as changed:
            status.save()
    assert on_ui == []
    assert lead_id in changed.args[1]
    assert _status_of(sessions, lead_id) == LeadStatus.CONTACTED
