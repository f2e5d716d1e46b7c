"""Small shared builders for the buttons of the tabs' tool bars."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QWidget


def action_button(
    parent: QWidget, name: str, text: str, slot: Callable[[], object], *, visible: bool = True
) -> QPushButton:
    """A push button named ``name`` (for tests and style sheets) that calls ``slot()`` —
    without the ``checked`` argument ``clicked`` passes — shown only when ``visible`` (a
    role without the right to act does not see it)."""
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.clicked.connect(lambda: slot())
    button.setVisible(visible)
    return button
