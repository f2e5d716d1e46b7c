"""Team members in a combo box (setter, closer, host, owner pickers) and picking an item by
its data."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QComboBox

from portal_desktop.db.team_queries import Member


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
