"""The application's widget style: Fusion, with the sort arrow people expect.

Qt's header views ask the style for a *down* arrow when a column is sorted ascending
(``QStyleOptionHeader.SortDown``), so an A→Z or oldest-first column shows ▼ and a
newest-first one ▲: the opposite of spreadsheets and file managers, and of what our users
read as "smallest first". The style sheet rules of :func:`sort_arrow_rules` draw ▲ for the
ascending order and ▼ for the descending one.

They are style sheet rules, not a Python subclass of the style: a style written in Python
is called from C++ for every frame, panel and focus rectangle the window draws (4,500 calls
to open a tab), each one waiting its turn for the interpreter while workers read pages.
"""

from __future__ import annotations

from PySide6.QtWidgets import QStyle, QStyleFactory

from portal_desktop.package_data import resource


def portal_style() -> QStyle:
    """Fusion: the same look on every desktop."""
    style = QStyleFactory.create("Fusion")
    if style is None:  # Fusion is built into Qt; this would be a broken installation
        raise RuntimeError("Qt's Fusion style is missing: reinstall Portal")
    return style


def sort_arrow_rules() -> str:
    """Style sheet rules: ▲ on a column sorted smallest first, ▼ on one sorted largest first
    (the style sheet's ``up-arrow`` is the ascending order's indicator: tests/views/
    test_app_style.py looks at the pixels)."""
    ascending = resource("sort-ascending.svg").as_posix()
    descending = resource("sort-descending.svg").as_posix()
    return (
        f'QHeaderView::up-arrow {{ image: url("{ascending}"); width: 9px; height: 6px; '
        "subcontrol-origin: padding; subcontrol-position: center right; right: 4px; }\n"
        f'QHeaderView::down-arrow {{ image: url("{descending}"); width: 9px; height: 6px; '
        "subcontrol-origin: padding; subcontrol-position: center right; right: 4px; }\n"
    )
