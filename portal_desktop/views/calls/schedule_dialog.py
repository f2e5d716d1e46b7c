"""Book a sales call: host, optional setter, date and time (calendar pop-up), duration.

``ScheduleCallDialog(ctx, lead_id=…)`` or ``student_id=…`` (an upsell call); with neither,
a finder looks up leads and students by the start of a name or email. The team and the
attendee's name are read off the UI thread (the form says "Loading…" until then). "Book"
first asks :func:`~portal_desktop.services.sales.calls.schedule_call` in a transaction that is
rolled back (a read op), to learn the service's overlap warnings without writing anything;
when there are some, they are shown and the button becomes "Book anyway". Then the call is
booked for real (a write op).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDateTime, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.calls_queries import Attendee, find_attendees
from portal_desktop.db.team_queries import Member, load_members
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.sales.call_facts import attendee_name
from portal_desktop.services.sales.calls import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    schedule_call,
)
from portal_desktop.views import a11y
from portal_desktop.views.form_dialog import LOADING, FormDialog
from portal_desktop.views.member_picker import fill_members
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.theme import NOTICE, set_tone
from portal_desktop.views.wall_clock import to_aware, to_wall_clock
from portal_desktop.views.workers import OpGeneration

DEFAULT_DURATION = 45
FINDER_DEBOUNCE_MS = 250
BOOK, BOOK_ANYWAY = "Book the call", "Book anyway"


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


def next_slot(now: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """The next whole hour from now, as wall-clock time."""
    local = to_wall_clock(now, tz)
    return local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)


class ScheduleCallDialog(FormDialog):
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
        super().__init__(
            ctx, "Schedule a sales call", parent, save_text=BOOK, name="scheduleCallDialog"
        )
        self.lead_id = lead_id
        self.student_id = student_id
        self.warnings: list[str] = []
        self.checking = False  # the overlap rehearsal is running
        self._confirmed_booking: dict[str, Any] | None = None
        self.book_button = self.save_button
        self.book_button.setObjectName("bookButton")

        self.finder = QLineEdit(self)
        self.finder.setObjectName("finder")
        self.finder.setPlaceholderText("Type the start of a name or an email…")
        self.attendee = QComboBox(self)
        self.attendee.setObjectName("attendee")
        a11y.search_box(self.finder, self.attendee, "Find a lead or student")
        self.attendee.setPlaceholderText("No match yet")
        self.who = QLabel(LOADING, self)
        self.who.setObjectName("attendeeName")
        if self.finding:
            self.add_field("Find", self.finder)
            self.add_field("With", self.attendee, "lead_id", "student_id", required=True)
        else:
            self.finder.hide()
            self.attendee.hide()
            self.add_field("With", self.who, "lead_id", "student_id")
        self.host = QComboBox(self)
        self.host.setObjectName("host")
        self.add_field("Host", self.host, "host_id", required=True)
        self.setter = QComboBox(self)
        self.setter.setObjectName("setter")
        self.add_field("Setter", self.setter, "setter_id")
        self.when = QDateTimeEdit(self)
        self.when.setObjectName("when")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setDateTime(QDateTime(next_slot(clock.now(), ctx.formatter.tz)))
        self.add_field("When", self.when, "scheduled_at", required=True)
        self.duration = QSpinBox(self)
        self.duration.setObjectName("duration")
        self.duration.setRange(MIN_DURATION_MINUTES, MAX_DURATION_MINUTES)
        self.duration.setSingleStep(15)
        self.duration.setSuffix(" min")
        self.duration.setValue(DEFAULT_DURATION)
        self.add_field("Duration", self.duration, "duration_minutes")
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(70)
        self.add_field("Notes", self.notes, "notes")
        self.warning_label = QLabel(self)
        self.warning_label.setObjectName("overlapWarnings")
        set_tone(self.warning_label, NOTICE)
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()
        box = self.layout()
        box.insertWidget(box.indexOf(self.hint), self.warning_label)  # type: ignore[attr-defined]

        self._finds = OpGeneration()
        self._find_timer = QTimer(self)
        self._find_timer.setSingleShot(True)
        self._find_timer.setInterval(FINDER_DEBOUNCE_MS)
        self._find_timer.timeout.connect(self.find)
        self.finder.textChanged.connect(self._find_timer.start)
        for signal in (
            self.host.currentIndexChanged,
            self.setter.currentIndexChanged,
            self.when.dateTimeChanged,
            self.duration.valueChanged,
            self.attendee.currentIndexChanged,
        ):
            signal.connect(self._forget_confirmation)
        self.watch(self.attendee.currentIndexChanged, self.host.currentIndexChanged)
        self.saved.connect(self._booked)
        self.resize(440, self.sizeHint().height())
        self.start_loading()

    @property
    def finding(self) -> bool:
        """Whether the dialog looks the attendee up (nobody was given)."""
        return self.lead_id is None and self.student_id is None

    # -- loading and finding --------------------------------------------------------------
    def load(self, session: Session) -> tuple[str | None, list[Member]]:
        who = None if self.finding else attendee_name(session, self.lead_id, self.student_id)
        return who, load_members(session)

    def loaded(self, data: tuple[str | None, list[Member]]) -> None:
        who, members = data
        self.who.setText(f"<b>{who}</b>" if who else "")
        fill_members(self.host, members, selected=self.ctx.actor.team_member_id)
        fill_members(self.setter, members, none_text="(no setter)")

    def find(self) -> None:
        """Look up leads and students matching the finder's text (off the UI thread)."""
        self._find_timer.stop()
        ticket, text = self._finds.next(), self.finder.text()
        ReadOp(self.ctx, lambda session: find_attendees(session, text), parent=self).success(
            lambda found: self._found(ticket, found)
        ).failure(self.errors.show).run()

    def _found(self, ticket: int, found: list[Attendee]) -> None:
        if not self._finds.is_current(ticket):
            return
        self.attendee.clear()
        for attendee in found:
            self.attendee.addItem(attendee.label, attendee)
        if found:
            self.attendee.setCurrentIndex(0)  # with a placeholder, Qt leaves none chosen

    # -- the form -------------------------------------------------------------------------
    def _who(self) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        if not self.finding:
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

    def problem(self) -> str | None:
        if self.finding and self._who() == (None, None):
            return "Find the lead or student the call is with: type the start of a name."
        if self.host.currentData() is None:
            return "Choose who hosts the call."
        return None

    def _forget_confirmation(self) -> None:
        """A changed time or host needs a new check for overlaps."""
        self._confirmed_booking = None
        self.warning_label.hide()
        self.book_button.setText(BOOK)

    # -- booking --------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return super().ready and not self.checking

    def update_state(self, *_: object) -> None:
        super().update_state()
        if self.checking:
            self.save_button.setEnabled(False)

    def save(self) -> None:
        """Check for overlaps first (nothing written); book once they were seen."""
        if self.checking or not self.ready or self.load_failed or self.problem() is not None:
            return
        booking = self.booking()
        if booking == self._confirmed_booking:
            super().save()
            return
        self.errors.clear()
        self.checking = True
        self.update_state()
        ReadOp(self.ctx, lambda session: overlap_warnings(session, booking), parent=self).success(
            lambda warnings: self._checked(booking, warnings)
        ).failure(self._check_failed).run()

    def _checked(self, booking: dict[str, Any], warnings: list[str]) -> None:
        self.checking = False
        self._confirmed_booking = booking
        if not warnings:
            super().save()
            return
        self.warnings = warnings
        self.warning_label.setText(
            "\N{WARNING SIGN} " + "\n\N{WARNING SIGN} ".join(warnings) + "\nBook it anyway?"
        )
        self.warning_label.show()
        self.book_button.setText(BOOK_ANYWAY)
        self.update_state()

    def _check_failed(self, error: BaseException) -> None:
        self.checking = False
        self._failed(error)  # shown at its field, as a refused save is

    def work(self) -> Callable[[Session], tuple[uuid.UUID, list[str]]]:
        booking = self.booking()

        def book(session: Session) -> tuple[uuid.UUID, list[str]]:
            result = schedule_call(session, **booking)
            return result.call.id, list(result.warnings)

        return book

    def _booked(self, outcome: tuple[uuid.UUID, list[str]]) -> None:
        call_id, self.warnings = outcome
        self.booked.emit(call_id)
