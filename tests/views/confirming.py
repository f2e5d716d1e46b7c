"""Answering the question a screen asks before a write that cannot be undone (views.confirm)."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget


def answer(qtbot, owner: QWidget, *, yes: bool = True) -> str:
    """Wait for ``owner``'s open question, answer it, and return its text."""
    qtbot.waitUntil(lambda: getattr(owner, "confirm_box", None) is not None, timeout=5000)
    box = owner.confirm_box
    assert box.isVisible()
    text = box.text()
    box.findChild(QPushButton, "confirmYes" if yes else "confirmNo").click()
    assert owner.confirm_box is None
    return text


def answer_if_asked(owner: QWidget) -> None:
    """Say yes to a question ``owner`` asked, if it asked one."""
    box = getattr(owner, "confirm_box", None)
    if box is not None:
        box.findChild(QPushButton, "confirmYes").click()
