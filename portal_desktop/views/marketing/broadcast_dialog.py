"""Record or correct an email broadcast (MARKETING, ADMIN): subject, when it went out, and
its recipients, opens, clicks and unsubscribes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QCheckBox, QDateTimeEdit, QLineEdit, QPlainTextEdit, QWidget
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.services.marketing.campaigns import create_broadcast, update_broadcast
from portal_desktop.views.form_dialog import FormDialog
from portal_desktop.views.form_fields import count_box
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.wall_clock import to_aware, to_wall_clock

COUNTS = ("recipients", "opens", "clicks", "unsubscribes")


class BroadcastDialog(FormDialog):
    """``BroadcastDialog(ctx, values=None)``: ``values`` (db.marketing_queries.
    broadcast_values) edits that broadcast; None records a new one. ``saved``: its id."""

    def __init__(
        self, ctx: TabContext, values: dict[str, Any] | None = None, parent: QWidget | None = None
    ) -> None:
        editing = values is not None
        title = "Edit broadcast" if editing else "New broadcast"
        super().__init__(ctx, title, parent, name="broadcastDialog")
        self.values = values or {}
        get = self.values.get
        tz = ctx.formatter.tz
        self.subject = QLineEdit(get("subject", ""), self)
        self.subject.setObjectName("subject")
        self.subject.setPlaceholderText("The email's subject line")
        self.was_sent = QCheckBox("Sent", self)
        self.was_sent.setObjectName("wasSent")
        sent_at = get("sent_at")
        self.was_sent.setChecked(sent_at is not None or not editing)
        self.sent_at = QDateTimeEdit(self)
        self.sent_at.setObjectName("sentAt")
        self.sent_at.setCalendarPopup(True)
        self.sent_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        moment = sent_at or clock.now()
        self.sent_at.setDateTime(QDateTime(to_wall_clock(moment, tz)))
        self.counts = {name: count_box(self, name, get(name, 0)) for name in COUNTS}
        self.notes = QPlainTextEdit(get("notes") or "", self)
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(70)

        self.add_field("Subject", self.subject, "subject", required=True)
        self.add_field("", self.was_sent)
        self.add_field("Sent at", self.sent_at, "sent_at")
        for name, box in self.counts.items():
            self.add_field(name.capitalize(), box, name)
        self.add_field("Notes", self.notes, "notes")
        self.watch(self.subject.textChanged)
        self.was_sent.toggled.connect(self.sent_at.setEnabled)
        self.sent_at.setEnabled(self.was_sent.isChecked())
        self.update_state()

    def problem(self) -> str | None:
        return None if self.subject.text().strip() else "Type the email's subject"

    def work(self) -> Callable[[Session], uuid.UUID]:
        actor = self.ctx.actor
        sent_at = (
            to_aware(self.sent_at.dateTime().toPython(), self.ctx.formatter.tz)
            if self.was_sent.isChecked()
            else None
        )
        fields: dict[str, Any] = {
            "subject": self.subject.text(),
            "sent_at": sent_at,
            "notes": self.notes.toPlainText().strip() or None,
            **{name: box.value() for name, box in self.counts.items()},
        }
        broadcast_id, version = self.values.get("id"), self.values.get("version")

        def run(session: Session) -> uuid.UUID:
            if broadcast_id is None:
                return create_broadcast(session, actor, **fields).id
            return update_broadcast(session, actor, broadcast_id, version, **fields).id

        return run
