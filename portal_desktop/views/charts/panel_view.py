"""A chart of the Charts tab: one :class:`Panel` plotted with pyqtgraph, with hover values
and click-through.

Plots receive plain numbers (the service's Decimals turned to floats only for drawing; the
hover text and CSV show the exact values). The palette is Okabe-Ito (colour-blind safe,
readable on light and dark backgrounds); the plot background and text follow the widget's
QPalette, so a dark application palette gives dark charts.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from portal_desktop.services.reporting.chart_model import Panel, Target
from portal_desktop.views import a11y
from portal_desktop.views.charts.grid_plot import draw_grid
from portal_desktop.views.charts.values import (
    AXIS_TITLES,
    HORIZONTAL_AFTER,
    LEGEND_COLUMNS,
    ValueAxis,
    as_float,
    category_ticks,
    colour,
    value_text,
)
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.theme import chart_colours


class PanelView(QWidget):
    """One chart: title, plot (or "no data" message), legend, hover values, click-through."""

    clicked = Signal(object)  # a Target

    def __init__(self, formatter: Formatter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.formatter = formatter
        self.panel: Panel | None = None
        self._redraw_due = False  # a theme change's redraw is on its way
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.empty = QLabel("No data in this range", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("chartEmpty")
        self.plot_widget: pg.PlotWidget | None = None
        self._plot_shape: tuple[str, str] | None = None
        self._drawn_shape: tuple[object, ...] | None = None  # of the series items drawn
        self._series_items: list[pg.GraphicsObject] = []
        self.hover = pg.TextItem(anchor=(0, 1))
        self.stack = QStackedLayout()
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(self.stack, 1)
        self.setMinimumHeight(260)

    # --- state for tests and exports ---

    @property
    def showing_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def plotted(self) -> dict[str, list[float]]:
        """Series name → the y values drawn (NaN for a gap), as the plot holds them."""
        if self.panel is None or self.showing_empty:
            return {}
        return {series.name: [as_float(v) for v in series.values] for series in self.panel.series}

    def drawn(self) -> list[list[float]]:
        """The values the plot's series items hold now (bars: their lengths), per series."""
        if self.showing_empty:
            return []
        horizontal = self.horizontal
        return [
            [
                float(v)
                for v in (
                    made.getData()[1]
                    if isinstance(made, pg.PlotDataItem)
                    else made.opts["width" if horizontal else "height"]
                )
            ]
            for made in self._series_items
        ]

    # --- drawing ---

    def show_panel(self, panel: Panel) -> None:
        self.panel = panel
        self.title.setText(panel.title)
        if panel.is_empty:
            self.stack.setCurrentWidget(self.empty)
            return
        if self._update_in_place(panel):
            return
        horizontal = self.horizontal
        value_side, category_side = ("bottom", "left") if horizontal else ("left", "bottom")
        item = self._plot_item(panel.unit, value_side)
        a11y.named(self.stack.currentWidget(), panel.title)  # the plot, for a screen reader
        if panel.kind == "grid":
            draw_grid(panel, item, self.formatter, self.palette())
        else:
            if len(panel.series) > 1:
                corner = (-10, 5) if horizontal else (10, 5)
                item.addLegend(
                    offset=corner,
                    labelTextColor=self._foreground(),
                    colCount=LEGEND_COLUMNS if len(panel.series) > LEGEND_COLUMNS else 1,
                )
            self._draw_series(panel, item)
            unit_title = AXIS_TITLES[panel.unit].format(currency=self.formatter.currency)
            item.setLabel(value_side, unit_title)
            item.getAxis(category_side).setTicks([category_ticks(panel.categories)])
            item.setLabel(category_side, panel.x_title or None)
        self._apply_theme()
        self.hover = pg.TextItem(anchor=(0, 1), fill=pg.mkBrush(self._background()))
        self.hover.setZValue(10)
        self.hover.hide()
        item.addItem(self.hover, ignoreBounds=True)

    def _plot_item(self, unit: str, value_side: str) -> pg.PlotItem:
        """An empty plot whose value axis is on ``value_side`` in ``unit``: the current one,
        cleared, when it fits (building a PlotWidget is the costly part of a redraw)."""
        self._drawn_shape = None  # the series items go with the clear
        widget = self.plot_widget
        if widget is not None and self._plot_shape == (unit, value_side):
            item = widget.getPlotItem()
            item.clear()
            if item.legend is not None:
                item.legend.scene().removeItem(item.legend)
                item.legend = None
            item.invertY(False)
            self.stack.setCurrentWidget(widget)
            return item
        if widget is not None:
            self.stack.removeWidget(widget)
            widget.deleteLater()
        widget = pg.PlotWidget(axisItems={value_side: ValueAxis(unit, self.formatter, value_side)})
        self.plot_widget = widget
        self._plot_shape = (unit, value_side)
        self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)
        item = widget.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        widget.setMouseEnabled(x=False, y=False)
        widget.scene().sigMouseMoved.connect(self._on_move)
        widget.scene().sigMouseClicked.connect(self._on_click)
        return item

    def _bar_geometry(self, panel: Panel) -> tuple[float, list[float]]:
        count = max(1, len(panel.series))
        width = 0.8 / count
        offsets = [(index - (count - 1) / 2) * width for index in range(count)]
        return width, offsets

    @property
    def horizontal(self) -> bool:
        """Bars lie down when their category names are long (campaigns)."""
        panel = self.panel
        return bool(
            panel is not None
            and panel.kind == "bar"
            and max((len(name) for name in panel.categories), default=0) > HORIZONTAL_AFTER
        )

    def _draw_series(self, panel: Panel, item: pg.PlotItem) -> None:
        self._series_items = []
        for index, series in enumerate(panel.series):
            data = self._series_data(panel, index)
            if panel.kind == "line":
                made = item.plot(
                    pen=pg.mkPen(colour(index), width=2),
                    symbol="o",
                    symbolBrush=colour(index),
                    symbolPen=None,
                    name=series.name,
                    connect="finite",
                    **data,
                )
            else:
                made = pg.BarGraphItem(
                    brush=colour(index), pen=pg.mkPen(None), name=series.name, **data
                )
                item.addItem(made)
            self._series_items.append(made)
        if panel.notes:
            self._draw_notes(panel, item)
        self._fit_ranges(panel, item)
        self._drawn_shape = self._shape(panel)

    def _shape(self, panel: Panel) -> tuple[object, ...]:
        """What must stay the same for new values to go into the items drawn."""
        names = tuple(series.name for series in panel.series)
        return (panel.kind, panel.unit, names, self.horizontal, bool(panel.notes))

    def _update_in_place(self, panel: Panel) -> bool:
        """New values into the plot already drawn, when only values and categories changed
        (a range change): the same items take the new data; nothing is cleared or rebuilt
        (rebuilding thirteen plots was most of a range change's time)."""
        widget = self.plot_widget
        if (
            widget is None
            or self.showing_empty
            or panel.kind not in ("line", "bar")
            or panel.notes
            or self._drawn_shape != self._shape(panel)
        ):
            return False
        item = widget.getPlotItem()
        for index, made in enumerate(self._series_items):
            data = self._series_data(panel, index)
            if panel.kind == "line":
                made.setData(**data)
            else:
                made.setOpts(**data)
        category_side = "left" if self.horizontal else "bottom"
        item.getAxis(category_side).setTicks([category_ticks(panel.categories)])
        item.setLabel(category_side, panel.x_title or None)
        self._fit_ranges(panel, item)
        return True

    def _series_data(self, panel: Panel, index: int) -> dict[str, object]:
        """Series ``index`` as the plot item takes it (bars placed beside each other)."""
        x = np.arange(len(panel.categories), dtype=float)
        y = np.array([as_float(value) for value in panel.series[index].values], dtype=float)
        if panel.kind == "line":
            return {"x": x, "y": y, "symbolSize": 6 if len(x) <= 60 else 3}
        width, offsets = self._bar_geometry(panel)
        if self.horizontal:
            return {"x0": 0, "y": x + offsets[index], "width": np.nan_to_num(y), "height": width}
        return {"x": x + offsets[index], "height": np.nan_to_num(y), "width": width}

    def _fit_ranges(self, panel: Panel, item: pg.PlotItem) -> None:
        horizontal = self.horizontal
        top = self._top(panel) * (1.4 if horizontal and len(panel.series) > 1 else 1.15) or 1
        if horizontal:
            item.showGrid(x=True, alpha=0.25)
            item.setYRange(-0.6, len(panel.categories) - 0.4, padding=0)
            item.setXRange(0, top, padding=0)
            item.invertY(True)
            return
        item.showGrid(y=True, alpha=0.25)
        item.setXRange(-0.6, len(panel.categories) - 0.4, padding=0)
        if panel.kind == "bar":
            item.setYRange(0, top, padding=0)
        else:
            item.enableAutoRange(axis="y")

    def _top(self, panel: Panel) -> float:
        values = [as_float(v) for s in panel.series for v in s.values]
        return max((v for v in values if not math.isnan(v)), default=0.0)

    def _draw_notes(self, panel: Panel, item: pg.PlotItem) -> None:
        top = self._top(panel)
        for index, note in enumerate(panel.notes):
            value = as_float(panel.series[0].values[index])
            text = value_text(panel.unit, panel.series[0].values[index], self.formatter)
            label = pg.TextItem(
                f"{text}\n{note}" if note else text, color=self._foreground(), anchor=(0.5, 1)
            )
            label.setPos(index, (0 if math.isnan(value) else value) + top * 0.01)
            item.addItem(label)

    # --- theme ---

    def _background(self) -> QColor:
        return chart_colours(self.palette()).background

    def _foreground(self) -> QColor:
        return chart_colours(self.palette()).foreground

    def _apply_theme(self) -> None:
        if self.plot_widget is None:
            return
        self.plot_widget.setBackground(self._background())
        item = self.plot_widget.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(self._foreground())
            axis.setTextPen(self._foreground())
        if item.legend is not None:
            item.legend.setLabelTextColor(self._foreground())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        # Redrawn after the theme change, not inside it: Qt sends PaletteChange while it
        # re-styles every widget, and clearing the plot's items there crashes.
        if event.type() == QEvent.Type.PaletteChange and not self._redraw_due:
            self._redraw_due = True
            QTimer.singleShot(0, self, self._redraw)
        super().changeEvent(event)

    def _redraw(self) -> None:
        self._redraw_due = False
        self._drawn_shape = None  # new colours: drawn afresh, not updated in place
        if self.panel is not None:
            self.show_panel(self.panel)

    # --- hover and click ---

    def point_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(series index, category index) under the data coordinates ``(x, y)``."""
        panel = self.panel
        if panel is None or not panel.categories or not panel.series:
            return None
        if panel.kind == "grid":
            column, row = round(x), round(y)
            if 0 <= column < len(panel.categories) and 0 <= row < len(panel.series):
                return row, column
            return None
        if self.horizontal:
            x, y = y, x
        category = round(x)
        if not 0 <= category < len(panel.categories):
            return None
        if panel.kind == "bar":
            width, offsets = self._bar_geometry(panel)
            for index, offset in enumerate(offsets):
                if abs(x - category - offset) <= width / 2:
                    return index, category
            return None
        values = [as_float(s.values[category]) for s in panel.series]
        distances = [abs(v - y) if not math.isnan(v) else math.inf for v in values]
        return distances.index(min(distances)), category

    def hover_text(self, category: int) -> str:
        assert self.panel is not None
        panel = self.panel
        if panel.kind == "grid":
            return panel.categories[category]
        lines = [panel.categories[category]]
        for series in panel.series:
            value = value_text(panel.unit, series.values[category], self.formatter)
            lines.append(f"{series.name}: {value}")
        if panel.notes and panel.notes[category]:
            lines.append(panel.notes[category])
        return "\n".join(lines)

    def _data_point(self, scene_pos: QPointF) -> QPointF | None:
        if self.plot_widget is None:
            return None
        item = self.plot_widget.getPlotItem()
        if not item.sceneBoundingRect().contains(scene_pos):
            return None
        return item.vb.mapSceneToView(scene_pos)

    def _on_move(self, scene_pos: QPointF) -> None:
        point = self._data_point(scene_pos)
        found = None if point is None else self.point_at(point.x(), point.y())
        if found is None or self.panel is None:
            self.hover.hide()
            return
        series, category = found
        text = self.hover_text(category)
        if self.panel.kind == "grid":
            row = self.panel.series[series]
            text = (
                f"{row.name} → {text}: {value_text('ratio', row.values[category], self.formatter)}"
            )
        self.hover.setText(text, color=self._foreground())
        self.hover.setPos(point)
        self.hover.show()

    def _on_click(self, event: object) -> None:
        point = self._data_point(event.scenePos())  # type: ignore[attr-defined]
        if point is not None:
            found = self.point_at(point.x(), point.y())
            if found is not None:
                self.activate(*found)

    def activate(self, series: int, category: int) -> Target | None:
        """Open the records behind one point (what a click does); returns the target."""
        if self.panel is None:
            return None
        targets = self.panel.series[series].targets
        target = targets[category] if category < len(targets) else None
        if target is not None:
            self.clicked.emit(target)
        return target
