"""Per-day counters filled while leads are generated, turned into per-day rows at the end.

Daily metrics and ad performance are written after every lead, so that what team members
report and what the ad platforms claim agree with the calls, deals and leads really seeded.
"""

from __future__ import annotations

from portal_desktop.services.seeding.clock import WINDOW_DAYS

# Cash paid on a weekend is reported on the next Monday, up to a week past the window.
_SPAN = WINDOW_DAYS + 7


def _grid(rows: int, days: int = _SPAN) -> list[list[int]]:
    return [[0] * days for _ in range(rows)]


class Tallies:
    """Counters indexed ``[member.index][day]`` and ``[campaign.index][day]``."""

    def __init__(self, members: int, campaigns: int) -> None:
        self.dials = _grid(members)  # call attempts (closers: calls that were due)
        self.conversations = _grid(members)  # held calls
        self.booked = _grid(members)  # calls booked (setters; closers: follow-ups)
        self.offers = _grid(members)
        self.closes = _grid(members)
        self.cash_cents = _grid(members)  # received on deals the member closed
        self.campaign_leads = _grid(campaigns)
        self.campaign_revenue_cents = _grid(campaigns)  # contracts the platform claims
