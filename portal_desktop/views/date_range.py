"""The date box every screen and form uses ("today" is portal_desktop.clock.today)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget

NO_DATE = QDate(2000, 1, 1)  # an optional date box at this date reads as "none"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def date_edit(
    parent: QWidget,
    name: str,
    day: dt.date | None,
    *,
    latest: dt.date | None = None,
    optional: bool = False,
) -> QDateEdit:
    """A ``yyyy-MM-dd`` date box with a calendar pop-up, named ``name``, showing ``day``.

    ``latest``: no day after it can be chosen. ``optional``: the box can say "None" (shown
    at :data:`NO_DATE`; ``day`` None shows it), read back as None by :func:`date_of`.
    """
    edit = QDateEdit(parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if optional:
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("None")
    if latest is not None:
        edit.setMaximumDate(_qdate(latest))
    edit.setDate(NO_DATE if day is None else _qdate(day))
    return edit


def date_of(edit: QDateEdit) -> dt.date | None:
    """The day shown, None for an optional box showing "None"."""
    if edit.specialValueText() and edit.date() == NO_DATE:
        return None
    return edit.date().toPython()  # type: ignore[no-any-return]
