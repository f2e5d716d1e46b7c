"""The setter x closer grid of the Charts tab: one shaded cell per pair, its rate written in."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QPalette

from portal_desktop.services.reporting.chart_model import Panel
from portal_desktop.views.charts.values import (
    category_ticks,
    colour,
    mix,
    short_label,
    value_text,
)
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.theme import chart_colours


def draw_grid(panel: Panel, item: pg.PlotItem, formatter: Formatter, palette: QPalette) -> None:
    """Cells shaded by their share (0 to 1) over the plot's background, text in the ink that
    reads on that shade; setters down the left, closers along the bottom."""
    columns, rows = len(panel.categories), len(panel.series)
    colours = chart_colours(palette)
    base = colour(0)
    for row, series in enumerate(panel.series):
        for column, value in enumerate(series.values):
            share = 0.0 if value is None else min(1.0, float(value))
            fill = mix(colours.background, base, 0.12 + 0.88 * share if value is not None else 0.04)
            rect = pg.QtWidgets.QGraphicsRectItem(column - 0.48, row - 0.48, 0.96, 0.96)
            rect.setBrush(fill)
            rect.setPen(pg.mkPen(None))
            item.addItem(rect)
            ink = colours.on_fill if share > 0.55 else colours.foreground
            text = pg.TextItem(value_text("ratio", value, formatter), color=ink, anchor=(0.5, 0.5))
            text.setPos(column, row)
            item.addItem(text)
    item.setXRange(-0.5, columns - 0.5, padding=0.02)
    item.setYRange(-0.5, rows - 0.5, padding=0.02)
    left = item.getAxis("left")
    left.setTicks([[(float(i), short_label(s.name)) for i, s in enumerate(panel.series)]])
    item.setLabel("left", "Setter")
    item.getAxis("bottom").setTicks([category_ticks(panel.categories)])
    item.setLabel("bottom", panel.x_title)
    item.invertY(True)
