"""What the call dialogs share: team member pickers, errors shown at their field, writes
run in a worker."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_desktop.errors import PortalError, ValidationError
from portal_desktop.models import TeamMember
from portal_desktop.views.tab_context import TabContext
from portal_desktop.views.workers import QueryOp

ERROR_STYLE = "color: #c62828;"
NOTICE_STYLE = "color: #8a5a00;"

Member = tuple[uuid.UUID, str, bool]  # id, name, active


def load_members(session: Session) -> list[Member]:
    """Every team member by name (inactive ones too: old calls name them)."""
    rows = session.execute(
        select(TeamMember.id, TeamMember.name, TeamMember.active).order_by(TeamMember.name)
    )
    return [(row.id, row.name, bool(row.active)) for row in rows]


def fill_members(
    combo: QComboBox,
    members: list[Member],
    *,
    none_text: str | None = None,
    selected: uuid.UUID | None = None,
    active_only: bool = True,
) -> None:
    """Team members in a combo box, the id as item data; ``none_text`` adds an empty choice."""
    combo.clear()
    if none_text is not None:
        combo.addItem(none_text, None)
    for member_id, name, active in members:
        if active or not active_only or member_id == selected:
            combo.addItem(name if active else f"{name} (inactive)", member_id)
    select_data(combo, selected)


def index_of(combo: QComboBox, data: object) -> int:
    """The row holding ``data`` (findData cannot compare Python objects such as UUIDs)."""
    return next((i for i in range(combo.count()) if combo.itemData(i) == data), -1)


def select_data(combo: QComboBox, data: object) -> None:
    index = index_of(combo, data)
    if index >= 0:
        combo.setCurrentIndex(index)


def error_text(error: BaseException) -> str:
    """What to tell the user about a failed write."""
    if isinstance(error, ValidationError):
        return f"{error.field.replace('_', ' ').capitalize()}: {error.problem}"
    if isinstance(error, PortalError):
        return str(error)
    return f"Something went wrong and nothing was saved ({type(error).__name__}: {error})."


class FieldErrors:
    """A red label under each field; a ValidationError is shown under the field it names."""

    def __init__(self, general: QLabel) -> None:
        self._labels: dict[str, QLabel] = {}
        self.general = general
        general.setStyleSheet(ERROR_STYLE)
        general.setWordWrap(True)
        general.hide()

    def label_for(self, parent: QWidget, *fields: str) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(f"error_{fields[0]}")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        for name in fields:
            self._labels[name] = label
        return label

    def clear(self) -> None:
        for label in {*self._labels.values(), self.general}:
            label.clear()
            label.hide()

    def show(self, error: BaseException) -> str | None:
        """Show ``error`` at its field (or at the bottom); returns the field it went to."""
        label = self._labels.get(error.field) if isinstance(error, ValidationError) else None
        if label is not None and isinstance(error, ValidationError):
            label.setText(error.problem[:1].upper() + error.problem[1:])
            label.show()
            return error.field
        self.general.setText(error_text(error))
        self.general.show()
        return None

    def shown(self) -> dict[str, str]:
        """Field → message currently shown (for tests and screenshots)."""
        texts = {name: label.text() for name, label in self._labels.items() if label.text()}
        if self.general.text():
            texts[""] = self.general.text()
        return texts


def run_write(
    ctx: TabContext,
    owner: QWidget,
    work: Callable[[Session], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
) -> QueryOp[Any]:
    """Run ``work(session)`` on a pool thread; the callbacks run on the UI thread."""
    return QueryOp(ctx.sessions, work, parent=owner).success(on_done).failure(on_failed).run()


def to_aware(naive: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """A wall-clock time from a date/time editor, in ``tz`` (None: this machine's zone), to
    the minute the editor shows."""
    naive = naive.replace(second=0, microsecond=0)
    return naive.astimezone() if tz is None else naive.replace(tzinfo=tz)


def to_wall_clock(when: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """An aware time as the naive wall-clock time a date/time editor shows."""
    return when.astimezone(tz).replace(tzinfo=None)
