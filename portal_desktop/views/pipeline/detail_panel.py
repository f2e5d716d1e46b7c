"""The panel beside the leads list: one lead's contact, attribution, calls and actions."""

from __future__ import annotations

import importlib
import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop.db import pipeline_queries
from portal_desktop.db.pipeline_queries import CallEntry
from portal_desktop.services.common.context import Permission
from portal_desktop.services.common.phone import phone_text
from portal_desktop.views import a11y
from portal_desktop.views.formatting import enum_label
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.workers import OpGeneration

# Where the Sales-calls screen's dialogs live: the package first, then their own modules.
CALLS_MODULES = {
    "ScheduleCallDialog": (
        "portal_desktop.views.calls",
        "portal_desktop.views.calls.schedule_call_dialog",
        "portal_desktop.views.calls.schedule_dialog",
    ),
    "CloseDealWizard": (
        "portal_desktop.views.calls",
        "portal_desktop.views.calls.close_deal_wizard",
    ),
}
NOT_YET = "{what} comes with the Sales-calls screen."
PANEL_STYLE = """
QLabel#leadName { font-size: 16px; font-weight: 600; }
"""
CONTACT_FIELDS = (("email", "Email"), ("phone", "Phone"), ("owner_name", "Owner"))
ATTRIBUTION_FIELDS = (("source", "Source"), ("campaign", "Campaign"), ("medium", "Medium"))


def call_line(call: CallEntry, when: str) -> str:
    """One call of the timeline, on two lines: the panel is narrow and nothing is elided."""
    outcome = enum_label(call.outcome) if call.outcome else "Pending"
    offer = "offer made · " if call.offer_made else ""
    return f"{when} · {outcome}\n{offer}{call.host} · {call.duration_minutes} min"


def load_calls_class(name: str) -> type | None:
    """A dialog of the Sales-calls screen, imported at click time (None until it exists)."""
    for module_name in CALLS_MODULES[name]:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        found = getattr(module, name, None)
        if isinstance(found, type):
            return found
    return None


