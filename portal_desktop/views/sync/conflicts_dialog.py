"""The Conflicts dialog: every open conflict of the replica, and for the selected one, mine
and theirs side by side, field by field, with the choices its kind offers.

The list reads ``load(session)`` (PUSH's ``conflicts.open_conflicts``) in a worker; a choice
calls ``resolve(session, conflict_id, choice, fields, target_id)`` (PUSH's
``conflicts.resolve``) as one write, then the list is read again. Ticking "Keep mine" on some
fields and pressing "Keep ticked fields" is the choice ``fields`` with those fields. A discard,
and anything done with money (a payment recorded offline for an installment paid meanwhile),
asks first, naming the amount.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.services.common.words import enum_label
from portal_desktop.views import a11y
from portal_desktop.views.confirm import ask
from portal_desktop.views.ops import ReadOp, WriteOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.toast import show_toast


class ConflictLike(Protocol):
    """What the dialog reads of PUSH's ``conflicts.Conflict``."""

    id: uuid.UUID
    kind: str
    table_name: str
    message: str
    mine: dict[str, Any]
    theirs: dict[str, Any]
    their_person: str | None
    their_at: dt.datetime | None
    choices: tuple[str, ...]


Load = Callable[[Session], Sequence[ConflictLike]]
Resolve = Callable[..., None]  # (session, conflict_id, choice, fields=(), target_id=None)

KIND_WORDS = {
    "same_field": "Changed here and on the server",
    "paid_meanwhile": "Paid on the server meanwhile",
    "duplicate": "Created on two computers",
    "deleted_there": "Deleted on the server, changed here",
    "deleted_here": "Deleted here, changed on the server",
    "rule": "Refused by the server",
}
# The buttons, in this order; each shows when the conflict's kind offers its choice.
CHOICE_BUTTONS = {
    "mine": "Keep &mine",
    "theirs": "Keep &theirs",
    "fields": "Keep ticked &fields",
    "merge": "M&erge with the existing record",
    "restore": "&Restore the record",
    "record_elsewhere": "Record the payment &elsewhere",
    "discard": "&Discard my change",
}
HIDDEN_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})
NAME_FIELDS = ("full_name", "name", "email", "username")
MONEY_FIELDS = ("amount", "amount_paid", "price", "total")
MINE, THEIRS = 1, 2
# Ticks that show in both themes (the style's own item-view box hardly shows on dark).
_TICKS = (
    "QTableWidget::indicator { width: 14px; height: 14px; border: 1px solid palette(text);"
    " border-radius: 2px; background: palette(base); }"
    " QTableWidget::indicator:checked { background: palette(highlight);"
    " border-color: palette(highlight); }"
)


def record_name(conflict: ConflictLike) -> str:
    """The record as a person knows it: its name (or email), else its kind of record."""
    for values in (conflict.mine or {}, conflict.theirs or {}):
        first_last = " ".join(str(values.get(k) or "") for k in ("first_name", "last_name"))
        for text in (*(values.get(k) for k in NAME_FIELDS), first_last):
            if text and str(text).strip():
                return str(text).strip()
    return enum_label(conflict.table_name.upper()).removesuffix("s").lower()


def field_words(field: str) -> str:
    return enum_label(field.upper())


def money_of(conflict: ConflictLike) -> Decimal | None:
    """The amount of money my side of the conflict carries, if any."""
    for field in MONEY_FIELDS:
        try:
            return Decimal(str((conflict.mine or {})[field]))
        except (KeyError, InvalidOperation, ValueError):
            continue
    return None


