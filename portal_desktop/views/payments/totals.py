"""The Payment-schedules totals bar: due, overdue, collected this month, collection rate.

The figures come from the services (``receivables.aging_summary`` for what is owed as of
today, ``kpis.kpi_report`` from the 1st of the month to today for cash collected and the
collection rate), read on a pool thread."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from portal_desktop.services.context import Actor
from portal_desktop.services.finance_common import local_today
from portal_desktop.services.kpis import kpi_report
from portal_desktop.services.receivables import aging_summary
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.workers import OpGeneration, QueryOp

STYLE = """
QFrame#totalCard { background: white; border: 1px solid #dde1e7; border-radius: 6px; }
QLabel#totalTitle { color: #5f6b7a; font-size: 11px; }
QLabel#totalValue { font-size: 17px; font-weight: 600; }
"""


@dataclass(frozen=True)
class Totals:
    as_of: dt.date
    due: Decimal  # receivables: every unpaid balance as of today
    overdue: Decimal  # the part of it past due
    collected: Decimal  # net cash collected this month (KPIS.md cash_collected)
    collection_rate: Decimal | None  # of installments due this month so far


def load_totals(session: Session, actor: Actor, today: dt.date | None = None) -> Totals:
    day = local_today(session, today)
    aging = aging_summary(session, actor, day)
    report = kpi_report(session, actor, day.replace(day=1), day)
    return Totals(day, aging.total, aging.overdue, report.cash_collected, report.collection_rate)


class TotalsBar(QWidget):
    """Four figures in cards; ``refresh()`` reloads them off the UI thread."""

    CARDS = (
        ("due", "Due (all unpaid)"),
        ("overdue", "Overdue"),
        ("collected", "Collected this month"),
        ("collection_rate", "Collection rate (this month)"),
    )

    def __init__(
        self, sessions: object, actor: Actor, formatter: Formatter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("totalsBar")
        self.setStyleSheet(STYLE)
        self._sessions, self._actor, self._formatter = sessions, actor, formatter
        self._generation = OpGeneration()
        self.totals: Totals | None = None
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
        ticket = self._generation.next()
        actor = self._actor
        self.loading = True

        def landed(totals: Totals) -> None:
            if self._generation.is_current(ticket):
                self.loading = False
                self.show_totals(totals)

        def failed(error: BaseException) -> None:
            if self._generation.is_current(ticket):
                self.loading = False
                for label in self.values.values():
                    label.setText("—")
                    label.setToolTip(f"Could not load the totals: {error}")

        QueryOp(self._sessions, lambda s: load_totals(s, actor), parent=self).success(
            landed
        ).failure(failed).run()

    def show_totals(self, totals: Totals) -> None:
        self.totals = totals
        fmt = self._formatter
        self.values["due"].setText(fmt.money(totals.due))
        self.values["overdue"].setText(fmt.money(totals.overdue))
        self.values["collected"].setText(fmt.money(totals.collected))
        rate = totals.collection_rate
        self.values["collection_rate"].setText("—" if rate is None else f"{rate * 100:.1f}%")
