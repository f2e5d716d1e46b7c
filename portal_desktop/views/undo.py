"""Undo (Ctrl+Z, or the toast's "Undo") for the window's last undoable change.

A screen that saved a change a service can take back (``services.sales.lead_undo``: a lead's
status or details) calls :func:`offer_undo` with an :class:`Undo`: the window's toast says
what was done, with "Undo", and Edit → Undo (Ctrl+Z) takes it back — one level, the last
change. The reversal is one service call run as a WriteOp (which announces what changed);
when the service refuses (the record changed since), the toast says why and nothing is
written. Which changes are undoable and why the others are not: ``services.sales.lead_undo``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from portal_desktop.views.field_errors import error_text
from portal_desktop.views.ops import WriteOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.toast import show_toast

NAME = "undoSlot"
NOTHING = "Nothing to undo"


@dataclass(frozen=True)
class Undo:
    done: str  # the toast after the change: "Jane Doe: Contacted → Qualified."
    what: str  # the menu's "Undo …": "status of Jane Doe"
    write: Callable[[Session], Any]  # the service call taking it back
    undone: str  # the toast after undoing: "Jane Doe is Contacted again."


class UndoSlot(QObject):
    """The window's last undoable change (one level)."""

    changed = Signal()

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName(NAME)
        self.window = window
        self.last: tuple[TabContext, Undo] | None = None
        self.running = False

    @property
    def text(self) -> str:
        return f"Undo {self.last[1].what}" if self.last else NOTHING

    def offer(self, ctx: TabContext, undo: Undo) -> None:
        self.last = (ctx, undo)
        self.changed.emit()

    def undo(self) -> None:
        if self.last is None or self.running:
            return
        (ctx, undo), self.last = self.last, None
        self.running = True
        self.changed.emit()
        WriteOp(ctx, undo.write, parent=self).success(
            lambda _result: self._over(undo.undone, failed=False)
        ).failure(lambda error: self._over(f"Nothing was undone: {error_text(error)}", True)).run()

    def _over(self, message: str, failed: bool) -> None:
        self.running = False
        self.changed.emit()
        show_toast(self.window, message, failed=failed)


def undo_slot_of(widget: QWidget) -> UndoSlot:
    """The window's undo slot (made on first use)."""
    window = widget.window()
    found = window.findChild(UndoSlot, NAME)
    return found if isinstance(found, UndoSlot) else UndoSlot(window)


def offer_undo(widget: QWidget, ctx: TabContext, undo: Undo) -> None:
    """Remember ``undo`` as the window's last change and say what was done, with "Undo"."""
    slot = undo_slot_of(widget)
    slot.offer(ctx, undo)
    show_toast(widget, undo.done, action=("Undo", slot.undo))
