"""Exports: a chart to PNG (1x or 2x) and its data to CSV; the dashboard to a PDF report.

CSV: one row per plotted point — ``chart, series, category, value`` — with exact values
(money to the cent as ``1234.50``, ratios as decimals ``0.2500``, counts as integers; an
empty cell where there is no value, e.g. a pair with no held call). PDF: A4 landscape, a
first page with the range, the time it was made and the KPI cards, then one page per section.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QWidget

from portal_desktop.services.reporting.chart_model import Dashboard, Number, Panel
from portal_desktop.services.reporting.kpi_sql import money_text
from portal_desktop.views.charts.panel_view import PanelView
from portal_desktop.views.charts.values import DASH, change_text, value_text
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.theme import paper_ink

if TYPE_CHECKING:
    from portal_desktop.views.charts.tab import ChartsTab, SectionView

PDF_RESOLUTION = 150
EXPORT_SIZE = QSize(1280, 0)


def render_image(widget: QWidget, scale: int) -> QImage:
    """The widget painted at ``scale`` times its size (2 gives a sharp, double-size picture)."""
    size = widget.size()
    image = QImage(size * scale, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(widget.palette().color(widget.backgroundRole()))
    painter = QPainter(image)
    widget.render(painter, QPoint(0, 0))
    painter.end()
    return image


def panel_png(view: PanelView, path: str | Path, scale: int = 1) -> QImage:
    """Write the panel as a PNG; an OSError (with its errno) when the file cannot be written."""
    if scale not in (1, 2):
        raise ValueError(f"scale must be 1 or 2, not {scale}")
    image = render_image(view, scale)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    # Qt's own file writing says only "false"; Python's says why (no folder, no permission).
    Path(path).write_bytes(buffer.data().data())
    return image


def csv_value(unit: str, value: Number) -> str:
    if value is None:
        return ""
    if unit == "money":
        return money_text(Decimal(value))
    if unit in ("ratio", "ratio_x"):
        return f"{Decimal(value):.4f}"
    return str(int(value))


def panel_rows(panel: Panel) -> list[list[str]]:
    """The plotted points of a panel as CSV rows (without the header)."""
    return [
        [panel.title, series.name, category, csv_value(panel.unit, value)]
        for series in panel.series
        for category, value in zip(panel.categories, series.values, strict=True)
    ]


def panel_csv(panel: Panel, path: str | Path) -> int:
    """Write the panel's data; returns the number of data rows."""
    rows = panel_rows(panel)
    unit = {"money": "amount", "count": "count", "ratio": "rate", "ratio_x": "roas"}[panel.unit]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["chart", "series", "category", unit])
        writer.writerows(rows)
    return len(rows)


def _heading(painter: QPainter, page: QRect, text: str, size: float) -> int:
    font = QFont(painter.font())
    font.setPointSizeF(size)
    font.setBold(True)
    painter.setFont(font)
    height = painter.fontMetrics().height()
    painter.drawText(
        QRect(page.left(), page.top(), page.width(), height), Qt.AlignmentFlag.AlignLeft, text
    )
    return height


def _draw_fitted(painter: QPainter, widget: QWidget, area: QRectF) -> None:
    image = render_image(widget, 2)
    scale = min(area.width() / widget.width(), area.height() / widget.height())
    target = QRectF(area.left(), area.top(), widget.width() * scale, widget.height() * scale)
    painter.drawImage(target, image)


def export_pdf(tab: ChartsTab, path: str | Path) -> int:
    """The dashboard as a PDF: a cover page with the cards, then one page per section.

    Returns the number of pages.
    """
    data = tab.data
    if data is None:
        raise ValueError("the dashboard has not loaded yet; wait for it, then export")
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(f"Dashboard {data.period.start} {DASH} {data.period.end}")
    writer.setCreator("Info Product Portal")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter(writer)
    page = painter.viewport()
    paint_cover(painter, page, data, tab.ctx.formatter)
    pages = 1
    for section in tab.sections.values():
        writer.newPage()
        pages += 1
        _prepare(section)
        paint_section(painter, page, section)
    painter.end()
    Path(path).write_bytes(buffer.data().data())  # an OSError says why it cannot be written
    return pages


def paint_section(painter: QPainter, page: QRect, section: SectionView) -> None:
    """A section page: the section as on screen (its title, its charts, no buttons), fitted."""
    for button in section.buttons:
        button.hide()
    try:
        _draw_fitted(painter, section, QRectF(page))
    finally:
        for button in section.buttons:
            button.show()


def paint_cover(painter: QPainter, page: QRect, data: Dashboard, formatter: Formatter) -> None:
    """The first page: the range, when the report was made, and the KPI cards."""
    made = data.made_at.astimezone(formatter.tz).strftime("%Y-%m-%d %H:%M %Z")
    painter.setPen(paper_ink())
    line = _heading(painter, page, "Dashboard report", 18)
    subtitle = (
        f"{data.period.start.isoformat()} {DASH} {data.period.end.isoformat()} "
        f"({data.period.days} days, by {data.granularity.value}, {data.time_zone}) · "
        f"compared with {data.previous.start.isoformat()} {DASH} {data.previous.end.isoformat()} · "
        f"made {made}"
    )
    font = QFont(painter.font())
    font.setPointSizeF(12)
    font.setBold(False)
    painter.setFont(font)
    top = page.top() + line + 20
    painter.drawText(QRect(page.left(), top, page.width(), 200), Qt.TextFlag.TextWordWrap, subtitle)
    top += 2 * painter.fontMetrics().height() + 30
    row_height = painter.fontMetrics().height() + 16
    for card in data.cards:
        cells = (
            card.label,
            value_text(card.unit, card.value, formatter),
            f"previous: {value_text(card.unit, card.previous, formatter)}",
            change_text(card),
        )
        widths = (0.3, 0.22, 0.3, 0.18)
        left = page.left()
        for text, share in zip(cells, widths, strict=True):
            width = int(page.width() * share)
            painter.drawText(
                QRect(left, top, width, row_height), Qt.AlignmentFlag.AlignVCenter, text
            )
            left += width
        top += row_height


def _prepare(widget: QWidget) -> None:
    """Give a never-shown section a sensible size so it renders as on screen."""
    if widget.width() < 400 or widget.height() < 200:
        hint = widget.sizeHint()
        widget.resize(max(EXPORT_SIZE.width(), hint.width()), max(hint.height(), 500))
    layout = widget.layout()
    if layout is not None:
        layout.activate()
