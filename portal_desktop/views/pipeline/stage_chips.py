"""The Pipeline list's chips: All, then one per stage with its count; one chosen at a time.

The chips are the PIPELINE list spec's ``stage`` group (``db/lead_stage.py``), labelled as
every list labels its chips (``filter_chips.chip_label``) and counted by the spec's own chip
statement under the list's query (:func:`~portal_desktop.db.pipeline_queries.stage_counts`,
a read op): the same counts as the board's column totals.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QWidget
from sqlalchemy.orm import Session

from portal_desktop.db import pipeline_queries
from portal_desktop.db.lead_stage import BOARD_COLUMNS, STAGES
from portal_desktop.db.query_spec import ListQuery
from portal_desktop.views.filter_chips import chip_label
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.workers import OpGeneration

ALL = ""


def chip_title(key: str) -> str:
    return chip_label(STAGES, key) if key else "All"


class StageChipRow(QWidget):
    """The row of chips; ``chosen(key)`` when the user picks one (ALL: every stage)."""

    chosen = Signal(str)

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusChips")
        self.ctx = ctx
        self.counts: dict[str, int] = {}  # per stage, once read
        self.loading = False
        self.counted_search = ""  # the search the counts were read under
        self._generation = OpGeneration()
        self._group = QButtonGroup(self)
        self._group.idClicked.connect(lambda number: self.chosen.emit(self.keys[number]))
        self.keys = (ALL, *BOARD_COLUMNS)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 0)
        row.setSpacing(6)
        for number, key in enumerate(self.keys):
            chip = QPushButton(chip_title(key), self)
            chip.setObjectName("chip")
            chip.setCheckable(True)
            chip.setChecked(key == ALL)
            self._group.addButton(chip, number)
            self.buttons[key] = chip
            row.addWidget(chip)
        row.addStretch(1)

    def check(self, key: str) -> None:
        """Show ``key``'s chip as the chosen one (without announcing it)."""
        self.buttons[key].setChecked(True)

    def load(self, query: ListQuery) -> None:
        """Count the stages under the list's query, off the UI thread."""
        ticket = self._generation.next()
        self.counted_search = query.search
        self.loading = True

        def read(session: Session) -> dict[str, int]:
            return pipeline_queries.stage_counts(session, query)

        ReadOp(self.ctx, read, parent=self).success(
            lambda counts: self._show(ticket, counts)
        ).failure(lambda _exc: self._show(ticket, {})).run()

    def _show(self, ticket: int, counts: dict[str, int]) -> None:
        """The counts (none when they could not be read: the chips keep their titles)."""
        if not self._generation.is_current(ticket):
            return
        self.loading = False
        if not counts:
            return
        self.counts = counts
        for key, chip in self.buttons.items():
            count = sum(counts.values()) if key == ALL else counts.get(key, 0)
            chip.setText(f"{chip_title(key)} {count:,}")
