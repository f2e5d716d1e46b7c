"""Book a sales call: host, optional setter, date and time (calendar pop-up), duration.

``ScheduleCallDialog(ctx, lead_id=…)`` or ``student_id=…`` (an upsell call); with neither,
a finder looks up leads and students by the start of a name or email. "Book" first
asks :func:`~portal_desktop.services.calls.schedule_call` in a transaction that is rolled
back, to learn the service's overlap warnings without writing anything; when there are
some, they are shown and the button becomes "Book anyway". Then the call is booked for real.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QDateTime, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.calls_queries import Attendee, find_attendees
from portal_desktop.db.team_queries import load_members
from portal_desktop.models import Lead, Student
from portal_desktop.services.calls import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    ScheduleResult,
    schedule_call,
)
from portal_desktop.services.leads import lead_label
from portal_desktop.services.transaction import use_case
from portal_desktop.views.field_errors import NOTICE_STYLE, FieldErrors
from portal_desktop.views.member_picker import fill_members
from portal_desktop.views.ops import run_write
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.wall_clock import to_aware, to_wall_clock
from portal_desktop.views.workers import OpGeneration, QueryOp

CHANGED_TABLES = frozenset({"sales_calls", "leads"})
DEFAULT_DURATION = 45
FINDER_DEBOUNCE_MS = 250


class _Rehearsal(Exception):  # noqa: N818 - not an error: carries the rehearsal's warnings
    def __init__(self, warnings: list[str]) -> None:
        super().__init__("rolled back on purpose")
        self.warnings = warnings


@use_case
def _rehearse(session: Session, booking: dict[str, Any]) -> None:
    """Book inside this (outer) use case, then raise: everything is rolled back."""
    result = schedule_call(session, **booking)
    raise _Rehearsal(list(result.warnings))


def overlap_warnings(session: Session, booking: dict[str, Any]) -> list[str]:
    """The warnings ``schedule_call(**booking)`` would give, with nothing written."""
    try:
        _rehearse(session, booking)
    except _Rehearsal as rehearsal:
        return rehearsal.warnings
    raise AssertionError("unreachable")  # pragma: no cover


def attendee_name(session: Session, lead_id: uuid.UUID | None, student_id: uuid.UUID | None) -> str:
    if lead_id is not None:
        lead = session.get(Lead, lead_id)
        return lead_label(lead) if lead else "a lead that no longer exists"
    student = session.get(Student, student_id) if student_id else None
    if student is None:
        return "nobody (choose a lead or a student)"
    return f"{student.first_name} {student.last_name}".strip() or student.email


def next_slot(now: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """The next whole hour from now, as wall-clock time."""
    local = to_wall_clock(now, tz)
    return local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)


class ScheduleCallDialog(QDialog):
    """See the module docstring; ``booked`` carries the new call's id."""

    booked = Signal(object)

    def __init__(
        self,
        ctx: TabContext,
        *,
        lead_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleCallDialog")
        self.setWindowTitle("Schedule a sales call")
        self.ctx = ctx
        self.lead_id = lead_id
        self.student_id = student_id
        self.warnings: list[str] = []
        self._confirmed_booking: dict[str, Any] | None = None
        with ctx.sessions() as session:
            who = attendee_name(session, lead_id, student_id)
            members = load_members(session)

        self.host = QComboBox(self)
        self.host.setObjectName("host")
        fill_members(self.host, members, selected=ctx.actor.team_member_id)
        self.setter = QComboBox(self)
        self.setter.setObjectName("setter")
        fill_members(self.setter, members, none_text="(no setter)")
        self.when = QDateTimeEdit(self)
        self.when.setObjectName("when")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setDateTime(QDateTime(next_slot(clock.now(), ctx.formatter.tz)))
        self.duration = QSpinBox(self)
        self.duration.setObjectName("duration")
        self.duration.setRange(MIN_DURATION_MINUTES, MAX_DURATION_MINUTES)
        self.duration.setSingleStep(15)
        self.duration.setSuffix(" min")
        self.duration.setValue(DEFAULT_DURATION)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(70)
        self.warning_label = QLabel(self)
        self.warning_label.setObjectName("overlapWarnings")
        self.warning_label.setStyleSheet(NOTICE_STYLE)
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()

        self.errors = FieldErrors(QLabel(self))
        form = QFormLayout()
        self.finder = QLineEdit(self)
        self.finder.setObjectName("finder")
        self.finder.setPlaceholderText("Type the start of a name or an email…")
        self.attendee = QComboBox(self)
        self.attendee.setObjectName("attendee")
        self.attendee.setPlaceholderText("No match yet")
        self._finds = OpGeneration()
        self._find_timer = QTimer(self)
        self._find_timer.setSingleShot(True)
        self._find_timer.setInterval(FINDER_DEBOUNCE_MS)
        self._find_timer.timeout.connect(self.find)
        self.finder.textChanged.connect(self._find_timer.start)
        if lead_id is None and student_id is None:
            form.addRow("Find", self.finder)
            form.addRow("With", self.attendee)
        else:
            self.finder.hide()
            self.attendee.hide()
            form.addRow("With", QLabel(f"<b>{who}</b>", self))
        form.addRow("", self.errors.label_for(self, "lead_id", "student_id"))
        form.addRow("Host", self.host)
        form.addRow("", self.errors.label_for(self, "host_id"))
        form.addRow("Setter", self.setter)
        form.addRow("", self.errors.label_for(self, "setter_id"))
        form.addRow("When", self.when)
        form.addRow("", self.errors.label_for(self, "scheduled_at"))
        form.addRow("Duration", self.duration)
        form.addRow("", self.errors.label_for(self, "duration_minutes"))
        form.addRow("Notes", self.notes)
        form.addRow("", self.errors.label_for(self, "notes"))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.book_button = self.buttons.addButton(
            "Book the call", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.book_button.setObjectName("bookButton")
        self.buttons.accepted.connect(self.book)
        self.buttons.rejected.connect(self.reject)
        for signal in (
            self.host.currentIndexChanged,
            self.setter.currentIndexChanged,
            self.when.dateTimeChanged,
            self.duration.valueChanged,
        ):
            signal.connect(self._forget_confirmation)
        self.attendee.currentIndexChanged.connect(self._forget_confirmation)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)
        self.resize(440, self.sizeHint().height())

    def find(self) -> None:
        """Look up leads and students matching the finder's text (in a worker)."""
        self._find_timer.stop()
        ticket, text = self._finds.next(), self.finder.text()
        QueryOp(
            self.ctx.sessions, lambda session: find_attendees(session, text), parent=self
        ).success(lambda found: self._found(ticket, found)).failure(self._failed).run()

    def _found(self, ticket: int, found: list[Attendee]) -> None:
        if not self._finds.is_current(ticket):
            return
        self.attendee.clear()
        for attendee in found:
            self.attendee.addItem(attendee.label, attendee)
        if found:
            self.attendee.setCurrentIndex(0)  # with a placeholder, Qt leaves none chosen

    def _who(self) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        if self.lead_id is not None or self.student_id is not None:
            return self.lead_id, self.student_id
        chosen = self.attendee.currentData()
        if not isinstance(chosen, Attendee):
            return None, None
        return (chosen.id, None) if chosen.kind == "lead" else (None, chosen.id)

    def booking(self) -> dict[str, Any]:
        """The arguments for schedule_call, as typed."""
        lead_id, student_id = self._who()
        return {
            "actor": self.ctx.actor,
            "lead_id": lead_id,
            "student_id": student_id,
            "host_id": self.host.currentData(),
            "setter_id": self.setter.currentData(),
            "scheduled_at": to_aware(self.when.dateTime().toPython(), self.ctx.formatter.tz),
            "duration_minutes": self.duration.value(),
            "notes": self.notes.toPlainText().strip() or None,
        }

    def _forget_confirmation(self) -> None:
        """A changed time or host needs a new check for overlaps."""
        self._confirmed_booking = None
        self.warning_label.hide()
        self.book_button.setText("Book the call")

    def book(self) -> None:
        self.errors.clear()
        self.book_button.setEnabled(False)
        booking = self.booking()
        confirmed = self._confirmed_booking is not None and self._confirmed_booking == booking

        def work(session: Session) -> tuple[str, Any]:
            if not confirmed:
                warnings = overlap_warnings(session, booking)
                if warnings:
                    return "warn", warnings
            result: ScheduleResult = schedule_call(session, **booking)
            return "booked", (result.call.id, list(result.warnings))

        run_write(
            self.ctx, self, work, lambda answer: self._answered(booking, answer), self._failed
        )

    def _answered(self, booking: dict[str, Any], answer: tuple[str, Any]) -> None:
        self.book_button.setEnabled(True)
        kind, value = answer
        if kind == "warn":
            self.warnings = value
            self._confirmed_booking = booking
            self.warning_label.setText(
                "\N{WARNING SIGN} " + "\n\N{WARNING SIGN} ".join(value) + "\nBook it anyway?"
            )
            self.warning_label.show()
            self.book_button.setText("Book anyway")
            return
        call_id, self.warnings = value
        ids = {call_id, *(x for x in self._who() if x is not None)}
        self.ctx.bus.announce(CHANGED_TABLES, ids)
        self.booked.emit(call_id)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.book_button.setEnabled(True)
        self.errors.show(error)
