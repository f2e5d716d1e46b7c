"""The campaigns report as a table: platform ROAS and cash ROAS side by side, CPL and cost per
booked call (the numbers come from ``services.marketing.campaigns.campaign_report``). Clicking a
header
sorts it (``services.marketing.campaign_table.sort_rows``: numbers as numbers); a new report keeps
the
chosen order."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from portal_desktop.db.marketing_queries import CAMPAIGN_COLUMNS, CampaignRow
from portal_desktop.db.query_spec import ColumnKind
from portal_desktop.services.marketing.campaign_table import sort_rows
from portal_desktop.views import a11y
from portal_desktop.views.column_widths import TableFit, two_lines
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.table_model import KEY_ROLE, RAW_ROLE

AnyIndex = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ROAS_COLUMNS = frozenset(i for i, column in enumerate(CAMPAIGN_COLUMNS) if "ROAS" in column.title)
NUMERIC = frozenset({ColumnKind.MONEY, ColumnKind.NUMBER})
# The columns as the screen shows them: titles of two words or more on two lines, so the
# twelve columns fit at 1280 pixels (exports keep CAMPAIGN_COLUMNS' titles).
SHOWN_COLUMNS = tuple(column._replace(title=two_lines(column.title)) for column in CAMPAIGN_COLUMNS)
TIPS = {
    "Platform ROAS": "Revenue the ad platform claims ÷ spend",
    "Cash ROAS": "Net cash paid by the campaign's students in the range ÷ spend",
    "Cash": "Net cash (payments less refunds) from students whose lead came from the campaign",
    "CPL": "Spend ÷ leads created in the range",
    "Cost / booked call": "Spend ÷ calls booked in the range with the campaign's leads",
}


class CampaignModel(QAbstractTableModel):
    """Rows of :class:`CampaignRow`; RAW_ROLE gives the value, KEY_ROLE the campaign id."""

    def __init__(self, formatter: Formatter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.formatter = formatter
        self.rows: list[CampaignRow] = []
        # The column the user sorted by and whether descending; None: the report's order.
        self.sorted_by: tuple[int, bool] | None = None

    def set_rows(self, rows: list[CampaignRow]) -> None:
        self.beginResetModel()
        self.rows = self._ordered(rows)
        self.endResetModel()

    def _ordered(self, rows: list[CampaignRow]) -> list[CampaignRow]:
        if self.sorted_by is None:
            return list(rows)
        return sort_rows(rows, *self.sorted_by)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by a column; the selection stays on the same campaigns."""
        if not 0 <= column < len(CAMPAIGN_COLUMNS):
            return  # a view clearing its sort indicator: keep the current order
        self.sorted_by = (column, order == Qt.SortOrder.DescendingOrder)
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self.rows[index.row()].campaign_id for index in before]
        self.rows = self._ordered(self.rows)
        moved = {row.campaign_id: number for number, row in enumerate(self.rows)}
        after = [
            self.index(moved[key], index.column()) for key, index in zip(ids, before, strict=True)
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def row_of(self, campaign_id: uuid.UUID) -> int:
        return next((i for i, row in enumerate(self.rows) if row.campaign_id == campaign_id), -1)

    def rowCount(self, parent: AnyIndex = NO_PARENT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = NO_PARENT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(CAMPAIGN_COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        title = CAMPAIGN_COLUMNS[section].title
        if role == Qt.ItemDataRole.DisplayRole:
            return SHOWN_COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return TIPS.get(title)
        if role == Qt.ItemDataRole.TextAlignmentRole and CAMPAIGN_COLUMNS[section].kind in NUMERIC:
            return RIGHT
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        value = row.values()[index.column()]
        kind = CAMPAIGN_COLUMNS[index.column()].kind
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.column(), kind, value)
        if role == RAW_ROLE:
            return value
        if role == KEY_ROLE:
            return row.campaign_id
        if role == Qt.ItemDataRole.TextAlignmentRole and kind in NUMERIC:
            return RIGHT
        return None

    def text(self, column: int, kind: ColumnKind, value: Any) -> str:
        if value is None:
            return "—"
        if column in ROAS_COLUMNS:
            return f"{self.formatter.number(Decimal(value), 2)}x"
        return self.formatter.display(kind, value)


def campaigns_view(model: CampaignModel, parent: QWidget) -> QTableView:
    """The campaigns table: one campaign selected at a time, sorted by a click on a header
    (until then in the report's order)."""
    view = a11y.table(QTableView(parent), "Campaigns")
    view.setObjectName("campaigns")
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    # Sized to what the columns show: the campaign's name no longer gets only what is left.
    TableFit(view, SHOWN_COLUMNS, model.formatter)  # owned by the view
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    return view
