"""How the Marketing tab is laid out: the range and campaign buttons over the campaigns
table; below, a page each for the selected campaign's days and the email broadcasts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.views.entity_tab import EntityTab

if TYPE_CHECKING:
    from portal_desktop.views.marketing.tab import MarketingTab


def lay_out(tab: MarketingTab) -> None:
    """Place the tab's widgets; sets ``tab.pages`` (the days and broadcasts pages)."""
    bar = QHBoxLayout()
    bar.setContentsMargins(12, 10, 12, 0)
    bar.setSpacing(6)
    bar.addWidget(tab.range)
    bar.addStretch(1)
    bar.addWidget(tab.new_campaign_button)
    bar.addWidget(tab.edit_campaign_button)
    top = QWidget(tab)
    top_layout = QVBoxLayout(top)
    top_layout.setContentsMargins(0, 0, 0, 0)
    top_layout.addLayout(bar)
    inner = QVBoxLayout()
    inner.setContentsMargins(12, 0, 12, 0)
    inner.addWidget(tab.campaigns, 1)
    inner.addWidget(tab.message)
    top_layout.addLayout(inner, 1)

    tab.pages = QTabWidget(tab)
    tab.pages.setObjectName("marketingPages")
    tab.pages.setDocumentMode(True)
    tab.pages.addTab(
        _page(tab, tab.days, tab.days_title, tab.add_day_button, tab.edit_day_button),
        "Daily performance",
    )
    broadcasts_title = QLabel("Newsletters and their engagement", tab)
    buttons = (tab.new_broadcast_button, tab.edit_broadcast_button)
    tab.pages.addTab(_page(tab, tab.broadcasts, broadcasts_title, *buttons), "Email broadcasts")
    splitter = QSplitter(Qt.Orientation.Vertical, tab)
    splitter.setObjectName("marketingSplitter")
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(top)
    splitter.addWidget(tab.pages)
    splitter.setStretchFactor(0, 1)
    splitter.setStretchFactor(1, 1)
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)


def _page(parent: QWidget, table: EntityTab, title: QLabel, *buttons: QPushButton) -> QWidget:
    """A list under a title line with its buttons on the right."""
    page = QWidget(parent)
    bar = QHBoxLayout()
    bar.setContentsMargins(12, 8, 12, 0)
    bar.addWidget(title, 1)
    for button in buttons:
        bar.addWidget(button)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addLayout(bar)
    layout.addWidget(table, 1)
    return page
