"""The Marketing tab: ad campaigns with their ROAS, daily ad numbers, email broadcasts."""

from portal_desktop.views.marketing.tab import MarketingTab

__all__ = ["MarketingTab"]
