"""The sort arrow: ▲ when a column is sorted smallest first, ▼ when largest first; the
command link's arrow in the theme's text colour."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QTableWidget

from portal_desktop.views.app_style import portal_style
from portal_desktop.views.theme import palette_for, style_sheet
from portal_desktop.views.welcome_dialog import WelcomeDialog


def arrow_widths(image: QImage, left: int, right: int, height: int) -> list[int]:
    """Per pixel row of the header strip ``left``…``right``: how many dark pixels it has
    (the arrow's rows, top to bottom; rows without any are left out)."""
    widths = []
    for y in range(height):
        dark = sum(1 for x in range(left, right) if image.pixelColor(x, y).lightness() < 140)
        if dark:
            widths.append(dark)
    return widths


@pytest.mark.parametrize(
    ("order", "widest_at"),
    [(Qt.SortOrder.AscendingOrder, "bottom"), (Qt.SortOrder.DescendingOrder, "top")],
)
def test_the_arrow_points_up_for_ascending_and_down_for_descending(
    qtbot, order: Qt.SortOrder, widest_at: str
) -> None:
    table = QTableWidget(3, 1)
    qtbot.addWidget(table)
    table.setStyle(portal_style())
    # The app's whole style sheet (the header's own rules and the arrows' ones).
    table.setStyleSheet(style_sheet(palette_for(dark=False)))
    table.setHorizontalHeaderLabels([""])  # no text: only the arrow is dark in the header
    table.horizontalHeader().setSortIndicatorShown(True)
    table.horizontalHeader().setSortIndicator(0, order)
    table.setColumnWidth(0, 120)
    table.resize(200, 150)
    table.show()
    qtbot.waitExposed(table)

    header = table.horizontalHeader()
    image = header.grab().toImage()
    widths = arrow_widths(image, 2, header.sectionSize(0) - 2, header.height() - 2)
    assert len(widths) >= 2, "no sort arrow was drawn"
    if widest_at == "bottom":  # ▲
        assert widths[0] < widths[-1], widths
    else:  # ▼
        assert widths[0] > widths[-1], widths


def test_the_style_is_qts_own_not_a_python_subclass() -> None:
    # A style written in Python is called from C++ for every primitive the window draws.
    assert type(portal_style()).__module__.startswith("PySide6")


@pytest.mark.parametrize("dark", [False, True])
def test_the_command_link_arrow_is_drawn_in_the_text_colour(qtbot, dark: bool) -> None:
    """Qt's own arrow is a fixed dark picture, invisible on the dark theme."""
    app = QApplication.instance()
    before = app.palette()
    app.setPalette(palette_for(dark))
    try:
        dialog = WelcomeDialog()
        qtbot.addWidget(dialog)
        icon = next(iter(dialog.buttons.values())).icon()
    finally:
        app.setPalette(before)
    image = icon.pixmap(32, 32).toImage()
    drawn = [
        image.pixelColor(x, y)
        for y in range(32)
        for x in range(32)
        if image.pixelColor(x, y).alpha() == 255
    ]
    assert drawn, "no arrow was drawn"
    text = palette_for(dark).color(QPalette.ColorRole.ButtonText)
    assert all(colour.rgb() == text.rgb() for colour in drawn)
