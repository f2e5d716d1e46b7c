"""The application's widget style: Fusion, with the sort arrow people expect.

Qt's header views ask the style for a *down* arrow when a column is sorted ascending
(``QStyleOptionHeader.SortDown``), so an A→Z or oldest-first column shows ▼ and a
newest-first one ▲ — the opposite of spreadsheets and file managers, and of what our users
read as "smallest first". This proxy flips the two before Fusion draws them: ▲ ascending,
▼ descending.
"""

from __future__ import annotations

from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QStyleOptionHeader, QWidget

_FLIPPED = {
    QStyleOptionHeader.SortIndicator.SortUp: QStyleOptionHeader.SortIndicator.SortDown,
    QStyleOptionHeader.SortIndicator.SortDown: QStyleOptionHeader.SortIndicator.SortUp,
}


class PortalStyle(QProxyStyle):
    """Fusion with ▲ for ascending sorts and ▼ for descending ones."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(  # noqa: N802 - Qt's name
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(
            option, QStyleOptionHeader
        ):
            flipped = QStyleOptionHeader(option)
            flipped.sortIndicator = _FLIPPED.get(option.sortIndicator, option.sortIndicator)
            option = flipped
        super().drawPrimitive(element, option, painter, widget)
