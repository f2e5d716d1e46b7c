"""The small, fixed-size records: team, programs, ad campaigns and the demo users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal_desktop.models.enums import AdPlatform, CampaignStatus, TeamRole, UserRole
from portal_desktop.services.seeding.clock import DAYS_PER_YEAR, US_PER_DAY, US_PER_HOUR
from portal_desktop.services.seeding.tables import Row
from portal_desktop.services.seeding.world import (
    Campaign,
    Member,
    ProgramInfo,
    Reference,
    World,
    money,
)

COMPANY_DOMAIN = "northstar-coaching.example"

# (name, role, commission rate or None for the installation's default)
_TEAM: tuple[tuple[str, TeamRole, str | None], ...] = (
    ("Marcus Reed", TeamRole.CLOSER, "0.1200"),
    ("Sofia Alvarez", TeamRole.CLOSER, None),
    ("Daniel Kim", TeamRole.CLOSER, None),
    ("Hannah Brooks", TeamRole.SETTER, None),
    ("Tyler Morgan", TeamRole.SETTER, None),
    ("Priya Shah", TeamRole.DM_SETTER, "0.0600"),
)

# (name, price in dollars, weeks, description)
_PROGRAMS: tuple[tuple[str, int, int, str], ...] = (
    (
        "Foundations Accelerator",
        3_000,
        8,
        "Eight weeks of group coaching to package an offer and land the first clients.",
    ),
    (
        "Growth Mastermind",
        6_500,
        16,
        "Sixteen weeks of weekly masterminds, funnel reviews and sales-call coaching.",
    ),
    (
        "Elite 1:1 Coaching",
        12_000,
        24,
        "Six months of one-to-one coaching with a senior coach and done-with-you launches.",
    ),
)

# (platform, name, first day, stop day, status, cost per lead $, CPM $, click rate); the days
# are those of a one-year window (_RUNNING: still running today). A window of several years
# stretches them: each campaign keeps its share of the time line.
_RUNNING = DAYS_PER_YEAR
_ACTIVE, _PAUSED, _ARCHIVED = CampaignStatus.ACTIVE, CampaignStatus.PAUSED, CampaignStatus.ARCHIVED
_CAMPAIGNS: tuple[tuple[AdPlatform, str, int, int, CampaignStatus, int, int, float], ...] = (
    (AdPlatform.FACEBOOK, "FB | Webinar Funnel | Cold", 0, _RUNNING, _ACTIVE, 72, 14, 0.011),
    (AdPlatform.FACEBOOK, "FB | Case Studies | Retargeting", 0, _RUNNING, _ACTIVE, 45, 22,
     0.019),
    (AdPlatform.FACEBOOK, "FB | Lead Magnet | Lookalike", 0, 200, _PAUSED, 60, 12, 0.009),
    (AdPlatform.FACEBOOK, "IG | Reels | Broad", 120, _RUNNING, _ACTIVE, 85, 9, 0.008),
    (AdPlatform.GOOGLE, "Google | Search | Brand", 0, _RUNNING, _ACTIVE, 35, 35, 0.062),
    (AdPlatform.GOOGLE, "Google | Search | Coaching Keywords", 60, 300, _ARCHIVED, 120, 48,
     0.041),
    (AdPlatform.YOUTUBE, "YT | Testimonial In-Stream", 30, _RUNNING, _ACTIVE, 95, 11, 0.006),
    (AdPlatform.YOUTUBE, "YT | Free Training Discovery", 200, _RUNNING, _ACTIVE, 78, 10,
     0.007),
)  # fmt: skip

# Share of all leads one running campaign brings in on average (sets its daily budget).
_CAMPAIGN_LEAD_SHARE = 0.09

# (username, full name, role); the SALES user is the first closer.
_USERS: tuple[tuple[str, str, UserRole], ...] = (
    ("admin", "Jordan Blake", UserRole.ADMIN),
    ("sales", _TEAM[0][0], UserRole.SALES),
    ("marketing", "Riley Chen", UserRole.MARKETING),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: UserRole


DEMO_USERS: tuple[DemoUser, ...] = tuple(DemoUser(*user) for user in _USERS)


def _email(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@{COMPANY_DOMAIN}"


def build_reference(world: World, rows: dict[str, list[Row]]) -> Reference:
    """Make the team, programs and campaigns; append their rows to ``rows``."""
    made_us = world.window.start_us - 60 * US_PER_DAY
    members: dict[TeamRole, list[Member]] = {role: [] for role in TeamRole}
    for name, role, rate in _TEAM:
        stamp = made_us + world.below(30 * US_PER_DAY)
        member = Member(world.ids(stamp), sum(map(len, members.values())), name)
        members[role].append(member)
        phone = f"+1646555{1000 + world.below(9000)}"  # stored as the services store it
        rates = None if rate is None else Decimal(rate)
        at = world.window.datetime(stamp)
        rows["team_members"].append(
            (member.id, name, _email(name), phone, role.value, True, rates, at, at, 1)
        )
    programs = []
    for name, dollars, weeks, description in _PROGRAMS:
        stamp = made_us + world.below(30 * US_PER_DAY)
        program = ProgramInfo(world.ids(stamp), name, dollars * 100, weeks)
        programs.append(program)
        at = world.window.datetime(stamp)
        rows["programs"].append(
            (program.id, name, description, money(program.price_cents), weeks, True, at, at, 1)
        )
    return Reference(
        closers=tuple(members[TeamRole.CLOSER]),
        setters=tuple(members[TeamRole.SETTER]),
        dm_setter=members[TeamRole.DM_SETTER][0],
        programs=tuple(programs),
        campaigns=_build_campaigns(world, rows),
    )


def _build_campaigns(world: World, rows: dict[str, list[Row]]) -> tuple[Campaign, ...]:
    window = world.window
    campaigns = []
    leads_per_day = world.leads / window.days
    for index, (platform, name, first, stop, status, cpl, cpm, ctr) in enumerate(_CAMPAIGNS):
        first, stop = first * window.years, stop * window.years
        stamp = window.day_start_us(first) - 2 * US_PER_DAY + 15 * US_PER_HOUR
        campaign = Campaign(
            id=world.ids(stamp),
            index=index,
            platform=platform,
            name=name,
            status=status,
            first_day=first,
            stop_day=stop,
            cost_per_lead_cents=cpl * 100,
            cpm_cents=cpm * 100,
            click_rate=ctr,
        )
        campaigns.append(campaign)
        budget_dollars = max(20, round(leads_per_day * _CAMPAIGN_LEAD_SHARE * cpl, -1))
        ended = window.date(stop - 1) if stop < window.days else None
        updated = stamp if ended is None else window.day_start_us(stop) + 16 * US_PER_HOUR
        external = f"{platform.value[:2]}-{10**9 + world.below(9 * 10**9)}"
        rows["ad_campaigns"].append(
            (campaign.id, platform.value, name, status.value, external, window.date(first), ended,
             money(int(budget_dollars) * 100), window.datetime(stamp), window.datetime(updated),
             1)
        )  # fmt: skip
    return tuple(campaigns)


def build_users(
    world: World, reference: Reference, password_hashes: Sequence[str], rows: dict[str, list[Row]]
) -> None:
    """The demo users, one per role, each with its own salted hash (``password_hashes``, in
    DEMO_USERS' order); the SALES user is linked to the first closer."""
    made_us = world.window.start_us - 45 * US_PER_DAY
    for user, password_hash in zip(DEMO_USERS, password_hashes, strict=True):
        stamp = made_us + world.below(US_PER_DAY)
        member = reference.closers[0].id if user.role is UserRole.SALES else None
        at = world.window.datetime(stamp)
        rows["users"].append(
            (world.ids(stamp), user.username, user.full_name, _email(user.full_name),
             user.role.value, password_hash, True, 0, member, at, at, 1)
        )  # fmt: skip
