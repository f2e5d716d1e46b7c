"""The Payment-schedules totals bar: due, overdue, collected this month, collection rate.

The figures come from one use case, ``services.billing.schedule_totals.schedule_totals`` (KPIS.md's
receivables and overdue as of today, cash collected and collection rate from the 1st of the
month, read from the daily rollups), on a pool thread. The request goes ahead of the jobs
already waiting for a thread (TOTALS_PRIORITY): the list's counts and chips, started right
after it, wait for it rather than the other way round.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from portal_desktop.services.billing.schedule_totals import ScheduleTotals, schedule_totals
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.workers import OpGeneration

# QThreadPool runs waiting jobs by priority, then in order; every other job has priority 0.
TOTALS_PRIORITY = 1

STYLE = """
QLabel#totalTitle { font-size: 11px; }
QLabel#totalValue { font-size: 17px; font-weight: 600; }
"""


HELP = {
    "due": "What students owe as of today (KPIS.md receivables): unpaid balances of "
    "enrollments that have started and are not cancelled — the list's Owed column.",
    "overdue": "The part of it due before today, however few days late (the dunning list "
    "waits for the grace days and chases active enrollments only).",
}


class TotalsBar(QWidget):
    """Four figures in cards; ``refresh()`` reloads them off the UI thread."""

    CARDS = (
        ("due", "Owed (receivables)"),
        ("overdue", "Overdue"),
        ("collected", "Collected this month"),
        ("collection_rate", "Collection rate (this month)"),
    )

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("totalsBar")
        self.setStyleSheet(STYLE)
        self._ctx, self._actor, self._formatter = ctx, ctx.actor, ctx.formatter
        self._generation = OpGeneration()
        self.totals: ScheduleTotals | None = None
        self.loading = False
        self.values: dict[str, QLabel] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 0)
        for key, title in self.CARDS:
            card = QFrame(self)
            card.setObjectName("totalCard")
            box = QVBoxLayout(card)
            box.setContentsMargins(10, 6, 10, 6)
            name = QLabel(title, card)
            name.setObjectName("totalTitle")
            value = QLabel("…", card)
            value.setObjectName("totalValue")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.addWidget(name)
            box.addWidget(value)
            self.values[key] = value
            layout.addWidget(card, 1)

    def refresh(self) -> None:
        """Reload the figures on a pool thread, ahead of the jobs waiting for one."""
        ticket = self._generation.next()
        actor = self._actor
        self.loading = True

        def landed(totals: ScheduleTotals) -> None:
            if self._generation.is_current(ticket):
                self.loading = False
                self.show_totals(totals)

        def failed(error: BaseException) -> None:
            if self._generation.is_current(ticket):
                self.loading = False
                for label in self.values.values():
                    label.setText("—")
                    label.setToolTip(f"Could not load the totals: {error}")

        ReadOp(self._ctx, lambda s: schedule_totals(s, actor), parent=self).success(landed).failure(
            failed
        ).run(priority=TOTALS_PRIORITY)

    def show_totals(self, totals: ScheduleTotals) -> None:
        self.totals = totals
        fmt = self._formatter
        self.values["due"].setText(fmt.money(totals.due))
        self.values["overdue"].setText(fmt.money(totals.overdue))
        self.values["collected"].setText(fmt.money(totals.collected))
        rate = totals.collection_rate
        self.values["collection_rate"].setText("—" if rate is None else f"{rate * 100:.1f}%")
        for key, label in self.values.items():
            # An earlier failure's explanation no longer applies.
            label.setToolTip(HELP.get(key, ""))
