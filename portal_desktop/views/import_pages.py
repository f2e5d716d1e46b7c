"""The pages of File → Import… (views.import_dialog): file, mapping and preview, report,
progress, result. Widgets only: the dialog runs the work and fills them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.services.files.ad_rows import AdDay
from portal_desktop.services.files.csv_table import CsvTable
from portal_desktop.services.files.import_common import Problem
from portal_desktop.services.files.lead_mapping import LeadField, Mapping
from portal_desktop.services.files.lead_rows import PREVIEW_COLUMNS, PreviewRow
from portal_desktop.views.theme import (
    ERROR,
    MUTED,
    NOTICE,
    current_palette,
    rich_tone,
    set_tone,
    tone,
)

IGNORE = "— ignore —"
SAMPLE_ROWS = 20


def _title(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("importPageTitle")
    return label


def _note(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    set_tone(label, MUTED)
    return label


def make_table(parent: QWidget, headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text.replace("\n", " ⏎ "))
            item.setToolTip(text)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    for column in range(table.columnCount()):
        table.setColumnWidth(column, min(table.columnWidth(column), 260))


class FilePage(QWidget):
    """Which file, and what it holds."""

    KINDS = (
        ("leads", "Leads (any CSV file or Excel workbook)"),
        ("facebook", "Facebook / Meta Ads Manager: daily campaign report"),
        ("google", "Google Ads: daily campaign report"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = QLineEdit(self)
        self.path.setObjectName("filePath")
        self.path.setPlaceholderText("Choose a .csv, .txt or .xlsx file…")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        box = QGroupBox("What is in the file", self)
        self.kinds = QButtonGroup(self)
        kinds = QVBoxLayout(box)
        for number, (key, label) in enumerate(self.KINDS):
            button = QRadioButton(label, box)
            button.setObjectName(f"kind_{key}")
            button.setChecked(number == 0)
            self.kinds.addButton(button, number)
            kinds.addWidget(button)
        self.info = _note(self)
        self.info.setText(
            "UTF-8, UTF-16 (Excel's Unicode text) and Windows-1252 files are read, separated "
            "by commas, semicolons, tabs or |; Excel workbooks (.xlsx) from their first sheet. "
            "Nothing is written before the last step."
        )
        layout = QVBoxLayout(self)
        layout.addWidget(_title("Import data from a CSV or Excel file", self))
        layout.addLayout(row)
        layout.addWidget(box)
        layout.addWidget(self.info)
        layout.addStretch(1)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import", "", "CSV and Excel files (*.csv *.txt *.tsv *.xlsx);;All files (*)"
        )
        if path:
            self.path.setText(path)

    @property
    def kind(self) -> str:
        return self.KINDS[max(self.kinds.checkedId(), 0)][0]

    def set_kind(self, kind: str) -> None:
        keys = [key for key, _ in self.KINDS]
        self.kinds.button(keys.index(kind)).setChecked(True)


class MappingPage(QWidget):
    """Which column is which field (leads: editable), and the first rows as imported."""

    mapping_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = _title("Columns and preview", self)
        self.summary = _note(self)
        self.columns = make_table(self, ("Column in the file", "Sample values", "Import as"))
        self.columns.setObjectName("mappingTable")
        self.columns.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.columns.horizontalHeader().setStretchLastSection(False)
        self.combos: list[QComboBox] = []
        self.date_order = QComboBox(self)
        self.date_order.setObjectName("dateOrder")
        self.date_order.addItems(["Month first (03/04/2025 is March 4)", "Day first (3 April)"])
        self.date_order.currentIndexChanged.connect(lambda _: self.mapping_changed.emit())
        self.date_row = QWidget(self)
        date_layout = QHBoxLayout(self.date_row)
        date_layout.setContentsMargins(0, 0, 0, 0)
        date_layout.addWidget(QLabel("Dates such as 03/04/2025 are", self.date_row))
        date_layout.addWidget(self.date_order)
        date_layout.addStretch(1)
        self.date_row.hide()
        self.preview_title = QLabel("<b>Preview</b>: the first rows as they will be imported", self)
        self.preview = make_table(self, (*PREVIEW_COLUMNS, "Problems"))
        self.preview.setObjectName("previewTable")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.columns, 5)
        layout.addWidget(self.date_row)
        layout.addWidget(self.preview_title)
        layout.addWidget(self.preview, 4)

    def show_lead_file(self, table: CsvTable, mapping: Mapping) -> None:
        """A row per column of the file: its title, a few values, and the field it feeds."""
        first = [cells for _, cells in itertools.islice(table.records, SAMPLE_ROWS)]
        samples = [
            " | ".join(v for v in (c[i] if i < len(c) else "" for c in first) if v.strip())[:80]
            for i in range(len(table.header))
        ]
        self.preview_title.setText("<b>Preview</b>: the first rows as they will be imported")
        self.date_row.hide()
        self.show_lead_columns(table.header, samples, mapping)

    def show_lead_columns(
        self, header: Sequence[str], samples: list[str], mapping: Mapping
    ) -> None:
        self.columns.setHorizontalHeaderLabels(["Column in the file", "Sample values", "Import as"])
        self.combos = []
        self.columns.setRowCount(0)  # drops the combo boxes of a file read before
        self.columns.setRowCount(len(header))
        for index, title in enumerate(header):
            self.columns.setItem(index, 0, QTableWidgetItem(title))
            sample = QTableWidgetItem(samples[index].replace("\n", " ⏎ "))
            sample.setForeground(current_palette().color(QPalette.ColorRole.PlaceholderText))
            self.columns.setItem(index, 1, sample)
            combo = QComboBox(self.columns)
            combo.setObjectName(f"mapping_{index}")
            combo.addItem(IGNORE, None)
            for field in LeadField:
                combo.addItem(field.label, field.value)
            if index in mapping:
                combo.setCurrentIndex(combo.findData(mapping[index].value))
            combo.currentIndexChanged.connect(lambda _: self.mapping_changed.emit())
            self.columns.setCellWidget(index, 2, combo)
            self.combos.append(combo)
        self._fit_columns()

    def show_ad_columns(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.combos = []
        self.date_row.hide()
        self.columns.setRowCount(0)
        self.columns.setHorizontalHeaderLabels(["Field", "Read from the column", ""])
        fill_table(self.columns, [(field, column, "") for field, column in pairs])
        self._fit_columns()

    def _fit_columns(self) -> None:
        header = self.columns.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.columns.setColumnWidth(2, 170 if self.combos else 10)
        self.columns.verticalHeader().setDefaultSectionSize(30)

    def mapping(self) -> Mapping:
        return {
            index: LeadField(combo.currentData())
            for index, combo in enumerate(self.combos)
            if combo.currentData() is not None
        }

    def set_field(self, index: int, field: LeadField | None) -> None:
        combo = self.combos[index]
        combo.setCurrentIndex(combo.findData(None if field is None else field.value))

    @property
    def day_first(self) -> bool:
        return self.date_order.currentIndex() == 1

    def show_lead_preview(self, rows: Sequence[PreviewRow]) -> None:
        """Each row as it will be imported; a row with problems says them instead."""
        self.preview.clearSpans()
        self.preview.setColumnCount(len(PREVIEW_COLUMNS) + 1)
        self.preview.setHorizontalHeaderLabels(["Row", *PREVIEW_COLUMNS])
        fill_table(self.preview, [(str(r.row), *r.values) for r in rows])
        for number, row in enumerate(rows):
            if row.problems:
                item = QTableWidgetItem("⚠ " + "; ".join(row.problems))
                item.setForeground(tone(NOTICE).ink)
                self.preview.setItem(number, 1, item)
                self.preview.setSpan(number, 1, 1, len(PREVIEW_COLUMNS))
                for column in (0, 1):
                    self.preview.item(number, column).setBackground(tone(NOTICE).fill)

    def problem_of(self, number: int) -> str:
        """The problems the preview shows on its ``number``-th row ('' when none)."""
        if self.preview.columnSpan(number, 1) == 1:
            return ""
        return self.preview.item(number, 1).text().removeprefix("⚠ ")

    def show_ad_preview(self, pairs: Sequence[tuple[str, str]], days: Sequence[AdDay]) -> None:
        """Which column each field is read from, and the days as they will be saved."""
        self.show_ad_columns(pairs)
        headers = ("Row", "Campaign", "Day", "Spend", "Impressions", "Clicks", "Leads", "Revenue")
        self.preview.setColumnCount(len(headers))
        self.preview.setHorizontalHeaderLabels(list(headers))
        fill_table(
            self.preview,
            [
                (str(d.row), d.campaign, d.day.isoformat(), f"{d.spend:,.2f}",
                 f"{d.impressions:,}", f"{d.clicks:,}", f"{d.leads:,}", f"{d.revenue:,.2f}")
                for d in days
            ],
        )  # fmt: skip


class ReportPage(QWidget):
    """What the import will do, the choices, and the validation report."""

    options_changed = Signal()
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.summary.setObjectName("reportSummary")
        self.summary.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setObjectName("reportMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("font-weight: bold;")
        set_tone(self.message, ERROR)
        self.skip_duplicates = QRadioButton("Skip leads whose email is already known", self)
        self.update_duplicates = QRadioButton("Update them with the file's values", self)
        self.all_or_nothing = QRadioButton("Import nothing if a row is invalid", self)
        self.skip_invalid = QRadioButton("Import the valid rows and skip the rest", self)
        self.duplicates_box = self._group(
            "Duplicates", self.skip_duplicates, self.update_duplicates
        )
        invalid_box = self._group("Invalid rows", self.all_or_nothing, self.skip_invalid)
        # Checked once in their groups (before, all four would exclude one another).
        self.skip_duplicates.setChecked(True)
        self.all_or_nothing.setChecked(True)
        choices = QHBoxLayout()
        choices.addWidget(self.duplicates_box, 1)
        choices.addWidget(invalid_box, 1)
        self.problems = make_table(self, ("Row", "Column", "Problem"))
        self.problems.setObjectName("problemTable")
        self.save = QPushButton("Save report…", self)
        self.save.setObjectName("saveReport")
        self.save.clicked.connect(self.save_requested.emit)
        bottom = QHBoxLayout()
        self.count = _note(self)
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(_title("Check before importing", self))
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addLayout(choices)
        layout.addWidget(self.problems, 1)
        layout.addLayout(bottom)

    def _group(self, title: str, *buttons: QRadioButton) -> QGroupBox:
        box = QGroupBox(title, self)
        layout = QVBoxLayout(box)
        group = QButtonGroup(box)
        for button in buttons:
            group.addButton(button)
            layout.addWidget(button)
            button.toggled.connect(lambda on: on and self.options_changed.emit())
        return box

    def show_report(
        self, lines: Sequence[str], notes: Sequence[str], entries: Sequence[Problem], invalid: int
    ) -> None:
        bullet = "".join(f"<li>{line}</li>" for line in lines)
        small = "<br>".join(notes)
        self.summary.setText(f"<ul style='margin: 0'>{bullet}</ul>"
                             f"{rich_tone(small, MUTED)}")  # fmt: skip
        fill_table(self.problems, [(str(p.row), p.column, p.problem) for p in entries])
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.count.setText(
            f"{invalid:,} invalid row{'s' if invalid != 1 else ''}; "
            f"{len(entries):,} line{'s' if len(entries) != 1 else ''} in the report"
        )
        self.save.setEnabled(bool(entries))


class ProgressPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _title("Importing…", self)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("importProgress")
        self.detail = _note(self)
        self.detail.setObjectName("progressDetail")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.heading)
        layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        layout.addStretch(2)


class ResultPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _title("", self)
        self.text = QLabel(self)
        self.text.setObjectName("resultText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.text)
        layout.addStretch(1)
