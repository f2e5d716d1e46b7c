"""The pipeline board: a column per status and one for converted leads, a card per lead.

Each column shows its newest ``BOARD_LIMIT`` leads, read in SQL, and the true count of its
leads in the header, so a million leads cost five small queries (run in a worker). Dragging
a card onto another column asks ``change_lead_status`` to move the lead; LOST asks for the
reason first; the move runs as a write op, off the UI thread. The card is never moved by
the view itself: the write op announces the change and the tab reloads the board, so a
refused move leaves the card where it was and shows the service's words.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from PySide6.QtCore import QByteArray, QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db import pipeline_queries
from portal_desktop.db.pipeline_queries import BOARD_COLUMNS, BOARD_LIMIT, CONVERTED, Card
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.common.context import Permission
from portal_desktop.services.sales.lead_undo import LeadChange
from portal_desktop.views import a11y
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.ops import ReadOp, WriteOp
from portal_desktop.views.pipeline.lead_undo import lead_undo
from portal_desktop.views.pipeline.status_dialog import move_lead, refusal_text
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.undo import offer_undo
from portal_desktop.views.workers import OpGeneration

CARD_MIME = "application/x-portal-lead-card"
ID_ROLE = int(Qt.ItemDataRole.UserRole.value)
VERSION_ROLE = ID_ROLE + 1
CONVERTED_REFUSAL = (
    "A lead becomes a student only by closing the deal: open the lead and use “Close the deal”."
)
BOARD_STYLE = """
QLabel#columnHeader { font-weight: 600; padding: 4px 2px; }
QLabel#columnNote { padding: 0 2px; }
"""


def column_title(key: str) -> str:
    return "Converted" if key == CONVERTED else enum_label(key)


def card_text(card: Card, created: str) -> str:
    """Three lines: who, how to reach them, where they came from and when."""
    name = card.name or card.email or card.phone or "(no name)"
    contact = card.email or card.phone or "No email or phone"
    origin = f"{card.source or 'No source'} · {created}"
    return f"{name}\n{contact}\n{origin}"


def encode_card(lead_id: uuid.UUID, version: int, origin: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(CARD_MIME, QByteArray(f"{lead_id};{version};{origin}".encode()))
    return mime


def decode_card(mime: QMimeData) -> tuple[uuid.UUID, int, str] | None:
    if not mime.hasFormat(CARD_MIME):
        return None
    lead_id, version, origin = bytes(mime.data(CARD_MIME).data()).decode().split(";")
    return uuid.UUID(lead_id), int(version), origin


class BoardList(QListWidget):
    """One column's cards; a card dragged here from another column asks for the move."""

    card_dropped = Signal(object, int, str, str)  # lead id, version, from column, to column

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boardColumn")
        self.key = key
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(True)

    def set_movable(self, movable: bool) -> None:
        """Whether cards may be dragged from and dropped on this column."""
        mode = QAbstractItemView.DragDropMode
        self.setDragDropMode(mode.DragDrop if movable else mode.NoDragDrop)
        self.setDragEnabled(movable)
        self.setAcceptDrops(movable)
        self.viewport().setAcceptDrops(movable)

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # noqa: N802
        item = items[0]
        return encode_card(item.data(ID_ROLE), int(item.data(VERSION_ROLE)), self.key)

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [CARD_MIME]

    def _wanted(self, mime: QMimeData) -> bool:
        card = decode_card(mime)
        return card is not None and card[2] != self.key

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._wanted(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        card = decode_card(event.mimeData())
        if card is None or card[2] == self.key:
            event.ignore()
            return
        # Copy, never Move: the source column must not drop the card; the reload places it.
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        lead_id, version, origin = card
        self.card_dropped.emit(lead_id, version, origin, self.key)


class PipelineBoard(QWidget):
    """Five columns of lead cards, read in a worker, moved through the leads service."""

    loaded = Signal()
    # A card was double-clicked: open that lead.
    open_lead = Signal(object)

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipelineBoard")
        self.setStyleSheet(BOARD_STYLE)
        self.ctx = ctx
        self.editable = ctx.actor.can(Permission.EDIT_LEADS)
        self.filters: dict[str, object] = {}
        self.limit = BOARD_LIMIT  # cards per column
        self.columns: dict[str, pipeline_queries.BoardColumn] = {}
        self._generation = OpGeneration()
        self.loading = False
        self.moving = False  # a move is being written
        # Asked when a card is dropped on LOST: the reason, or None to cancel the move.
        self.ask_lost_reason: Callable[[Card | None], str | None] = self._ask_lost_reason

        self.message = QLabel(self)
        self.message.setObjectName("boardMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.headers: dict[str, QLabel] = {}
        self.notes: dict[str, QLabel] = {}
        self.lists: dict[str, BoardList] = {}
        row = QHBoxLayout()
        row.setSpacing(10)
        for key in BOARD_COLUMNS:
            row.addWidget(self._column(key), 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.message)
        layout.addLayout(row, 1)

    def _column(self, key: str) -> QWidget:
        frame = QFrame(self)
        header = QLabel(column_title(key), frame)
        header.setObjectName("columnHeader")
        note = QLabel(frame)
        note.setObjectName("columnNote")
        cards = a11y.table(BoardList(key, frame), f"{column_title(key)} leads")
        cards.set_movable(self.editable)
        cards.card_dropped.connect(self.move_card)
        cards.itemDoubleClicked.connect(lambda item: self.open_lead.emit(item.data(ID_ROLE)))
        box = QVBoxLayout(frame)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addWidget(header)
        box.addWidget(note)
        box.addWidget(cards, 1)
        self.headers[key], self.notes[key], self.lists[key] = header, note, cards
        return frame

    # --- loading -----------------------------------------------------------------------

    def set_filters(self, filters: Mapping[str, object]) -> None:
        self.filters = dict(filters)
        self.reload()

    def reload(self) -> None:
        ticket = self._generation.next()
        filters, limit = dict(self.filters), self.limit
        self.loading = True

        def read(session: Session) -> list[pipeline_queries.BoardColumn]:
            return pipeline_queries.board(session, filters, limit)

        ReadOp(self.ctx, read, parent=self).success(
            lambda columns: self._show(ticket, columns)
        ).failure(lambda exc: self._failed(ticket, exc)).run()

    def _show(self, ticket: int, columns: list[pipeline_queries.BoardColumn]) -> None:
        if not self._generation.is_current(ticket):
            return
        self.loading = False
        self.columns = {column.key: column for column in columns}
        for column in columns:
            self.headers[column.key].setText(f"{column_title(column.key)}  ·  {column.total:,}")
            note = self.notes[column.key]
            shown = len(column.cards)
            # Always one line, so the columns' cards start level.
            note.setText(
                f"Newest {shown:,} of {column.total:,}" if column.total > shown else "All shown"
            )
            cards = self.lists[column.key]
            cards.clear()
            for card in column.cards:
                created = self.ctx.formatter.datetime(card.created_at)
                item = QListWidgetItem(card_text(card, created))
                item.setData(ID_ROLE, card.lead_id)
                item.setData(VERSION_ROLE, card.version)
                cards.addItem(item)
        self.loaded.emit()

    def _failed(self, ticket: int, exc: BaseException) -> None:
        if self._generation.is_current(ticket):
            self.loading = False
            self.show_message(f"Could not read the board: {exc}")
            self.loaded.emit()

    # --- moving ------------------------------------------------------------------------

    def card(self, lead_id: uuid.UUID) -> Card | None:
        for column in self.columns.values():
            for card in column.cards:
                if card.lead_id == lead_id:
                    return card
        return None

    def move_card(self, lead_id: uuid.UUID, version: int, origin: str, target: str) -> None:
        """A card dropped on ``target``: ask the service; show its refusal if any."""
        self.message.hide()
        if not self.editable:
            return
        if target == CONVERTED:
            self.show_message(CONVERTED_REFUSAL)
            return
        status = LeadStatus(target)
        reason = None
        if status == LeadStatus.LOST:
            reason = self.ask_lost_reason(self.card(lead_id))
            if not reason:
                return  # cancelled: the card stays
        self.moving = True
        WriteOp(
            self.ctx, move_lead(self.ctx, lead_id, status, reason, version), parent=self
        ).success(self._moved).failure(self._refused).run()
        # The bus reloads the tab after a move; a refusal leaves the card where it was.

    def _moved(self, change: LeadChange) -> None:
        self.moving = False
        undo = lead_undo(self.ctx, change)
        if undo is not None:
            offer_undo(self, self.ctx, undo)

    def _refused(self, error: BaseException) -> None:
        self.moving = False
        self.show_message(refusal_text(error))

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _ask_lost_reason(self, card: Card | None) -> str | None:
        name = card.name if card and card.name else "this lead"
        text, ok = QInputDialog.getText(self, "Lost reason", f"Why is {name} lost?")
        return text.strip() if ok and text.strip() else None
