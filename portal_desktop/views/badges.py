"""Enum statuses drawn as coloured badges: one palette for the whole app.

Each status word has a tone (green for done/paid, amber for waiting, red for lost/overdue,
blue for new, violet for qualified, grey for closed-without-outcome); a word not listed gets
a steady tone from its name. Light themes get a pale fill with dark text, dark themes a deep
fill with light text, so a badge reads in both::

    view.setItemDelegateForColumn(3, BadgeDelegate(view))

``badge_colors(word, dark)`` gives the (fill, text) pair for other widgets (chips, cards).
"""

from __future__ import annotations

import zlib

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

# Hues (degrees on the colour wheel) by meaning.
GREEN, TEAL, BLUE, VIOLET, AMBER, ORANGE, RED, GREY = 140, 180, 212, 268, 40, 24, 0, -1

TONES: dict[str, int] = {
    # leads
    "NEW": BLUE,
    "CONTACTED": TEAL,
    "QUALIFIED": VIOLET,
    "LOST": RED,
    "CONVERTED": GREEN,
    # calls
    "CLOSED_WON": GREEN,
    "CLOSED_LOST": RED,
    "NO_SHOW": ORANGE,
    "FOLLOW_UP": AMBER,
    "RESCHEDULED": TEAL,
    "CANCELLED": GREY,
    "NOT_QUALIFIED": GREY,
    # money
    "PAID": GREEN,
    "PENDING": AMBER,
    "OVERDUE": RED,
    "FAILED": RED,
    "REFUNDED": GREY,
    "NOT_OWED": GREY,
    "NOT_STARTED": TEAL,
    # enrollments, campaigns
    "ACTIVE": GREEN,
    "COMPLETED": BLUE,
    "DEFAULTED": RED,
    "PAUSED": AMBER,
    "ARCHIVED": GREY,
    # plans
    "PIF": TEAL,
    "SPLIT": VIOLET,
}

AnyIndex = QModelIndex | QPersistentModelIndex
_PADDING_X = 8
_MARGIN_Y = 4
# What a badge adds to its text's width: its inset in the cell and its own padding.
BADGE_PADDING = 8 + 2 * _PADDING_X


def tone(word: str) -> int:
    """The hue of a status word (GREY = -1 for neutral words)."""
    if word in TONES:
        return TONES[word]
    if not word:
        return GREY
    return zlib.crc32(word.encode()) % 360  # steady across runs, unlike hash()


def badge_colors(word: str, dark: bool) -> tuple[QColor, QColor]:
    """(fill, text) of a status badge on a light or a dark theme."""
    return tone_colors(tone(word), dark)


def tone_colors(hue: int, dark: bool) -> tuple[QColor, QColor]:
    """(fill, text) of a badge of the given hue (GREEN, AMBER, …; GREY for neutral)."""
    saturation = 0 if hue == GREY else 150
    hue = max(hue, 0)
    if dark:
        return QColor.fromHsl(hue, saturation, 62), QColor.fromHsl(hue, saturation // 2, 232)
    return QColor.fromHsl(hue, saturation + 40 if saturation else 0, 228), QColor.fromHsl(
        hue, saturation, 62 if saturation else 70
    )


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


class BadgeDelegate(QStyledItemDelegate):
    """Paints a cell's raw enum word (``RAW_ROLE``) as a rounded badge with its label."""

    def __init__(self, parent: QWidget | None = None, *, raw_role: int | None = None) -> None:
        super().__init__(parent)
        self._raw_role = raw_role if raw_role is not None else int(Qt.ItemDataRole.UserRole.value)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        word = index.data(self._raw_role)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if word is None or not text:
            super().paint(painter, option, index)
            return
        # The row's background and selection as usual, without the text.
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        fill, ink = badge_colors(str(word), is_dark(option.palette))
        metrics = option.fontMetrics
        room = max(option.rect.width() - 8 - 2 * _PADDING_X, 0)
        if metrics.horizontalAdvance(text) > room:
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
        width = metrics.horizontalAdvance(text) + 2 * _PADDING_X
        height = min(metrics.height() + 4, option.rect.height() - 2 * _MARGIN_Y + 4)
        rect = QRectF(
            option.rect.x() + 4,
            option.rect.y() + (option.rect.height() - height) / 2,
            width,
            height,
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(ink)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        return QSize(size.width() + 2 * _PADDING_X, size.height())
