"""The date box the tabs' date-range filters share ("today" is portal_desktop.clock.today)."""

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
