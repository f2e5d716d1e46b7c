"""The Pipeline tab: the leads list with its detail panel, or the board, over one filter.

Stage chips (with counts), a source and a campaign box narrow the list; the source and
campaign boxes narrow the board too (its columns are the stages). The chips are the PIPELINE
list spec's ``stage`` group (``db/lead_stage.py``): the chips, filter and counts every user
of that spec gets, and the board's column totals. Nothing here reads the database on the
UI thread: reads are read ops, writes the dialogs' and the board's write ops. Hooks for the
window:
``new_record()`` (Ctrl+N), ``focus_search()`` (Ctrl+F), ``open_selected()`` (Enter) and
``apply_filters(dict)`` (another tab asking to show some leads).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db import pipeline_queries
from portal_desktop.db.lead_stage import BOARD_COLUMNS, STAGES
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.common.context import Permission
from portal_desktop.views.entity_tab import EntityTab
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.pipeline.board import PipelineBoard
from portal_desktop.views.pipeline.detail_panel import LeadDetailPanel
from portal_desktop.views.pipeline.lead_dialog import LeadDialog
from portal_desktop.views.pipeline.stage_chips import ALL, StageChipRow
from portal_desktop.views.pipeline.status_dialog import StatusDialog
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.table_model import KEY_ROLE

WATCHED_TABLES = frozenset({"leads", "sales_calls", "students"})
VIEW_STYLE = """
QPushButton#viewToggle { padding: 4px 12px; }
QPushButton#viewToggle:checked { font-weight: 600; }
"""


class PipelineTab(QWidget):
    """Leads: list + detail, or the board; the role decides whether they can be changed."""

    # What status_text() says changed (for the window's status bar).
    status_changed = Signal()

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_pipeline")
        self.setStyleSheet(VIEW_STYLE)
        self.ctx = ctx
        self.editable = ctx.actor.can(Permission.EDIT_LEADS)
        self.filters: dict[str, object] = {}  # the boxes: source, campaign
        self.stage = ALL  # the chosen chip
        self.dialog: LeadDialog | StatusDialog | None = None
        self._board_stale = True

        self.list = EntityTab(ctx.engine, PIPELINE, ctx.formatter, self)
        self.list.status_changed.connect(self.status_changed)
        # The panel's lead is selected again once the list is read (after a search, a refresh).
        self.list.model.refreshed.connect(lambda _count: self._after_list_read())
        self.detail = LeadDetailPanel(ctx, self)
        self.detail.edit_requested.connect(self.edit_lead)
        self.detail.status_requested.connect(self.change_status)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("pipelineSplitter")
        self.splitter.addWidget(self.list)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.board = PipelineBoard(ctx, self)
        self.board.open_lead.connect(self.open_lead)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.board)

        self.view_buttons = QButtonGroup(self)
        self.source = self._filter_box("source", "All sources")
        self.campaign = self._filter_box("campaign", "All campaigns")
        self.new_button = QPushButton("New lead", self)
        self.new_button.setObjectName("newLead")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.new_record)
        self.new_button.setVisible(self.editable)

        # Row 1: the view, the filters both views share, New lead. Row 2: the list's chips.
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 10, 12, 0)
        bar.setSpacing(6)
        for number, text in enumerate(("List", "Board")):
            button = QPushButton(text, self)
            button.setObjectName("viewToggle")
            button.setCheckable(True)
            button.setChecked(number == 0)
            self.view_buttons.addButton(button, number)
            bar.addWidget(button)
        self.view_buttons.idClicked.connect(self.show_view)
        bar.addSpacing(12)
        bar.addWidget(self.source)
        bar.addWidget(self.campaign)
        bar.addStretch(1)
        bar.addWidget(self.new_button)

        self.chip_row = StageChipRow(ctx, self)
        self.chip_row.chosen.connect(self._on_chip)
        self.chip_buttons = self.chip_row.buttons

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.chip_row)
        layout.addWidget(self.stack, 1)

        self.list.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.list.view.doubleClicked.connect(lambda _index: self.open_selected())
        ctx.bus.data_changed.connect(self._on_data_changed)
        self._load_choices()
        self._load_counts()

    def _filter_box(self, name: str, everything: str) -> QComboBox:
        box = QComboBox(self)
        box.setObjectName(f"{name}Filter")
        box.setMinimumContentsLength(16)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.addItem(everything, ALL)
        box.activated.connect(lambda _index: self._on_box(name, box))
        return box

    # --- the window's hooks ------------------------------------------------------------

    def new_record(self) -> None:
        """Ctrl+N: the new lead dialog (nothing for a read-only role)."""
        if self.editable:
            self._open_dialog(LeadDialog(self.ctx, parent=self))

    def focus_search(self) -> None:
        self.show_view(0)
        self.list.search.setFocus()
        self.list.search.selectAll()

    def open_selected(self) -> None:
        """Enter: edit the selected lead (a read-only role sees it in the panel)."""
        lead_id = self.selected_lead_id()
        if lead_id is not None and self.editable and self.stack.currentIndex() == 0:
            self.edit_lead(lead_id)

    def apply_filters(self, filters: Mapping[str, object]) -> None:
        """Show the leads another screen asks for: status, source, campaign, search, lead_id."""
        if "lead_id" in filters:
            self.open_lead(filters["lead_id"])
            return
        self.filters = {k: filters[k] for k in ("source", "campaign") if filters.get(k)}
        status = str(filters.get("status") or ALL).upper()
        self.stage = status if status in BOARD_COLUMNS else ALL  # an unknown word: every lead
        self.chip_row.check(self.stage)
        for name, box in (("source", self.source), ("campaign", self.campaign)):
            value = self.filters.get(name, ALL)
            if box.findData(value) < 0:
                box.addItem(str(value), value)
            box.setCurrentIndex(box.findData(value))
        if "search" in filters:
            self.list.search.setText(str(filters["search"] or ""))
            self.list.apply_search()
        self.show_view(0)
        self._filters_changed()

    def status_text(self) -> str:
        return self.list.status_text()

    def refresh(self, *, choices: bool = True) -> None:
        """Read everything again (F5). ``choices``: also the source and campaign boxes,
        which scan every lead (skipped after a single write)."""
        shown = self.detail.lead_id
        self.list.refresh()  # a model reset: the selection goes, the panel keeps its lead
        self._select_in_list(shown)
        self.detail.show_lead(shown)
        self._load_counts()
        if choices:
            self._load_choices()
        self._board_stale = True
        if self.stack.currentIndex() == 1:
            self._reload_board()

    # --- views and filters -------------------------------------------------------------

    def show_view(self, number: int) -> None:
        """0: the list and the detail panel; 1: the board."""
        self.view_buttons.button(number).setChecked(True)
        self.stack.setCurrentIndex(number)
        self.chip_row.setVisible(number == 0)
        if number == 1 and self._board_stale:
            self._reload_board()

    def _on_chip(self, stage: str) -> None:
        self.stage = stage
        self._filters_changed()

    def _on_box(self, name: str, box: QComboBox) -> None:
        value = box.currentData()
        self.filters.pop(name, None)
        if value:
            self.filters[name] = value
        self._filters_changed()

    def _filters_changed(self) -> None:
        self.list.model.set_chips({STAGES.key: [self.stage] if self.stage else []})
        self.list.model.set_filters(*pipeline_queries.filter_conditions(self.filters))
        self.list.apply_search()  # the search box's text (unchanged) and "Counting leads…"
        self._load_counts()
        self._board_stale = True
        if self.stack.currentIndex() == 1:
            self._reload_board()

    def _reload_board(self) -> None:
        self._board_stale = False
        self.board.set_filters(self.filters)

    def _load_choices(self) -> None:
        def read(session: Session) -> dict[str, list[str]]:
            return {
                name: pipeline_queries.distinct_values(session, name)
                for name in ("source", "campaign")
            }

        ReadOp(self.ctx, read, parent=self).success(self._show_choices).failure(
            lambda _exc: None  # the boxes keep "All"; the list itself reports a broken database
        ).run()

    def _show_choices(self, choices: dict[str, list[str]]) -> None:
        for name, box in (("source", self.source), ("campaign", self.campaign)):
            chosen = box.currentData()
            while box.count() > 1:
                box.removeItem(1)
            for value in choices[name]:
                box.addItem(value, value)
            if chosen and box.findData(chosen) < 0:
                box.addItem(chosen, chosen)
            box.setCurrentIndex(max(box.findData(chosen), 0))

    def _load_counts(self) -> None:
        # The query just asked for: the one on screen is the old one until it lands.
        self.chip_row.load(self.list.model.query_asked)

    @property
    def counts(self) -> dict[str, int]:
        """The chips' counts per stage (the board's column totals under the same boxes)."""
        return self.chip_row.counts

    @property
    def counts_loading(self) -> bool:
        return self.chip_row.loading

    # --- one lead ----------------------------------------------------------------------

    def selected_lead_id(self) -> uuid.UUID | None:
        index = self.list.view.currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.detail.show_lead(current.data(KEY_ROLE) if current.isValid() else None)

    def open_lead(self, lead_id: Any) -> None:
        """Show one lead in the list (found by its email or name) and in the panel."""
        lead_id = lead_id if isinstance(lead_id, uuid.UUID) else uuid.UUID(str(lead_id))
        ReadOp(
            self.ctx, lambda session: pipeline_queries.lead_fields(session, lead_id), parent=self
        ).success(self._show_found).run()

    def _show_found(self, lead: dict[str, Any] | None) -> None:
        if lead is None:
            return
        name = f"{lead['first_name']} {lead['last_name']}".strip()
        self.filters.clear()
        self.stage = ALL
        self.chip_row.check(ALL)
        self.source.setCurrentIndex(0)
        self.campaign.setCurrentIndex(0)
        self.list.search.setText(lead["email"] or lead["phone"] or name)
        self.detail.show_lead(lead["id"])
        self._filters_changed()  # applies the search too
        self.show_view(0)
        self._select_in_list(lead["id"])

    def _after_list_read(self) -> None:
        if self.list.model.search_text != self.chip_row.counted_search:  # typed in the search box
            self._load_counts()
        if not self.list.view.currentIndex().isValid():
            self._select_in_list(self.detail.lead_id)

    def _select_in_list(self, lead_id: uuid.UUID | None) -> None:
        """Select the lead's row if it is on the list's first page (already read)."""
        model = self.list.model
        for row in range(min(model.rowCount(), model.rows.page_size)):
            index = model.index(row, 0)
            if lead_id is not None and index.data(KEY_ROLE) == lead_id:
                self.list.view.setCurrentIndex(index)
                self.list.view.scrollTo(index)
                return

    def edit_lead(self, lead_id: uuid.UUID) -> None:
        if self.editable:
            self._open_dialog(LeadDialog(self.ctx, lead_id, parent=self))

    def change_status(self, lead_id: uuid.UUID) -> None:
        if not self.editable:
            return
        detail = self.detail.detail
        if detail is None or detail["id"] != lead_id:
            return
        dialog = StatusDialog(
            self.ctx,
            lead_id,
            LeadStatus(detail["status"]),
            expected_version=detail["version"],
            parent=self,
        )
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: LeadDialog | StatusDialog) -> None:
        """Open a dialog window-modal without blocking (tests drive it as ``self.dialog``)."""
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if isinstance(dialog, LeadDialog):
            dialog.open_existing.connect(self.open_lead)
            dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(self._dialog_closed)
        dialog.open()

    def _saved(self, dialog: LeadDialog) -> None:
        if dialog.lead_id is None and dialog.saved_id is not None:
            self.open_lead(dialog.saved_id)

    def _dialog_closed(self, _result: int) -> None:
        self.dialog = None

    # --- other windows' writes ---------------------------------------------------------

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[uuid.UUID]) -> None:
        if not tables or tables & WATCHED_TABLES:  # an empty set means "anything"
            self.refresh(choices=False)
