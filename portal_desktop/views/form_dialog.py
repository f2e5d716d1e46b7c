"""Every "fill in, Save, see the error at the field" dialog of the app, built one way.

A subclass adds rows with :meth:`FormDialog.add_field` (the field's error label goes under it,
never over the next row), says why the form cannot be saved yet in :meth:`problem` (shown as
a hint; Save stays disabled), and returns the write in :meth:`work` — a function of a
Session calling one service, built on the UI thread from the form's values and run as a
:class:`~portal_desktop.views.ops.WriteOp` (which announces what changed). A dialog that
needs data from the database first overrides :meth:`load` (run as a ReadOp when the dialog
is built; the form stays disabled with "Loading…" until :meth:`loaded` has filled it).

A ValidationError is shown under the field it names, any other error in words at the bottom;
Esc (Cancel) leaves without writing anything. ``saved`` carries the service's result.

A write that cannot be taken back (a refund, a cancellation) asks first: :meth:`confirmation`
returns the question, naming what is at stake (the amount, the person), and Save writes only
once it is answered yes (:meth:`confirm_text`, e.g. "Refund $200.00"; "Go back" writes
nothing). After a save, the window shows :meth:`done_text` in a toast
(:mod:`portal_desktop.views.toast`), with "Undo" when :meth:`undo` offers a way back
(:mod:`portal_desktop.views.undo`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.errors import ValidationError
from portal_desktop.views.confirm import ask
from portal_desktop.views.field_errors import FieldErrors
from portal_desktop.views.money_input import MoneyInput
from portal_desktop.views.ops import ReadOp, WriteOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.toast import show_toast
from portal_desktop.views.undo import Undo, offer_undo

REQUIRED = " *"
DIALOG_WIDTH = 440
LOADING = "Loading…"


class FormDialog(QDialog):
    """A form with errors at the fields, a hint saying what is missing, Save and Cancel."""

    saved = Signal(object)
    loading_failed = Signal(object)  # the error :meth:`load` raised (it is shown in the form)

    def __init__(
        self,
        ctx: TabContext,
        title: str,
        parent: QWidget | None = None,
        *,
        save_text: str = "Save",
        name: str = "",
        heading: str = "",
        width: int = DIALOG_WIDTH,
    ) -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.setWindowTitle(title)
        self.setMinimumWidth(width)
        self.ctx = ctx
        self.writing = False
        self.loading = False
        self.load_failed = False
        self.outcome: Any = None  # what the service returned, once saved
        self.save_text = save_text
        self.confirm_box: QMessageBox | None = None  # the open question (views.confirm)
        self._confirmed = False
        general = QLabel(self)
        general.setObjectName("error_general")
        self.errors = FieldErrors(general)
        self.hint = QLabel(self)
        self.hint.setObjectName("formHint")
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)  # drawn in the palette's quiet (disabled) text colour
        self.hint.hide()
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button: QPushButton = self.buttons.addButton(
            save_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if heading:
            top = QLabel(heading, self)
            top.setObjectName("formHeading")
            top.setWordWrap(True)
            layout.addWidget(top)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)
        layout.addWidget(general)
        layout.addWidget(self.buttons)

    def event(self, event: QEvent) -> bool:
        """After the layout changed (an error or the hint shown, longer or wrapped), grow to
        the height the form needs at its width: a window's minimum height does not follow
        its wrapped labels, so a two-line error would be drawn over the next field."""
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            layout = self.layout()
            if layout is not None and layout.hasHeightForWidth():
                needed = layout.totalHeightForWidth(self.width())
                if needed > self.height():
                    self.resize(self.width(), needed)
        return handled

    # -- building the form -------------------------------------------------------------
    def add_field(
        self, label: str, widget: QWidget, *fields: str, required: bool = False
    ) -> QWidget:
        """A row for ``widget`` with, under it, the label errors on ``fields`` go to; a
        screen reader reads ``label`` as the widget's name unless it has one."""
        if not widget.accessibleName():
            widget.setAccessibleName(label)
        if not fields:
            self.form.addRow(label + (REQUIRED if required else ""), widget)
            return widget
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(self.errors.label_for(self, *fields))
        self.form.addRow(label + (REQUIRED if required else ""), box)
        return widget

    def money_field(
        self,
        label: str,
        amount: Any = None,
        field: str = "amount",
        *,
        required: bool = False,
        **limits: Any,
    ) -> MoneyInput:
        """An amount; why its text is not an amount shows under it as the user types.
        ``limits``: MoneyInput's ``allow_zero`` and ``maximum``."""
        money = MoneyInput(self, field=field, **limits)
        money.setObjectName(field)
        if amount is not None:
            money.set_value(amount)
        self.add_field(label, money, field, required=required)
        money.value_changed.connect(lambda _value: self._show_money_problem(money))
        return money

    def text_field(
        self, label: str, field: str, placeholder: str = "", *, required: bool = False
    ) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(field)
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self.update_state)
        self.add_field(label, edit, field, required=required)
        return edit

    def watch(self, *signals: Any) -> None:
        """Re-check the form whenever one of these signals fires."""
        for signal in signals:
            signal.connect(self.update_state)

    def _show_money_problem(self, money: MoneyInput) -> None:
        label = self.errors.label(money.field)
        problem = money.problem()
        if label is not None:
            label.setText(problem[:1].upper() + problem[1:] if problem else "")
            label.setVisible(bool(problem))
        self.update_state()

    # -- what subclasses say -----------------------------------------------------------
    def problem(self) -> str | None:
        """Why the form cannot be saved yet (shown as a hint), or None."""
        return None

    def work(self) -> Callable[[Session], Any]:
        """The write: a function of a Session calling one service (runs on a pool thread).
        Built on the UI thread; a ValidationError it raises is shown at its field."""
        raise NotImplementedError

    def confirmation(self) -> str | None:
        """The question to answer before a write that cannot be taken back, naming what is
        at stake (e.g. "Refund $200.00 of Jane Doe's payment of $997.00?"); None: none."""
        return None

    def confirm_text(self) -> str:
        """The button answering :meth:`confirmation` with yes (says the act, e.g. "Refund")."""
        return self.save_text

    def done_text(self, outcome: Any) -> str:
        """What the window's toast says once saved (the service returned ``outcome``)."""
        return f"{self.windowTitle()}: saved."

    def undo(self, outcome: Any) -> Undo | None:
        """How to take the saved change back (Ctrl+Z, the toast's Undo), if it can be."""
        return None

    def load(self, session: Session) -> Any:
        """What the form needs from the database, run off the UI thread by :meth:`start_loading`."""
        raise NotImplementedError

    def loaded(self, data: Any) -> None:
        """Fill the form from what :meth:`load` returned (on the UI thread)."""

    # -- running -----------------------------------------------------------------------
    def start_loading(self) -> None:
        """Run :meth:`load` off the UI thread; the form is usable once :meth:`loaded` ran."""
        self.loading, self.load_failed = True, False
        self.update_state()
        ReadOp(self.ctx, self.load, parent=self).success(self._loaded).failure(
            self._load_failed
        ).run()

    def _loaded(self, data: Any) -> None:
        self.loading = False
        self.loaded(data)
        self.update_state()

    def _load_failed(self, error: BaseException) -> None:
        self.loading = False
        self.load_failed = True  # nothing to save over: Save stays off, whatever is typed
        self.errors.show(error)
        self.update_state()
        self.loading_failed.emit(error)

    @property
    def ready(self) -> bool:
        """Loaded and not writing (tests wait for it)."""
        return not self.loading and not self.writing

    def update_state(self, *_: object) -> None:
        problem = LOADING if self.loading else None if self.load_failed else self.problem()
        blocked = self.writing or self.load_failed
        self.save_button.setEnabled(problem is None and not blocked)
        self.save_button.setToolTip(problem or "")
        self.hint.setText(problem or "")
        self.hint.setVisible(problem is not None)

    def save(self) -> None:
        if self.writing or self.loading or self.load_failed or self.problem() is not None:
            return
        question = self.confirmation()
        if question is not None and not self._confirmed:
            self._ask(question)
            return
        self._confirmed = False
        self.errors.clear()
        try:
            work = self.work()
        except ValidationError as error:  # a value the form itself reads, e.g. a percentage
            self._failed(error)
            return
        self.writing = True
        self.update_state()
        WriteOp(self.ctx, work, parent=self).success(self._saved).failure(self._failed).run()

    def _ask(self, question: str) -> None:
        def confirmed() -> None:
            self._confirmed = True
            self.save()

        ask(self, self.windowTitle(), question, self.confirm_text(), confirmed)

    def _saved(self, outcome: Any) -> None:
        self.writing = False
        self.outcome = outcome
        self.saved.emit(outcome)
        owner = self.parentWidget()
        if owner is not None:
            undo = self.undo(outcome)
            if undo is not None:
                offer_undo(owner, self.ctx, undo)
            else:
                show_toast(owner, self.done_text(outcome))
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.writing = False
        self.errors.show(error)
        self.update_state()
