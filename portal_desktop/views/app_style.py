"""The application's widget style: Qt's own Fusion, the same look on every desktop.

Two of Fusion's pictures are replaced without writing a style in Python (a Python subclass
of the style is called from C++ for every frame, panel and focus rectangle the window draws,
4,500 calls to open a tab, each one waiting its turn for the interpreter while workers read
pages):

- the sort arrow: Qt's header views ask for a *down* arrow when a column is sorted ascending,
  the opposite of spreadsheets and file managers; the style sheet's header rules
  (``resources/style.qss``) draw ▲ for smallest first and ▼ for largest first;
- the arrow of a command link (the welcome dialog's choices), a fixed dark picture in Qt that
  vanishes on the dark theme: :func:`command_link_arrow` draws it in the text colour.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyleFactory

ARROW_SIZE = 32


def portal_style() -> QStyle:
    """Fusion."""
    style = QStyleFactory.create("Fusion")
    if style is None:  # Fusion is built into Qt; this would be a broken installation
        raise RuntimeError("Qt's Fusion style is missing: reinstall Portal")
    return style


def command_link_arrow(colour: QColor) -> QIcon:
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
