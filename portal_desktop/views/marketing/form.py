"""What the Marketing dialogs share: a form whose errors show at their field, a Save button
enabled only while the form is valid, the write run in a worker, Esc cancelling."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.money_input import MoneyInput
from portal_desktop.views.ops import run_write
from portal_desktop.views.tab_context import TabContext

MAX_COUNT = 2_000_000_000
NO_DATE = QDate(2000, 1, 1)  # an optional date edit at this date reads as "none"
Work = Callable[[Session], tuple[set[uuid.UUID], Any]]


def count_box(parent: QWidget, name: str, value: int = 0) -> QSpinBox:
    box = QSpinBox(parent)
    box.setObjectName(name)
    box.setRange(0, MAX_COUNT)
    box.setGroupSeparatorShown(True)
    box.setValue(value)
    return box


def date_edit(parent: QWidget, name: str, day: dt.date | None, *, optional: bool) -> QDateEdit:
    """A date with a calendar pop-up; an optional one shows "None" at :data:`NO_DATE`."""
    edit = QDateEdit(parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if optional:
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("None")
    edit.setDate(NO_DATE if day is None else QDate(day.year, day.month, day.day))
    return edit


def date_of(edit: QDateEdit) -> dt.date | None:
    """The date shown, None for an optional edit showing "None"."""
    if edit.specialValueText() and edit.date() == NO_DATE:
        return None
    return edit.date().toPython()


class MarketingForm(QDialog):
    """A form dialog; subclasses add rows, say when they are valid and what saving does.

    ``saved`` carries what :meth:`work` returned beside the ids it changed.
    """

    saved = Signal(object)
    changed_tables: frozenset[str] = frozenset()

    def __init__(self, ctx: TabContext, name: str, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.ctx = ctx
        self.errors = FieldErrors(QLabel(self))
        self.errors.general.setObjectName("generalError")
        self.form = QFormLayout()
        self.field_labels: dict[str, QLabel] = {}
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        note = QLabel("<small>* required</small>", self)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(note)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)

    def add_row(self, label: str, widget: QWidget, *fields: str, required: bool = False) -> None:
        """A labelled field, with the error label of ``fields`` under it."""
        self.form.addRow(f"{label} *" if required else label, widget)
        if fields:
            label = self.errors.label_for(self, *fields)
            self.field_labels[fields[0]] = label
            self.form.addRow("", label)

    def watch_money(self, money: MoneyInput) -> None:
        """Say under a money field (added with :meth:`add_row`) why its text is not an
        amount, as the user types."""

        def show(_value: object) -> None:
            label = self.field_labels[money.field]
            problem = money.problem()
            label.setText(problem[:1].upper() + problem[1:] if problem else "")
            label.setVisible(bool(problem))
            self.update_valid()

        money.value_changed.connect(show)

    def problem(self) -> str | None:
        """Why the form cannot be saved yet (None: it can)."""
        return None

    def update_valid(self, *_: object) -> None:
        problem = self.problem()
        self.save_button.setEnabled(problem is None)
        self.save_button.setToolTip(problem or "")

    def work(self) -> Work:
        """What saving does, in a worker: returns (changed ids, result)."""
        raise NotImplementedError

    def save(self) -> None:
        if self.problem() is not None:
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        run_write(self.ctx, self, self.work(), self._saved, self._failed)

    def _saved(self, outcome: tuple[set[uuid.UUID], Any]) -> None:
        ids, result = outcome
        self.ctx.bus.announce(self.changed_tables, ids)
        self.saved.emit(result)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.update_valid()
        self.errors.show(error)
