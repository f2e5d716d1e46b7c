"""Per-day counters filled while leads are generated, turned into per-day rows at the end.

Daily metrics and ad performance are written after every lead, so that what team members
report and what the ad platforms claim agree with the calls, deals and leads really seeded.
"""

from __future__ import annotations

# Cash paid on a weekend is reported on the next Monday, up to a week past the window.
_PAST_THE_WINDOW = 7


def _grid(rows: int, days: int) -> list[list[int]]:
    return [[0] * days for _ in range(rows)]


class Tallies:
    """Counters indexed ``[member.index][day]`` and ``[campaign.index][day]``.

    ``days`` is the window's length; the grids hold a week more.
    """

    def __init__(self, members: int, campaigns: int, days: int) -> None:
        span = days + _PAST_THE_WINDOW
        self.dials = _grid(members, span)  # call attempts (closers: calls that were due)
        self.conversations = _grid(members, span)  # held calls
        self.booked = _grid(members, span)  # calls booked (setters; closers: follow-ups)
        self.offers = _grid(members, span)
        self.closes = _grid(members, span)
        self.cash_cents = _grid(members, span)  # received on deals the member closed
        self.campaign_leads = _grid(campaigns, span)
        self.campaign_revenue_cents = _grid(campaigns, span)  # contracts the platform claims
