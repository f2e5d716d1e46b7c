"""Leads and what happened to them: sales calls, and students for the deals won.

Each lead's story is drawn in full (source, calls, outcome, status) before its row is made,
so the lead's status always agrees with its calls. Leads come in time order, slightly more
each month (a growing business), and are generated block by block to keep memory flat.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from portal_desktop.models.enums import AdPlatform, CallOutcome, LeadStatus
from portal_desktop.services.seeding import names
from portal_desktop.services.seeding.billing import Biller
from portal_desktop.services.seeding.clock import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE
from portal_desktop.services.seeding.randomness import Picker
from portal_desktop.services.seeding.tables import Row
from portal_desktop.services.seeding.tallies import Tallies
from portal_desktop.services.seeding.world import Campaign, Member, Reference, World

BLOCK_TABLES = ("leads", "students", "sales_calls", "enrollments", "installments", "payments")

WON = CallOutcome.CLOSED_WON.value
LOST = CallOutcome.CLOSED_LOST.value
NO_SHOW = CallOutcome.NO_SHOW.value
FOLLOW_UP = CallOutcome.FOLLOW_UP.value
RESCHEDULED = CallOutcome.RESCHEDULED.value
CANCELLED = CallOutcome.CANCELLED.value
NOT_QUALIFIED = CallOutcome.NOT_QUALIFIED.value
_NOT_HELD = frozenset({NO_SHOW, RESCHEDULED, CANCELLED})

_NEW = LeadStatus.NEW.value
_CONTACTED = LeadStatus.CONTACTED.value
_QUALIFIED = LeadStatus.QUALIFIED.value
_LOST = LeadStatus.LOST.value

# Outcome odds (percent) of a first call, a rebooked one, a follow-up and an upsell call.
# First calls: show rate 67/89 = 75 %, close rate 17/67 = 25 %, offers (17+24+12*.4)/67 = 68 %.
_FIRST_CALL = ((CANCELLED, 5), (RESCHEDULED, 6), (NO_SHOW, 22), (NOT_QUALIFIED, 14),
               (FOLLOW_UP, 12), (WON, 17), (LOST, 24))  # fmt: skip
_REBOOKED_CALL = ((CANCELLED, 6), (NO_SHOW, 25), (NOT_QUALIFIED, 14), (FOLLOW_UP, 12),
                  (WON, 18), (LOST, 25))  # fmt: skip
_FOLLOW_UP_CALL = ((CANCELLED, 5), (NO_SHOW, 12), (NOT_QUALIFIED, 3), (FOLLOW_UP, 7),
                   (WON, 35), (LOST, 38))  # fmt: skip
_UPSELL_CALL = ((CANCELLED, 5), (NO_SHOW, 8), (NOT_QUALIFIED, 5), (FOLLOW_UP, 12),
                (WON, 30), (LOST, 40))  # fmt: skip
_OFFER_ON_FOLLOW_UP = 0.4
_UPSELL_SHARE = 0.10
_GROWTH = 1.0  # the lead rate on the window's last day is (1 + _GROWTH) times the first day's


@dataclass(frozen=True)
class Source:
    name: str
    weight: int
    platform: AdPlatform | None  # where its paid leads come from
    paid_share: float
    paid_medium: str
    other_medium: str
    booking_rate: float  # share of its leads that book a call
    campaign: str | None = None  # the fixed campaign tag of unpaid leads


SOURCES: tuple[Source, ...] = (
    Source("facebook", 30, AdPlatform.FACEBOOK, 0.95, "paid_social", "organic_social", 0.30),
    Source("instagram", 20, AdPlatform.FACEBOOK, 0.55, "paid_social", "dm", 0.40),
    Source("google", 14, AdPlatform.GOOGLE, 0.90, "cpc", "organic_search", 0.33),
    Source("youtube", 9, AdPlatform.YOUTUBE, 0.80, "video", "organic_video", 0.33),
    Source("organic", 11, None, 0.0, "", "seo", 0.30),
    Source("referral", 8, None, 0.0, "", "referral", 0.55),
    Source("email", 8, None, 0.0, "", "newsletter", 0.40, "weekly-newsletter"),
)
_DM_SOURCE = "instagram"  # its unpaid leads are direct messages, worked by the DM setter
_DM_WITHOUT_EMAIL = 0.3


@dataclass(frozen=True)
class _Person:
    first: str
    last: str
    email: str | None
    phone: str | None


class Funnel:
    """Generates leads ``[start, stop)`` with their calls, students and deals."""

    def __init__(self, world: World, reference: Reference, tallies: Tallies) -> None:
        self._world = world
        self._ref = reference
        self._tallies = tallies
        self._biller = Biller(world, tallies)
        self._sources = Picker(SOURCES, [s.weight for s in SOURCES])
        self._closers = Picker(reference.closers, [40, 35, 25][: len(reference.closers)])
        self._setters = Picker(reference.setters, [55, 45][: len(reference.setters)])
        self._programs = Picker(reference.programs, [45, 35, 20][: len(reference.programs)])
        self._domains = Picker.of(names.EMAIL_DOMAINS)
        self._first_call = Picker.of(_FIRST_CALL)
        self._rebooked_call = Picker.of(_REBOOKED_CALL)
        self._follow_up_call = Picker.of(_FOLLOW_UP_CALL)
        self._upsell_call = Picker.of(_UPSELL_CALL)
        self._active = {
            platform: [
                tuple(c for c in reference.campaigns if c.platform is platform
                      and c.first_day <= day < c.stop_day)
                for day in range(world.window.days)
            ]
            for platform in AdPlatform
        }  # fmt: skip

    def block(self, start: int, stop: int) -> dict[str, list[Row]]:
        """The rows of leads ``start`` to ``stop - 1`` and everything that follows from them."""
        out: dict[str, list[Row]] = {table: [] for table in BLOCK_TABLES}
        for number in range(start, stop):
            self._lead(out, number)
        return out

    # -- one lead ------------------------------------------------------------------------------

    def _lead(self, out: dict[str, list[Row]], number: int) -> None:
        world, rng, window = self._world, self._world.rng, self._world.window
        lead_us = self._lead_time(number)
        lead_day = window.day_of(lead_us)
        source = self._sources.pick(rng)
        campaign: Campaign | None = None
        if source.platform is not None and rng.random() < source.paid_share:
            active = self._active[source.platform][lead_day]
            if active:
                campaign = active[world.below(len(active))]
                self._tallies.campaign_leads[campaign.index][lead_day] += 1
        is_dm = source.name == _DM_SOURCE and campaign is None
        person = self._person(number, no_email=is_dm and rng.random() < _DM_WITHOUT_EMAIL)
        lead_id = world.ids(lead_us)

        setter = self._ref.dm_setter if is_dm else self._setter()
        status, reason, owner, changed_us = _NEW, None, None, lead_us
        booked_us = self._booking_time(lead_us) if rng.random() < source.booking_rate else None
        if booked_us is not None and booked_us < window.today_us:
            story = self._calls(out, lead_id, setter, booked_us)
            status, reason = self._status_after(story.outcome, story.nurtured)
            owner = setter or story.host
            changed_us = story.changed_us
            if story.outcome == WON:
                if person.email is None:
                    person = self._person(number, no_email=False, like=person)
                contract = self._convert(out, lead_id, person, story, setter)
                if campaign is not None:
                    self._tallies.campaign_revenue_cents[campaign.index][lead_day] += contract
        elif window.today_us - lead_us > 3 * US_PER_DAY:
            status, reason, owner, changed_us = self._worked_without_call(lead_us, setter, is_dm)

        if campaign is not None:
            tag, medium, campaign_id = campaign.name, source.paid_medium, campaign.id
        else:
            tag, medium, campaign_id = source.campaign, source.other_medium, None
        out["leads"].append(
            (lead_id, person.first, person.last, person.email, person.phone, source.name, tag,
             medium, status, reason, campaign_id, owner.id if owner else None,
             window.datetime(lead_us), window.datetime(changed_us), 1)
        )  # fmt: skip

    def _lead_time(self, number: int) -> int:
        """Spread over the window in order, denser towards today (inverse CDF of a ramp)."""
        window = self._world.window
        u = (number + self._world.rng.random()) / self._world.leads
        a = _GROWTH
        t = (math.sqrt(1 + 2 * a * (1 + a / 2) * u) - 1) / a
        return window.start_us + int(t * window.days * US_PER_DAY)

    def _person(self, number: int, *, no_email: bool, like: _Person | None = None) -> _Person:
        """A name, a unique email (the lead number is in it) and maybe a phone."""
        world = self._world
        if like is None:
            first = names.FIRST_NAMES[world.below(len(names.FIRST_NAMES))]
            last = names.LAST_NAMES[world.below(len(names.LAST_NAMES))]
            phone = None
            if world.rng.random() < 0.85:
                area = names.AREA_CODES[world.below(len(names.AREA_CODES))]
                phone = f"+1{area}{200 + world.below(800)}{world.below(10_000):04d}"  # stored shape
        else:
            first, last, phone = like.first, like.last, like.phone
        email = None
        if not no_email:
            style = world.below(4)
            if style == 0:
                local = f"{first}.{last}"
            elif style == 1:
                local = f"{first}{last}"
            elif style == 2:
                local = f"{first[0]}{last}"
            else:
                local = f"{first}_{last}"
            email = f"{local.lower()}{number + 1}@{self._domains.pick(world.rng)}"
        return _Person(first, last, email, phone)

    def _setter(self) -> Member | None:
        """Who booked the call: a setter, or nobody when the lead used the calendar link."""
        return self._setters.pick(self._world.rng) if self._world.rng.random() < 0.8 else None

    def _booking_time(self, lead_us: int) -> int:
        """A moment in business hours (13:00 to 22:00 UTC) on a working day after the lead."""
        world = self._world
        window = world.window
        day = window.next_workday(window.day_of(lead_us) + world.below(3))
        booked = window.day_start_us(day) + 13 * US_PER_HOUR + world.below(9 * US_PER_HOUR)
        if booked <= lead_us:
            day = window.next_workday(day + 1)
            booked = window.day_start_us(day) + 13 * US_PER_HOUR + world.below(9 * US_PER_HOUR)
        return booked

    def _slot(self, after_us: int, min_days: int, extra_days: int) -> int:
        """A call slot on a working day, 14:00 to 21:30 UTC, some days after ``after_us``."""
        world = self._world
        window = world.window
        day = window.next_workday(window.day_of(after_us) + min_days + world.below(extra_days))
        return window.day_start_us(day) + 14 * US_PER_HOUR + world.below(16) * 30 * US_PER_MINUTE

    def _worked_without_call(
        self, lead_us: int, setter: Member | None, is_dm: bool
    ) -> tuple[str, str | None, Member | None, int]:
        world = self._world
        roll = world.rng.random()
        changed = lead_us + (1 + world.below(5)) * US_PER_DAY
        owner = setter or (self._ref.dm_setter if is_dm else self._setters.pick(world.rng))
        if roll < 0.2:
            return _NEW, None, None, lead_us
        if roll < 0.65:
            return _CONTACTED, None, owner, changed
        reasons = names.LOST_REASONS_NO_CALL
        return _LOST, reasons[world.below(len(reasons))], owner, changed

    def _status_after(self, outcome: str | None, nurtured: bool) -> tuple[str, str | None]:
        """The lead's status once its last call is over (or still to come)."""
        rng = self._world.rng
        if outcome is None:
            return (_QUALIFIED if nurtured else _CONTACTED), None
        if outcome in (WON, FOLLOW_UP):
            return _QUALIFIED, None
        if outcome == LOST:
            if rng.random() < 0.3:
                return _QUALIFIED, None  # kept in the nurture sequence
            reasons = names.LOST_REASONS_AFTER_OFFER
            return _LOST, reasons[self._world.below(len(reasons))]
        if outcome == NOT_QUALIFIED:
            return _LOST, names.LOST_REASON_NOT_QUALIFIED
        if outcome == NO_SHOW:
            return (_LOST, names.LOST_REASON_NO_SHOW) if rng.random() < 0.5 else (_CONTACTED, None)
        if outcome == CANCELLED and rng.random() < 0.4:
            return _LOST, names.LOST_REASON_CANCELLED
        return _CONTACTED, None

    # -- calls ---------------------------------------------------------------------------------

    def _calls(
        self, out: dict[str, list[Row]], lead_id: uuid.UUID, setter: Member | None, booked_us: int
    ) -> _Story:
        """The first call and, after a reschedule or a follow-up, up to two more."""
        window = self._world.window
        host = self._closers.pick(self._world.rng)
        if setter is not None:
            self._tallies.booked[setter.index][window.day_of(booked_us)] += 1
        created, scheduled, duration = booked_us, self._slot(booked_us, 1, 6), 45
        odds, nurtured = self._first_call, False
        for attempt in range(3):
            call_id, outcome = self._call(
                out, lead_id, None, host, setter, created, scheduled, duration, odds
            )
            last = attempt == 2
            if outcome == RESCHEDULED and not last:
                hours_before = (2 + self._world.below(20)) * US_PER_HOUR
                created = max(scheduled - hours_before, created + US_PER_MINUTE)
                scheduled, odds = self._slot(scheduled, 2, 5), self._rebooked_call
            elif outcome == FOLLOW_UP and not last:
                nurtured = True
                created = scheduled + duration * US_PER_MINUTE
                self._tallies.booked[host.index][window.day_of(scheduled)] += 1
                scheduled, odds, duration = self._slot(scheduled, 2, 8), self._follow_up_call, 30
            else:
                break
        changed = scheduled + duration * US_PER_MINUTE if outcome is not None else created
        return _Story(outcome, call_id, host, changed, nurtured)

    def _call(
        self,
        out: dict[str, list[Row]],
        lead_id: uuid.UUID | None,
        student_id: uuid.UUID | None,
        host: Member,
        setter: Member | None,
        created_us: int,
        scheduled_us: int,
        duration: int,
        odds: Picker[str],
    ) -> tuple[uuid.UUID, str | None]:
        """One call row; a call after today has no outcome yet."""
        world, rng, window = self._world, self._world.rng, self._world.window
        outcome = odds.pick(rng) if scheduled_us < window.today_us else None
        offer = outcome in (WON, LOST) or (
            outcome == FOLLOW_UP and rng.random() < _OFFER_ON_FOLLOW_UP
        )
        call_id = world.ids(created_us)
        notes = None
        if outcome is not None and outcome not in _NOT_HELD:
            if rng.random() < 0.2:
                notes = names.CALL_NOTES[world.below(len(names.CALL_NOTES))]
            day = window.day_of(scheduled_us)
            tallies, m = self._tallies, host.index
            tallies.dials[m][day] += 1
            tallies.conversations[m][day] += 1
            tallies.offers[m][day] += offer
            tallies.closes[m][day] += outcome == WON
        elif outcome == NO_SHOW:
            self._tallies.dials[host.index][window.day_of(scheduled_us)] += 1
        url = f"https://zoom.us/j/{8_000_000_000 + world.below(1_999_999_999)}"
        changed = scheduled_us + duration * US_PER_MINUTE if outcome is not None else created_us
        out["sales_calls"].append(
            (call_id, lead_id, student_id, host.id, setter.id if setter else None,
             window.datetime(scheduled_us), duration, outcome, offer, url, notes,
             window.datetime(created_us), window.datetime(changed), 1)
        )  # fmt: skip
        return call_id, outcome

    # -- deals ---------------------------------------------------------------------------------

    def _convert(
        self,
        out: dict[str, list[Row]],
        lead_id: uuid.UUID,
        person: _Person,
        story: _Story,
        setter: Member | None,
    ) -> int:
        """The lead becomes a student with an enrollment; maybe an upsell call later."""
        world, window = self._world, self._world.window
        closed_us = story.changed_us
        student_id = world.ids(closed_us)
        at = window.datetime(closed_us)
        out["students"].append(
            (student_id, person.first, person.last, person.email, person.phone, lead_id, at, at, 1)
        )
        program = self._programs.pick(world.rng)
        contract = self._biller.enroll(
            out, student_id=student_id, program=program, closed_us=closed_us, closer=story.host,
            setter=setter, call_id=story.call_id,
        )  # fmt: skip
        if world.rng.random() < _UPSELL_SHARE:
            self._upsell(out, student_id, program.price_cents, closed_us, story.host)
        return contract

    def _upsell(
        self,
        out: dict[str, list[Row]],
        student_id: uuid.UUID,
        price_cents: int,
        closed_us: int,
        host: Member,
    ) -> None:
        """A call with the student about a bigger program, one to three months in."""
        world = self._world
        bigger = [p for p in self._ref.programs if p.price_cents > price_cents]
        if not bigger:
            return
        scheduled = self._slot(closed_us, 30, 60)
        created = scheduled - (2 + world.below(6)) * US_PER_DAY
        if created >= world.window.today_us:
            return
        call_id, outcome = self._call(
            out, None, student_id, host, None, created, scheduled, 30, self._upsell_call
        )
        if outcome == WON:
            self._biller.enroll(
                out, student_id=student_id, program=bigger[world.below(len(bigger))],
                closed_us=scheduled + 30 * US_PER_MINUTE, closer=host, setter=None,
                call_id=call_id,
            )  # fmt: skip


@dataclass(frozen=True)
class _Story:
    """How a lead's calls ended: the last call's outcome (None: still to come)."""

    outcome: str | None
    call_id: uuid.UUID
    host: Member
    changed_us: int  # when the lead last changed: the end of its last held call, or booking
    nurtured: bool  # had a follow-up
