"""What every part of the generator shares: the RNG, the time line, keys and reference data."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from portal_desktop.models.enums import AdPlatform, CampaignStatus
from portal_desktop.services.seeding.clock import Window
from portal_desktop.services.seeding.randomness import IdMaker


def money(cents: int) -> Decimal:
    """An exact amount with two places from a whole number of cents."""
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True)
class Member:
    """A team member as the generator needs it; ``index`` addresses the tallies."""

    id: uuid.UUID
    index: int
    name: str


@dataclass(frozen=True)
class ProgramInfo:
    id: uuid.UUID
    name: str
    price_cents: int
    weeks: int


@dataclass(frozen=True)
class Campaign:
    """An ad campaign; it runs on days ``[first_day, stop_day)`` of the window."""

    id: uuid.UUID
    index: int
    platform: AdPlatform
    name: str
    status: CampaignStatus
    first_day: int
    stop_day: int
    cost_per_lead_cents: int
    cpm_cents: int
    click_rate: float


@dataclass(frozen=True)
class Reference:
    """The fixed-size records the scaled ones point at."""

    closers: tuple[Member, ...]
    setters: tuple[Member, ...]
    dm_setter: Member
    programs: tuple[ProgramInfo, ...]
    campaigns: tuple[Campaign, ...]

    @property
    def members(self) -> tuple[Member, ...]:
        return (*self.closers, *self.setters, self.dm_setter)


@dataclass
class World:
    """One seeding run's shared state. All randomness comes from ``rng``, in a fixed order."""

    rng: random.Random
    window: Window
    leads: int
    ids: IdMaker = field(init=False)

    def __post_init__(self) -> None:
        self.ids = IdMaker(self.rng)

    def below(self, n: int) -> int:
        """A whole number in ``[0, n)``."""
        return int(self.rng.random() * n)
