"""Ask before a write that cannot be taken back, naming what is at stake.

``ask(parent, title, question, yes_text, then)`` opens a window-modal question (it never
blocks the event loop: ``open()``, not ``exec()``); ``then()`` runs only when it is answered
with the ``yes_text`` button. "Go back" (or Esc) leaves everything as it was. The box is
``parent.confirm_box`` while it is open (tests answer it through it).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

NAME = "confirmation"
GO_BACK = "Go back"


def ask(
    parent: QWidget, title: str, question: str, yes_text: str, then: Callable[[], object]
) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    box.setObjectName(NAME)
    yes: QPushButton = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName("confirmYes")
    box.addButton(GO_BACK, QMessageBox.ButtonRole.RejectRole).setObjectName("confirmNo")
    box.setDefaultButton(yes)
    parent.confirm_box = box  # type: ignore[attr-defined]

    def answered(button: object) -> None:
        parent.confirm_box = None  # type: ignore[attr-defined]
        if button is yes:
            then()

    box.buttonClicked.connect(answered)
    box.open()
    return box
