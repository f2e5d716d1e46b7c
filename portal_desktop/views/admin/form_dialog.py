"""What the Admin dialogs share: a form with errors under their fields, Save disabled until
the form is complete, the write run in a worker, and Esc (Cancel) leaving without writing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.ops import run_write
from portal_desktop.views.tab_context import TabContext

REQUIRED = " *"
DIALOG_WIDTH = 460


class AdminFormDialog(QDialog):
    """A form dialog; subclasses add rows with :meth:`add_field`, say when the form is
    complete in :meth:`problem` and write in :meth:`work` (run on a pool thread).

    ``saved`` carries the id of the record written.
    """

    saved = Signal(object)
    changed_tables: frozenset[str] = frozenset({"audit_log"})

    def __init__(self, ctx: TabContext, title: str, save_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(DIALOG_WIDTH)
        self.ctx = ctx
        self.form = QFormLayout()
        self.errors = FieldErrors(QLabel(self))
        self.hint = QLabel(self)
        self.hint.setObjectName("formHint")
        self.hint.setStyleSheet("color: #666;")
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button: QPushButton = self.buttons.addButton(
            save_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)

    def add_field(self, label: str, widget: QWidget, *fields: str, required: bool = False) -> None:
        """A row for ``widget`` and, under it, the label for errors on ``fields``."""
        self.form.addRow(label + (REQUIRED if required else ""), widget)
        self.form.addRow("", self.errors.label_for(self, *fields))

    def watch(self, signals: Iterable[Any]) -> None:
        """Re-check the form when any of these signals fires."""
        for signal in signals:
            signal.connect(self.update_state)

    def problem(self) -> str | None:
        """Why the form cannot be saved yet (shown as a hint), or None."""
        return None

    def update_state(self, *_: object) -> None:
        problem = self.problem()
        self.save_button.setEnabled(problem is None)
        self.hint.setText(problem or "")
        self.hint.setVisible(problem is not None)

    def work(self) -> Callable[[Session], uuid.UUID]:
        """The write to run, built on the UI thread from the form's values."""
        raise NotImplementedError

    def save(self) -> None:
        if self.problem() is not None:
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        run_write(self.ctx, self, self.work(), self._done, self._failed)

    def _done(self, record_id: uuid.UUID) -> None:
        self.ctx.bus.announce(self.changed_tables, {record_id})
        self.saved.emit(record_id)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.update_state()
        self.errors.show(error)
        self.adjustSize()  # room for the wrapped message

    def shown_errors(self) -> dict[str, str]:
        return self.errors.shown()
