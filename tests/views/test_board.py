"""The pipeline board: newest cards and true counts per column, drag a card to move a lead."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from portal_desktop.db import pipeline_queries
from portal_desktop.db.pipeline_queries import BOARD_COLUMNS, CONVERTED
from portal_desktop.models import Lead, Student
from portal_desktop.models.enums import LeadStatus, UserRole
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales import leads as lead_service
from portal_desktop.views.pipeline.board import (
    CONVERTED_REFUSAL,
    ID_ROLE,
    BoardList,
    PipelineBoard,
    column_title,
)
from tests.views.test_pipeline_tab import make_ctx, ui_thread_statements

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

START = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
# How many hand-made leads end in each column.
PLAN = {"NEW": 7, "CONTACTED": 3, "QUALIFIED": 2, "LOST": 2, CONVERTED: 1}
LIMIT = 4


@pytest.fixture
def leads_by_column(sessions) -> dict[str, list[uuid.UUID]]:
    """Hand-made leads, created an hour apart, in the columns of PLAN (newest first)."""
    made: dict[str, list[uuid.UUID]] = {key: [] for key in PLAN}
    number = 0
    with sessions() as session:
        for key, count in PLAN.items():
            for _ in range(count):
                number += 1
                lead = lead_service.create_lead(
                    session,
                    SYSTEM,
                    first_name=f"Lead{number:02d}",
                    email=f"lead{number:02d}@example.com",
                    source="facebook" if number % 2 else "google",
                    created_at=START + dt.timedelta(hours=number),
                )
                if key in ("CONTACTED", "QUALIFIED", CONVERTED):
                    status = LeadStatus.QUALIFIED if key == CONVERTED else LeadStatus(key)
                    lead_service.change_lead_status(session, SYSTEM, lead.id, status)
                elif key == "LOST":
                    lead_service.change_lead_status(session, SYSTEM, lead.id, "LOST", "Price")
                if key == CONVERTED:
                    session.add(
                        Student(first_name="S", last_name="T", email=lead.email, lead_id=lead.id)
                    )
                    session.commit()
                made[key].insert(0, lead.id)
    return made


@pytest.fixture
def board(qtbot, engine, sessions, leads_by_column) -> PipelineBoard:
    widget = PipelineBoard(make_ctx(engine, sessions, UserRole.SALES))
    widget.limit = LIMIT
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    with qtbot.waitSignal(widget.loaded):
        widget.reload()
    return widget


def _cards(board: PipelineBoard, key: str) -> list[uuid.UUID]:
    cards = board.lists[key]
    return [cards.item(row).data(ID_ROLE) for row in range(cards.count())]


def _drag(board: PipelineBoard, lead_id: uuid.UUID, origin: str, target: str) -> None:
    """Drop the card of ``lead_id`` from column ``origin`` onto column ``target``."""
    source = board.lists[origin]
    item = next(
        source.item(r) for r in range(source.count()) if source.item(r).data(ID_ROLE) == lead_id
    )
    mime = source.mimeData([item])
    into: BoardList = board.lists[target]
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    button, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    # As a drag does: the enter picks the drop target, then the drop lands there.
    enter = QDragEnterEvent(QPoint(20, 20), actions, mime, button, keys)
    QApplication.sendEvent(into.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), actions, mime, button, keys)
    QApplication.sendEvent(into.viewport(), drop)


def _status(sessions, lead_id: uuid.UUID) -> tuple[LeadStatus, str | None]:
    with sessions() as session:
        lead = session.get(Lead, lead_id)
        return lead.status, lead.lost_reason


def test_columns_show_the_newest_cards_and_the_true_count(board, leads_by_column) -> None:
    for key in BOARD_COLUMNS:
        expected = leads_by_column[key]
        assert _cards(board, key) == expected[:LIMIT]
        assert board.headers[key].text() == f"{column_title(key)}  ·  {len(expected):,}"
        assert (board.notes[key].text() == "All shown") == (len(expected) <= LIMIT)
    assert board.notes["NEW"].text() == f"Newest {LIMIT} of {PLAN['NEW']}"


def test_board_query_filters_by_source(sessions, leads_by_column) -> None:
    with sessions() as session:
        columns = pipeline_queries.board(session, {"source": "google"}, limit=100)
        google = set(session.scalars(select(Lead.id).where(Lead.source == "google")))
    for column in columns:
        expected = [i for i in leads_by_column[column.key] if i in google]
        assert [card.lead_id for card in column.cards] == expected
        assert column.total == len(expected)


def test_dragging_a_card_moves_the_lead(qtbot, board, sessions, leads_by_column) -> None:
    lead_id = leads_by_column["NEW"][0]
    with qtbot.waitSignal(board.ctx.bus.data_changed):  # the move is written off the UI thread
        _drag(board, lead_id, "NEW", "CONTACTED")
    with qtbot.waitSignal(board.loaded):
        board.reload()  # the tab reloads on the bus; the board alone is reloaded here
    assert _status(sessions, lead_id) == (LeadStatus.CONTACTED, None)
    # Cards are ordered by creation, newest first: the older moved lead comes last.
    assert _cards(board, "CONTACTED") == [*leads_by_column["CONTACTED"], lead_id][:LIMIT]
    assert lead_id not in _cards(board, "NEW")
    assert board.headers["CONTACTED"].text() == f"Contacted  ·  {PLAN['CONTACTED'] + 1}"


def test_a_refused_move_shows_the_reason_and_the_card_stays(
    qtbot, board, sessions, leads_by_column
) -> None:
    lead_id = leads_by_column["QUALIFIED"][0]
    _drag(board, lead_id, "QUALIFIED", "NEW")
    qtbot.waitUntil(lambda: not board.moving)
    assert "cannot go back to New" in board.message.text()
    assert board.message.isVisibleTo(board)
    assert _status(sessions, lead_id) == (LeadStatus.QUALIFIED, None)
    assert lead_id in _cards(board, "QUALIFIED") and lead_id not in _cards(board, "NEW")

    _drag(board, leads_by_column["NEW"][0], "NEW", CONVERTED)
    assert board.message.text() == CONVERTED_REFUSAL

    converted = leads_by_column[CONVERTED][0]
    board.ask_lost_reason = lambda _card: "Changed their mind"
    _drag(board, converted, CONVERTED, "LOST")
    qtbot.waitUntil(lambda: not board.moving)
    assert "became a student and cannot be Lost" in board.message.text()
    assert _status(sessions, converted) == (LeadStatus.QUALIFIED, None)


def test_dropping_on_lost_asks_the_reason(qtbot, board, sessions, leads_by_column) -> None:
    first, second = leads_by_column["CONTACTED"][:2]
    asked = []
    board.ask_lost_reason = lambda card: asked.append(card.lead_id) or None  # cancelled
    _drag(board, first, "CONTACTED", "LOST")
    assert asked == [first]
    assert _status(sessions, first) == (LeadStatus.CONTACTED, None)

    board.ask_lost_reason = lambda _card: "Too expensive"
    with qtbot.waitSignal(board.ctx.bus.data_changed) as changed:
        _drag(board, second, "CONTACTED", "LOST")
    # What the write changed: the lead (and what follows from it: its audit row, rollups).
    assert "leads" in changed.args[0] and second in changed.args[1]
    assert _status(sessions, second) == (LeadStatus.LOST, "Too expensive")


def test_a_card_moved_elsewhere_meanwhile_is_refused(
    qtbot, board, sessions, leads_by_column
) -> None:
    lead_id = leads_by_column["NEW"][0]
    with sessions() as session:  # another machine qualifies it after the board was read
        lead_service.change_lead_status(session, SYSTEM, lead_id, LeadStatus.QUALIFIED)
    _drag(board, lead_id, "NEW", "CONTACTED")
    qtbot.waitUntil(lambda: not board.moving)
    assert "Someone else changed" in board.message.text()
    assert _status(sessions, lead_id) == (LeadStatus.QUALIFIED, None)


def test_marketing_cannot_drag(qtbot, engine, sessions, leads_by_column) -> None:
    board = PipelineBoard(make_ctx(engine, sessions, UserRole.MARKETING))
    qtbot.addWidget(board)
    with qtbot.waitSignal(board.loaded):
        board.reload()
    assert _cards(board, "NEW") == leads_by_column["NEW"]
    assert not any(cards.dragEnabled() or cards.acceptDrops() for cards in board.lists.values())
    assert not any(cards.viewport().acceptDrops() for cards in board.lists.values())
    lead_id = leads_by_column["NEW"][0]
    board.move_card(lead_id, 1, "NEW", "CONTACTED")
    assert _status(sessions, lead_id) == (LeadStatus.NEW, None)


def test_a_drop_writes_off_the_ui_thread(qtbot, board, sessions, leads_by_column) -> None:
    lead_id = leads_by_column["NEW"][0]
    bus = board.ctx.bus
    with ui_thread_statements(board.ctx.engine) as on_ui, qtbot.waitSignal(bus.data_changed):
        _drag(board, lead_id, "NEW", "CONTACTED")
    assert on_ui == []
    assert _status(sessions, lead_id) == (LeadStatus.CONTACTED, None)
