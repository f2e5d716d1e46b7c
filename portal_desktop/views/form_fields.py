"""Small input widgets the forms share: a whole-number count and a choice among an enum."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from PySide6.QtWidgets import QComboBox, QSpinBox, QWidget

from portal_desktop.views.formatting import enum_label

MAX_COUNT = 2_000_000_000


def count_box(parent: QWidget, name: str, value: int = 0, maximum: int = MAX_COUNT) -> QSpinBox:
    """A count from 0 to ``maximum``, shown with thousands separators."""
    box = QSpinBox(parent)
    box.setObjectName(name)
    box.setRange(0, maximum)
    box.setGroupSeparatorShown(True)
    box.setValue(value)
    return box


def enum_combo(parent: QWidget, name: str, words: Iterable[Enum]) -> QComboBox:
    """A choice among ``words``, each shown in words, its data the enum member."""
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for word in words:
        combo.addItem(enum_label(word.value), word)
    return combo
