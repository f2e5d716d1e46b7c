"""Filter chips with counts above a list: status, source, owner, date range…

One row of checkable chips per :class:`~portal_desktop.db.query_spec.ChipGroup` of the
spec. The counts come from the model (``request_chip_counts``: one GROUP BY statement in a
worker); this widget only shows them and says which chips are on (``chips_changed(dict)``,
the dict ``QueryTableModel.set_chips`` takes). Within a group chips are ORed; groups are
ANDed. A group shows its most frequent values first, at most ``MAX_CHIPS``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from portal_desktop.db.query_spec import DATE_RANGES, NONE_VALUE, ChipGroup, ChipKind
from portal_desktop.views.badges import badge_colors, is_dark
from portal_desktop.views.formatting import enum_label

MAX_CHIPS = 8


def chip_label(group: ChipGroup, value: Any) -> str:
    if group.kind is ChipKind.DATE_RANGE:
        return DATE_RANGES[str(value)][0]
    if value is None or value == NONE_VALUE:
        return f"No {group.title.lower()}"
    return enum_label(str(value)) if group.is_enum else str(value)


class FilterChips(QWidget):
    """Rows of chips; emits ``chips_changed({group key: [values]})`` when one is toggled."""

    chips_changed = Signal(object)

    def __init__(self, groups: tuple[ChipGroup, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterChips")
        self.groups = groups
        self._chosen: dict[str, list[Any]] = {group.key: [] for group in groups}
        self._buttons: dict[str, dict[Any, QToolButton]] = {group.key: {} for group in groups}
        self._rows: dict[str, QHBoxLayout] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for group in groups:
            row = QHBoxLayout()
            row.setSpacing(4)
            title = QLabel(f"{group.title}:", self)
            title.setMinimumWidth(title.fontMetrics().horizontalAdvance("Created:") + 8)
            row.addWidget(title)
            row.addStretch(1)
            layout.addLayout(row)
            self._rows[group.key] = row
        self.setVisible(bool(groups))

    # --- what the user chose -------------------------------------------------------------

    @property
    def chosen(self) -> dict[str, list[Any]]:
        return {key: list(values) for key, values in self._chosen.items() if values}

    def set_chosen(self, chosen: dict[str, Any], *, announce: bool = False) -> None:
        """Turn on exactly these chips (e.g. from the bus's open_list filters)."""
        for key in self._chosen:
            values = chosen.get(key) or []
            self._chosen[key] = list(values if isinstance(values, list | tuple) else [values])
        for key, buttons in self._buttons.items():
            for value, button in buttons.items():
                button.blockSignals(True)
                button.setChecked(value in self._chosen[key])
                button.blockSignals(False)
        if announce:
            self.chips_changed.emit(self.chosen)

    def button(self, key: str, value: Any) -> QToolButton | None:
        return self._buttons[key].get(value)

    # --- counts from the model -----------------------------------------------------------

    def show_counts(self, counts: dict[str, dict[Any, int]]) -> None:
        """Rebuild the chips from the latest counts (chosen chips stay, even at zero)."""
        for group in self.groups:
            found = dict(counts.get(group.key, {}))
            if group.kind is ChipKind.DATE_RANGE:
                values = [key for key in DATE_RANGES if key in found]
            else:
                if None in found:
                    found[NONE_VALUE] = found.pop(None)
                values = sorted(found, key=lambda v: (-found[v], str(v)))[:MAX_CHIPS]
            values += [v for v in self._chosen[group.key] if v not in values]
            self._fill(group, values, found)

    def _fill(self, group: ChipGroup, values: list[Any], counts: dict[Any, int]) -> None:
        row = self._rows[group.key]
        buttons = self._buttons[group.key]
        for button in buttons.values():
            row.removeWidget(button)
            button.deleteLater()
        buttons.clear()
        for position, value in enumerate(values, start=1):
            button = QToolButton(self)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setObjectName(f"chip_{group.key}")
            button.setProperty("chipValue", value)
            button.setText(f"{chip_label(group, value)}  {counts.get(value, 0):,}")
            button.setChecked(value in self._chosen[group.key])
            button.setStyleSheet(self._style(group, value))
            button.toggled.connect(
                lambda on, key=group.key, value=value: self._toggled(key, value, on)
            )
            row.insertWidget(position, button)
            button.show()  # at once: the layout would only show it on the next event loop
            buttons[value] = button

    def _style(self, group: ChipGroup, value: Any) -> str:
        dark = is_dark(self.palette())
        if group.is_enum and value != NONE_VALUE:
            fill, ink = badge_colors(str(value), dark)
        else:
            fill, ink = badge_colors("", dark)  # neutral grey
        border = self.palette().color(self.palette().ColorRole.Highlight).name()
        return (
            f"QToolButton {{ background: {fill.name()}; color: {ink.name()}; "
            "border: 1px solid transparent; border-radius: 10px; padding: 2px 10px; }"
            f"QToolButton:checked {{ border: 2px solid {border}; font-weight: bold; }}"
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """A theme change: the chips take the new theme's badge colours."""
        if event.type() == QEvent.Type.PaletteChange:
            for group in self.groups:
                for value, button in self._buttons[group.key].items():
                    button.setStyleSheet(self._style(group, value))
        super().changeEvent(event)

    def _toggled(self, key: str, value: Any, on: bool) -> None:
        chosen = self._chosen[key]
        if on and value not in chosen:
            chosen.append(value)
        elif not on and value in chosen:
            chosen.remove(value)
        self.chips_changed.emit(self.chosen)
