"""The sort arrow: ▲ when a column is sorted smallest first, ▼ when largest first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTableWidget

from portal_desktop.package_data import resource
from portal_desktop.views.app_style import portal_style, sort_arrow_rules


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
    table.setStyleSheet(resource("style.qss").read_text(encoding="utf-8") + sort_arrow_rules())
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