class ConflictsDialog(QDialog):
    """The list on the left, the selected conflict on the right; Close when done."""

    resolved = Signal(str)  # the choice made, once written

    def __init__(
        self, ctx: TabContext, load: Load, resolve: Resolve, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx, self.load, self.resolve = ctx, load, resolve
        self.setObjectName("conflictsDialog")
        self.setWindowTitle("Conflicts")
        self.resize(980, 560)
        self.conflicts: list[ConflictLike] = []
        self.loaded = False
        self.confirm_box = None

        self.list = a11y.named(QListWidget(self), "Open conflicts")
        self.list.setObjectName("conflictList")
        self.list.setWordWrap(True)
        self.list.setSpacing(4)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._show_current)
        self.empty = QLabel("No conflicts: every change on this computer is settled.", self)
        self.empty.setObjectName("conflictsEmpty")
        self.message = QLabel(self)
        self.message.setObjectName("conflictMessage")
        self.message.setWordWrap(True)
        self.who = QLabel(self)
        self.who.setObjectName("conflictWho")
        self.fields = a11y.table(QTableWidget(0, 3, self), "Mine and theirs, field by field")
        self.fields.setObjectName("conflictFields")
        self.fields.setHorizontalHeaderLabels(
            ["Field", "Mine (this computer): tick to keep", "Theirs (server)"]
        )
        self.fields.setStyleSheet(_TICKS)
        self.fields.verticalHeader().hide()
        self.fields.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.fields.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for choice, text in CHOICE_BUTTONS.items():
            button = QPushButton(text, self)
            button.setObjectName(f"choice_{choice}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, c=choice: self.choose(c))
            self.buttons[choice] = button
            actions.addWidget(button)
        actions.addStretch(1)

        detail = QWidget(self)
        column = QVBoxLayout(detail)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.message)
        column.addWidget(self.who)
        column.addWidget(self.fields, 1)
        column.addLayout(actions)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.list)
        split.addWidget(detail)
        split.setSizes([340, 640])
        split.setChildrenCollapsible(False)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        layout.addWidget(close)
        self.detail = detail
        self.refresh()

    # --- reading ------------------------------------------------------------------------

    def refresh(self) -> None:
        self.loaded = False
        ReadOp(self.ctx, lambda session: list(self.load(session)), parent=self).success(
            self._fill
        ).failure(lambda error: self._failed(error)).run()

    def _fill(self, conflicts: list[ConflictLike]) -> None:
        row = max(0, self.list.currentRow())
        self.conflicts = conflicts
        self.list.clear()
        for conflict in conflicts:
            item = QListWidgetItem(self._list_text(conflict), self.list)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, self._list_text(conflict))
        self.empty.setVisible(not conflicts)
        self.detail.setEnabled(bool(conflicts))
        if conflicts:
            self.list.setCurrentRow(min(row, len(conflicts) - 1))
        else:
            self._show_current(-1)
        self.loaded = True

    def _list_text(self, conflict: ConflictLike) -> str:
        kind = KIND_WORDS.get(conflict.kind, enum_label(conflict.kind.upper()))
        return f"{kind}: {record_name(conflict)}\n{self._who_words(conflict)}"

    def _who_words(self, conflict: ConflictLike) -> str:
        who = conflict.their_person or "someone"
        when = self.ctx.formatter.datetime(conflict.their_at) if conflict.their_at else ""
        return f"On the server: {who}" + (f", {when}" if when else "")

    @property
    def current(self) -> ConflictLike | None:
        row = self.list.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show_current(self, _row: int) -> None:
        conflict = self.current
        self.message.setText(conflict.message if conflict else "")
        self.who.setText(self._who_words(conflict) if conflict else "")
        self._fill_fields(conflict)
        for choice, button in self.buttons.items():
            button.setVisible(conflict is not None and choice in conflict.choices)

    def _fill_fields(self, conflict: ConflictLike | None) -> None:
        mine = dict(conflict.mine or {}) if conflict else {}
        theirs = dict(conflict.theirs or {}) if conflict else {}
        names = [k for k in dict.fromkeys([*mine, *theirs]) if k not in HIDDEN_FIELDS]
        tickable = conflict is not None and "fields" in conflict.choices
        self.fields.setRowCount(len(names))
        for row, name in enumerate(names):
            label = QTableWidgetItem(field_words(name))
            label.setData(Qt.ItemDataRole.UserRole, name)
            self.fields.setItem(row, 0, label)
            differs = mine.get(name) != theirs.get(name)
            for column, values in ((MINE, mine), (THEIRS, theirs)):
                item = QTableWidgetItem(self._value_words(name, values.get(name)))
                font = item.font()
                font.setBold(differs)  # the fields in conflict stand out
                item.setFont(font)
                self.fields.setItem(row, column, item)
            if tickable:
                mine_item = self.fields.item(row, MINE)
                mine_item.setFlags(mine_item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                mine_item.setCheckState(Qt.CheckState.Unchecked)
                mine_item.setToolTip("Tick to keep this computer's value")

    def _value_words(self, field: str, value: object) -> str:
        if value is None or value == "":
            return "—"
        if field in MONEY_FIELDS:
            try:
                return self.ctx.formatter.money(Decimal(str(value)))
            except (InvalidOperation, ValueError):
                pass
        return str(value)

    def ticked_fields(self) -> list[str]:
        return [
            self.fields.item(row, 0).data(Qt.ItemDataRole.UserRole)
            for row in range(self.fields.rowCount())
            if self.fields.item(row, MINE).checkState() == Qt.CheckState.Checked
        ]

    # --- choosing -----------------------------------------------------------------------

    def choose(self, choice: str) -> None:
        """Resolve the selected conflict with ``choice`` (asking first where it must)."""
        conflict = self.current
        if conflict is None or choice not in conflict.choices:
            return
        fields = self.ticked_fields() if choice == "fields" else []
        question = self._question(conflict, choice)
        if question is None:
            self._resolve(conflict, choice, fields)
            return
        yes = "Record it there" if choice == "record_elsewhere" else "Discard"
        ask(self, "Conflicts", question, yes, lambda: self._resolve(conflict, choice, fields))

    def _question(self, conflict: ConflictLike, choice: str) -> str | None:
        amount = money_of(conflict)
        money = self.ctx.formatter.money(amount) if amount is not None else ""
        name = record_name(conflict)
        if choice == "record_elsewhere":
            return (
                f"Record the payment of {money} from {name} on the next open installment "
                "of the same plan instead?"
            )
        if choice == "discard" and money:
            return (
                f"Discard the payment of {money} from {name} recorded on this computer? "
                "It will not be recorded anywhere (the conflict keeps a trace of it)."
            )
        if choice == "discard":
            return f"Discard your change to {name}? The server's version stays."
        return None

    def _resolve(self, conflict: ConflictLike, choice: str, fields: Sequence[str]) -> None:
        resolve, conflict_id = self.resolve, conflict.id
        for button in self.buttons.values():
            button.setEnabled(False)
        WriteOp(
            self.ctx,
            lambda session: resolve(session, conflict_id, choice, tuple(fields), None),
            parent=self,
        ).success(lambda _r: self._resolved(choice)).failure(self._failed).run()

    def _resolved(self, choice: str) -> None:
        for button in self.buttons.values():
            button.setEnabled(True)
        self.resolved.emit(choice)
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        for button in self.buttons.values():
            button.setEnabled(True)
        show_toast(self, str(error), failed=True)
