"""What a list with no rows says: what it holds and the first thing to do.

Drawn over the table's viewport by :class:`~portal_desktop.views.list_view.ListView` once
the list is counted and has no rows. An empty list says what its rows are and offers the
first action: "New lead" asks the nearest screen holding the list for ``new_record()`` (the
window's Ctrl+N hook), "Import…" triggers the window's File → Import. A list that is empty
because of a search or filters says so and offers to clear the search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QLabel, QPushButton, QVBoxLayout, QWidget

from portal_desktop.views.table_model import QueryTableModel


@dataclass(frozen=True)
class EmptyText:
    """What an empty list says: a title, a line on what it holds, its first actions."""

    title: str
    holds: str
    new: str = ""  # the "new" button's text; empty: none
    can_import: bool = False


TEXTS: dict[str, EmptyText] = {
    "pipeline": EmptyText(
        "No leads yet",
        "Leads are the people who may buy a program. Add one by hand, or import a CSV "
        "from your forms or ad platforms.",
        "New lead",
        can_import=True,
    ),
    "sales_calls": EmptyText(
        "No sales calls here",
        "Calls booked with leads and students, with their outcomes.",
        "Book a call",
    ),
    "enrollments": EmptyText(
        "No enrollments yet",
        "An enrollment is a closed deal: record a won sales call to close one.",
    ),
    "payment_schedules": EmptyText(
        "No installments here",
        "The installments of every enrollment's payment plan: close a deal to see its schedule.",
    ),
    "team": EmptyText(
        "No team members yet",
        "Closers and setters: add them to credit calls and deals to the right people.",
        "New team member",
    ),
    "ad_performance": EmptyText(
        "No ad results yet",
        "Daily spend, clicks and leads per campaign: import an ad platform's CSV export.",
        can_import=True,
    ),
    "email_broadcasts": EmptyText(
        "No email broadcasts yet", "Broadcasts with their recipients, opens and clicks."
    ),
    "users": EmptyText("No users", "The people who may sign in, with their roles."),
    "programs": EmptyText("No programs yet", "The programs you sell, with their prices."),
    "audit_trail": EmptyText(
        "No changes recorded", "Every change anyone makes is listed here, newest first."
    ),
}


def text_for(name: str, plural: str) -> EmptyText:
    return TEXTS.get(name) or EmptyText(f"No {plural} yet", f"The {plural} will be listed here.")


def _holder_of(widget: QObject, method: str) -> Callable[[], None] | None:
    """The nearest ancestor's ``method`` (None when none has it or it may not be used)."""
    parent = widget.parent()
    while parent is not None:
        found = getattr(parent, method, None)
        if callable(found):
            return None if getattr(parent, "editable", True) is False else found
        parent = parent.parent()
    return None


class EmptyState(QWidget):
    """The message over an empty table (see the module docstring)."""

    def __init__(self, view: QAbstractItemView, model: QueryTableModel) -> None:
        super().__init__(view.viewport())
        self.setObjectName("emptyState")
        self.view, self.model = view, model
        self.text = text_for(model.spec.name, model.spec.plural)
        self.title = QLabel(self)
        self.title.setObjectName("emptyTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.holds = QLabel(self)
        self.holds.setObjectName("emptyText")
        self.holds.setWordWrap(True)
        self.new_button = QPushButton(self.text.new or "New", self)
        self.new_button.setObjectName("emptyNew")
        self.new_button.clicked.connect(self._new)
        self.import_button = QPushButton("Import…", self)
        self.import_button.setObjectName("emptyImport")
        self.import_button.clicked.connect(self._import)
        self.clear_button = QPushButton("Clear the search", self)
        self.clear_button.setObjectName("emptyClear")
        self.clear_button.clicked.connect(self._clear)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (self.title, self.holds):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(widget)
        for button in (self.new_button, self.import_button, self.clear_button):
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        for signal in (model.modelReset, model.refreshed, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.update_state)
        self.hide()

    def filtered(self) -> bool:
        query = self.model.rows.query
        return bool(query.search or query.filters or query.chip_filters)

    def update_state(self, *_: object) -> None:
        """Shown when the list is counted and has no rows; says why."""
        empty = self.model.counted and self.model.rowCount() == 0
        if not empty:
            self.hide()
            return
        searched = bool(self.model.search_text)
        if self.filtered():
            self.title.setText(f"No {self.model.spec.plural} match")
            self.holds.setText(
                f"Nothing matches “{self.model.search_text}”."
                if searched and not self.model.rows.query.filters
                else "Nothing matches the search or the filters chosen above."
            )
        else:
            self.title.setText(self.text.title)
            self.holds.setText(self.text.holds)
        plain = not self.filtered()
        self.new_button.setVisible(plain and bool(self.text.new) and self._new_hook() is not None)
        self.import_button.setVisible(
            plain and self.text.can_import and self._import_action() is not None
        )
        self.clear_button.setVisible(searched and self._search_box() is not None)
        self.setGeometry(self.view.viewport().rect())
        self.show()
        self.raise_()

    def _new_hook(self) -> Callable[[], None] | None:
        return _holder_of(self.view, "new_record")

    def _import_action(self) -> QAction | None:
        action = getattr(self.view.window(), "import_action", None)
        return action if isinstance(action, QAction) and action.isEnabled() else None

    def _search_box(self) -> QWidget | None:
        box = getattr(self.view.parent(), "search", None)
        return box if isinstance(box, QWidget) else None

    def _new(self) -> None:
        if (hook := self._new_hook()) is not None:
            hook()

    def _import(self) -> None:
        if (action := self._import_action()) is not None:
            action.trigger()

    def _clear(self) -> None:
        box = self._search_box()
        clear = getattr(box, "clear", None)
        apply = getattr(self.view.parent(), "apply_search", None)
        if callable(clear) and callable(apply):
            clear()
            apply()
