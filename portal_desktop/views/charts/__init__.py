"""The Charts tab: the managers' dashboard (cards, six chart sections, exports)."""

from portal_desktop.views.charts.tab import ChartsTab

__all__ = ["ChartsTab"]
