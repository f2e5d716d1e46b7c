"""The application's widget style: Fusion, with the sort arrow people expect.

Qt's header views ask the style for a *down* arrow when a column is sorted ascending
(``QStyleOptionHeader.SortDown``), so an A→Z or oldest-first column shows ▼ and a
newest-first one ▲ — the opposite of spreadsheets and file managers, and of what our users
read as "smallest first". This proxy flips the two before Fusion draws them: ▲ ascending,
▼ descending.

The arrow of a command link (the welcome dialog's choices) is drawn in the palette's text
colour, so it shows on a dark theme too (Qt's own is a fixed dark picture).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QStyleOptionHeader, QWidget

ARROW_SIZE = 32

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

    def standardIcon(  # noqa: N802 - Qt's name
        self,
        standard_icon: QStyle.StandardPixmap,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> QIcon:
        if standard_icon == QStyle.StandardPixmap.SP_CommandLink:
            palette = widget.palette() if widget is not None else QGuiApplication.palette()
            return _arrow(palette.color(palette.ColorRole.ButtonText))
        return super().standardIcon(standard_icon, option, widget)


def _arrow(colour: QColor) -> QIcon:
    """A right-pointing chevron in ``colour``."""
    pixmap = QPixmap(ARROW_SIZE, ARROW_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(colour)
    pen.setWidthF(3)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    third = ARROW_SIZE / 3
    painter.drawPolyline([QPointF(third, third * 0.6), QPointF(third * 2, third * 1.5),
                          QPointF(third, third * 2.4)])  # fmt: skip
    painter.end()
    return QIcon(pixmap)
