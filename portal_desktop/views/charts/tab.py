"""The Charts tab: the managers' dashboard over a range, loaded in a worker thread.

The range picker (presets or custom days) and the granularity start a load; the worker
opens its own Session and returns the plain :class:`Dashboard`; the cards and panels then
draw it. A load asked for while one runs is queued (only the latest is kept), so the tab
never paints stale numbers. Clicking a point asks the window to show its records
(``ctx.bus.show_records``); each chart exports to PNG / CSV and the whole to PDF.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.services.reporting.chart_data import dashboard
from portal_desktop.services.reporting.chart_model import Dashboard, Panel, Section, Target
from portal_desktop.services.reporting.chart_periods import (
    PRESET_LABELS,
    Granularity,
    Preset,
    preset_range,
)
from portal_desktop.views import a11y
from portal_desktop.views.charts.export import export_pdf, panel_csv, panel_png
from portal_desktop.views.charts.kpi_card import CardGrid, KpiCard
from portal_desktop.views.charts.paint_queue import PaintQueue
from portal_desktop.views.charts.panel_view import PanelView
from portal_desktop.views.charts.values import DASH, TIMES
from portal_desktop.views.export_notice import failure_text, show_failed, show_saved
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.task_runner import TaskRunner, in_session

SECTION_COLUMNS = {"money": 1, "funnel": 1, "campaigns": 2, "team": 2, "receivables": 2}
RELOAD_TABLES = frozenset(
    {"leads", "sales_calls", "enrollments", "payments", "installments", "ad_performance"}
)


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class SectionView(QFrame):
    """A titled group of panels, each with an export button."""

    def __init__(self, tab: ChartsTab, section: Section) -> None:
        super().__init__(tab)
        self.setObjectName("chartSection")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.key = section.key
        self.heading = QLabel(section.title, self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.panels: dict[str, PanelView] = {}
        self.buttons: list[QToolButton] = []
        grid = QGridLayout()
        columns = SECTION_COLUMNS.get(section.key, 1)
        for index, panel in enumerate(section.panels):
            view = PanelView(tab.ctx.formatter, self)
            view.clicked.connect(tab.open_target)
            box = QVBoxLayout()
            box.addWidget(view, 1)
            button = tab.export_button(view)
            self.buttons.append(button)
            box.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
            grid.addLayout(box, index // columns, index % columns)
            self.panels[panel.key] = view
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(grid)

    def show_section(self, section: Section) -> list[tuple[PanelView, Panel]]:
        """The heading now; the panels to draw, with what each is to show."""
        self.heading.setText(section.title)
        return [(self.panels[panel.key], panel) for panel in section.panels]


class ChartsTab(QWidget):
    """Range picker, KPI cards and the six chart sections."""

    loaded = Signal()  # emitted once a dashboard is painted, every panel of it
    failed = Signal(str)

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tab_charts")
        self.ctx = ctx
        self.today: Callable[[], dt.date] = lambda: clock.today(ctx.formatter.tz)
        self.data: Dashboard | None = None
        self._runner = TaskRunner(self)
        self._paints = PaintQueue(self)
        self._paints.drained.connect(self.loaded)
        self._pending: tuple[dt.date, dt.date, Granularity] | None = None
        self._build_controls()
        self.cards: dict[str, KpiCard] = {}
        self.cards_row = CardGrid()
        self.sections: dict[str, SectionView] = {}
        self.sections_box = QVBoxLayout()
        content = QWidget(self)
        content_layout = QVBoxLayout(content)
        content_layout.addLayout(self.cards_row)
        content_layout.addLayout(self.sections_box)
        content_layout.addStretch(1)
        self.scroll = a11y.named(QScrollArea(self), "Dashboard")
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(content)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.addLayout(self.controls)
        layout.addWidget(self.scroll, 1)
        ctx.bus.data_changed.connect(self._on_data_changed)
        self._shown_once = False
        period = preset_range(Preset.LAST_30_DAYS, self.today())
        self._set_dates(period.start, period.end)
        self.preset.setCurrentIndex(self.preset.findData(Preset.LAST_30_DAYS))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """The first load waits until the tab is opened (a hidden tab costs no queries)."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self.data is None and not self._runner.busy:
                self.reload()

    # --- controls ---

    def _build_controls(self) -> None:
        self.preset = a11y.named(QComboBox(self), "Range")
        for preset, label in PRESET_LABELS.items():
            self.preset.addItem(label, preset)
        self.start_edit = a11y.named(QDateEdit(self), "Dashboard from")
        self.end_edit = a11y.named(QDateEdit(self), "Dashboard to")
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._on_custom_dates)
        self.granularity = a11y.named(QComboBox(self), "Group by")
        for grain in Granularity:
            self.granularity.addItem(grain.value.capitalize(), grain)
        self.granularity.setCurrentIndex(1)
        # wraps rather than widen the window past the screen (a second line costs a relayout)
        self.status = QLabel(self, objectName="chartsStatus", wordWrap=True)
        self.pdf_button = QPushButton("Export PDF report…", self)
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.controls = QHBoxLayout()
        for widget in (
            QLabel("Range:", self),
            self.preset,
            self.start_edit,
            QLabel("to", self),
            self.end_edit,
            QLabel("By:", self),
            self.granularity,
        ):
            self.controls.addWidget(widget)
        self.controls.addWidget(self.status, 1)
        self.controls.addWidget(self.pdf_button)
        self.preset.currentIndexChanged.connect(self._on_preset)
        self.granularity.currentIndexChanged.connect(lambda _: self.reload())

    def _on_preset(self, _index: int) -> None:
        preset = Preset(self.preset.currentData())
        if preset is not Preset.CUSTOM:
            self.apply_preset(preset)

    def apply_preset(self, preset: Preset) -> None:
        period = preset_range(preset, self.today())
        self._set_dates(period.start, period.end)
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(preset))
        self.preset.blockSignals(False)
        self.reload()

    def set_range(
        self, start: dt.date, end: dt.date, granularity: Granularity | None = None
    ) -> None:
        """A custom range (what picking two days does), and the granularity: one load."""
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(Preset.CUSTOM))
        self.preset.blockSignals(False)
        if granularity is not None:
            self.granularity.blockSignals(True)
            self.granularity.setCurrentIndex(self.granularity.findData(granularity))
            self.granularity.blockSignals(False)
        self._set_dates(start, end)
        self.reload()

    def set_granularity(self, granularity: Granularity) -> None:
        self.granularity.setCurrentIndex(self.granularity.findData(granularity))

    def _set_dates(self, start: dt.date, end: dt.date) -> None:
        for edit, day in ((self.start_edit, start), (self.end_edit, end)):
            edit.blockSignals(True)
            edit.setDate(qdate(day))
            edit.blockSignals(False)

    def _on_custom_dates(self, _day: QDate) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(Preset.CUSTOM))
        self.preset.blockSignals(False)
        self.reload()

    # --- loading ---

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        start, end = pydate(self.start_edit.date()), pydate(self.end_edit.date())
        if start > end:
            self.status.setText("The range starts after it ends: pick an earlier first day.")
            return
        request = (start, end, Granularity(self.granularity.currentData()))
        if self._runner.busy:
            self._pending = request
            return
        self._start(request)

    def _start(self, request: tuple[dt.date, dt.date, Granularity]) -> None:
        start, end, grain = request
        period = f"{start.isoformat()} {DASH} {end.isoformat()}"
        self.status.setText(f"Loading {period} by {grain.value}…")  # short: no second line
        actor = self.ctx.actor

        def work(session: Session, _progress: Any, _cancel: threading.Event) -> Dashboard:
            return dashboard(session, actor, start, end, grain)

        self._runner.start(in_session(self.ctx.sessions, work), self._on_loaded, self._on_failed)

    def _next(self) -> bool:
        if self._pending is None:
            return False
        request, self._pending = self._pending, None
        self._start(request)
        return True

    def _on_loaded(self, data: Dashboard) -> None:
        if not shiboken6.isValid(self) or self._next():
            return
        self.show_dashboard(data)
        made = data.made_at.astimezone(self.ctx.formatter.tz).strftime("%H:%M:%S")
        self.status.setText(
            f"{data.period.start.isoformat()} {DASH} {data.period.end.isoformat()} "
            f"by {data.granularity.value}, {data.time_zone} · updated {made}"
        )

    def _on_failed(self, error: BaseException) -> None:
        if not shiboken6.isValid(self) or self._next():
            return
        self.status.setText(f"Could not load the dashboard: {error}")
        self.failed.emit(str(error))

    def wait(self) -> None:
        self._runner.wait()

    def _on_data_changed(self, tables: frozenset[str], _ids: frozenset[object]) -> None:
        if tables & RELOAD_TABLES:
            self.reload()

    # --- painting ---

    @property
    def painted(self) -> bool:
        """A dashboard is shown and every panel of it drawn."""
        return self.data is not None and not self._paints.busy

    @property
    def painted_in_view(self) -> bool:
        """The dashboard's data is shown and every panel in view is drawn."""
        return self.data is not None and not self._paints.busy_on_screen

    def show_dashboard(self, data: Dashboard) -> None:
        """The cards at once; the panels one per turn of the event loop (``loaded`` when the
        last is drawn), those in view first: drawing all thirteen at once froze the window."""
        self.data = data
        before = data.previous
        previous = f"the previous {data.period.days} days ({before.start} {DASH} {before.end})"
        for card in data.cards:
            view = self.cards.get(card.key)
            if view is None:
                view = KpiCard(self)
                self.cards[card.key] = view
                self.cards_row.addWidget(view)
            view.show_card(card, self.ctx.formatter, previous)
        work: list[tuple[PanelView, Panel]] = []
        for section in data.sections:
            view = self.sections.get(section.key)
            if view is None:
                view = SectionView(self, section)
                self.sections[section.key] = view
                self.sections_box.addWidget(view)
            work += view.show_section(section)
        self._paints.replace(work)

    def panel_view(self, key: str) -> PanelView:
        for section in self.sections.values():
            if key in section.panels:
                return section.panels[key]
        raise KeyError(key)

    # --- click-through and exports ---

    def open_target(self, target: Target) -> None:
        self.ctx.bus.show_records(target.list_name, target.filters)

    def export_button(self, view: PanelView) -> QToolButton:
        button = QToolButton(self)
        button.setText("Export")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        menu.addAction("Image (PNG)…", lambda: self._ask_png(view, 1))
        menu.addAction(f"Image at 2{TIMES} (PNG)…", lambda: self._ask_png(view, 2))
        menu.addAction("Data (CSV)…", lambda: self._ask_csv(view))
        button.setMenu(menu)
        return button

    def _file_name(self, view: PanelView, suffix: str) -> str:
        key = view.panel.key if view.panel else "chart"
        start, end = (edit.date().toString("yyyyMMdd") for edit in (self.start_edit, self.end_edit))
        span = f"{start}-{end}"
        return f"{key}_{span}.{suffix}"

    def _ask_png(self, view: PanelView, scale: int) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save chart image", self._file_name(view, "png"), "PNG (*.png)"
        )
        if path:
            self.save_png(view, path, scale)

    def _ask_csv(self, view: PanelView) -> None:
        if view.panel is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save chart data", self._file_name(view, "csv"), "CSV (*.csv)"
        )
        if path:
            self.save_csv(view, path)

    def _ask_pdf(self) -> None:
        if self.data is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save dashboard report", "dashboard.pdf", "PDF (*.pdf)"
        )
        if path:
            self.save_pdf(path)

    # What the menus do once a file is chosen; each ends with a message (see export_notice).

    def save_png(self, view: PanelView, path: str | Path, scale: int) -> None:
        self._save(path, "Saved the chart image", lambda: panel_png(view, path, scale))

    def save_csv(self, view: PanelView, path: str | Path) -> None:
        panel = view.panel
        if panel is not None:
            self._save(path, "Saved the chart data", lambda: panel_csv(panel, path))

    def save_pdf(self, path: str | Path) -> None:
        self._save(path, "Saved the dashboard report", lambda: export_pdf(self, path))

    def _save(self, path: str | Path, done: str, write: Callable[[], object]) -> None:
        self._paints.finish()  # every panel drawn before one is written
        try:
            write()
        except (OSError, ValueError) as error:
            show_failed(self, failure_text(path, error))
        else:
            show_saved(self, path, done)
