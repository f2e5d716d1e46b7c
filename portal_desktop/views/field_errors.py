"""Errors shown where the user can fix them: under the field a ValidationError names, or in
words at the bottom of the form (in the theme's error tone)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from portal_desktop.errors import PortalError, ValidationError
from portal_desktop.views.theme import ERROR, set_tone


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
        set_tone(general, ERROR)
        general.setWordWrap(True)
        general.hide()

    def label_for(self, parent: QWidget, *fields: str) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(f"error_{fields[0]}")
        set_tone(label, ERROR)
        label.setWordWrap(True)
        label.hide()
        for name in fields:
            self._labels[name] = label
        return label

    def label(self, field: str) -> QLabel | None:
        """The label errors on ``field`` go to (None: they go to the bottom)."""
        return self._labels.get(field)

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
