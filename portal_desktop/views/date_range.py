"""The pieces of a date-range filter the tabs share: a calendar date box and "today" in the
zone the dates are shown in."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget


def date_edit(parent: QWidget, name: str, day: dt.date) -> QDateEdit:
    """A ``yyyy-MM-dd`` date box with a calendar pop-up, named ``name``, showing ``day``."""
    edit = QDateEdit(parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def local_today(tz: dt.tzinfo | None) -> dt.date:
    """Today's date in ``tz`` (None: this machine's zone)."""
    return dt.datetime.now(dt.UTC).astimezone(tz).date()