class LeadDetailPanel(QWidget):
    """Shows the lead given to :meth:`show_lead`; its buttons ask the tab to act."""

    loaded = Signal()
    edit_requested = Signal(object)
    status_requested = Signal(object)

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadDetail")
        self.setStyleSheet(PANEL_STYLE)
        self.setMinimumWidth(300)
        self.ctx = ctx
        self.lead_id: uuid.UUID | None = None
        self.detail: dict[str, Any] | None = None
        self._generation = OpGeneration()

        self.name = QLabel("Select a lead", self)
        self.name.setObjectName("leadName")
        self.name.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setObjectName("leadStatus")
        self.status.setWordWrap(True)
        self.values: dict[str, QLabel] = {}
        contact = self._group("Contact", CONTACT_FIELDS)
        attribution = self._group("Attribution", ATTRIBUTION_FIELDS)
        timeline = QGroupBox("Sales calls", self)
        self.calls = a11y.named(QListWidget(timeline), "Sales calls of the lead")
        self.calls.setObjectName("callTimeline")
        self.calls.setWordWrap(True)  # a long host name wraps rather than scroll sideways
        self.calls.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.calls.setSpacing(2)
        self.calls.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        QVBoxLayout(timeline).addWidget(self.calls)

        self.message = QLabel(self)
        self.message.setObjectName("panelMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        can = ctx.actor.can
        editable = can(Permission.EDIT_LEADS)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        actions = (
            ("edit", "Edit…", self._edit, editable),
            ("status", "Change status…", self._status, editable),
            (
                "schedule",
                "Schedule a call…",
                self.schedule_call,
                ctx.actor.can(Permission.EDIT_CALLS),
            ),
            (
                "close",
                "Close the deal…",
                self.close_deal,
                ctx.actor.can(Permission.EDIT_ENROLLMENTS),
            ),
            ("student", "Open its student", self.open_student, True),
        )
        for number, (key, text, handler, allowed) in enumerate(actions):
            button = QPushButton(text, self)
            button.setObjectName(f"{key}Button")
            button.clicked.connect(handler)
            button.setVisible(allowed)
            self.buttons[key] = button
            grid.addWidget(button, number // 2, number % 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 12, 12, 8)
        layout.addWidget(self.name)
        layout.addWidget(self.status)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addWidget(contact)
        layout.addWidget(attribution)
        layout.addWidget(timeline, 1)
        self._update_buttons()

    def _group(self, title: str, fields: tuple[tuple[str, str], ...]) -> QGroupBox:
        box = QGroupBox(title, self)
        form = QFormLayout(box)
        for key, label in fields:
            value = QLabel(box)
            value.setObjectName(key)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(label, value)
        return box

    # --- loading -----------------------------------------------------------------------

    def show_lead(self, lead_id: uuid.UUID | None) -> None:
        """Read the lead in a worker and show it (None: clear the panel)."""
        self.lead_id = lead_id
        self.message.hide()
        ticket = self._generation.next()
        if lead_id is None:
            self._fill(None)
            return

        def read(session: Session) -> dict[str, Any] | None:
            return pipeline_queries.lead_detail(session, lead_id)

        ReadOp(self.ctx, read, parent=self).success(
            lambda detail: self._loaded(ticket, detail)
        ).failure(lambda exc: self._loaded(ticket, None, str(exc))).run()

    def reload(self) -> None:
        self.show_lead(self.lead_id)

    def _loaded(self, ticket: int, detail: dict[str, Any] | None, problem: str = "") -> None:
        if not self._generation.is_current(ticket):
            return
        self._fill(detail)
        if detail is None and self.lead_id is not None:
            self._say(problem or "This lead no longer exists; it may have been deleted.")
        self.loaded.emit()

    def _fill(self, detail: dict[str, Any] | None) -> None:
        self.detail = detail
        fmt = self.ctx.formatter
        if detail is None:
            self.name.setText("Select a lead")
            self.status.setText("")
            for label in self.values.values():
                label.setText("")
            self.calls.clear()
            self._update_buttons()
            return
        name = f"{detail['first_name']} {detail['last_name']}".strip()
        self.name.setText(name or detail["email"] or detail["phone"] or "(no name)")
        status = enum_label(str(detail["status"]))
        if detail["student_id"] is not None:
            status += " · converted to a student"
        if detail["lost_reason"]:
            status += f" · lost: {detail['lost_reason']}"
        self.status.setText(f"{status} · created {fmt.datetime(detail['created_at'])}")
        for key, label in self.values.items():
            shown = phone_text(detail[key]) if key == "phone" else detail.get(key)
            label.setText(str(shown or "—"))
        self.calls.clear()
        for call in detail["calls"]:
            self.calls.addItem(call_line(call, fmt.datetime(call.scheduled_at)))
        if not detail["calls"]:
            self.calls.addItem("No sales calls yet")
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_lead = self.detail is not None
        converted = self.detail is not None and self.detail["student_id"] is not None
        for button in self.buttons.values():
            button.setEnabled(has_lead)
        self.buttons["student"].setEnabled(converted)
        self.buttons["close"].setEnabled(has_lead and not converted)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    # --- actions -----------------------------------------------------------------------

    def _edit(self) -> None:
        if self.lead_id is not None:
            self.edit_requested.emit(self.lead_id)

    def _status(self) -> None:
        if self.lead_id is not None:
            self.status_requested.emit(self.lead_id)

    def schedule_call(self) -> None:
        self._open_calls_dialog("ScheduleCallDialog", "Scheduling a call")

    def close_deal(self) -> None:
        self._open_calls_dialog("CloseDealWizard", "Closing the deal")

    def _open_calls_dialog(self, class_name: str, what: str) -> None:
        if self.lead_id is None:
            return
        dialog_class = load_calls_class(class_name)
        if dialog_class is None:
            self._say(NOT_YET.format(what=what))
            return
        dialog = dialog_class(self.ctx, lead_id=self.lead_id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_student(self) -> None:
        if self.detail is not None and self.detail["student_id"] is not None:
            self.ctx.bus.show_records("enrollments", {"student_id": self.detail["student_id"]})
