"""The daily rollups stay exact when writers interleave (issue 18).

Writers are plain database sessions, each in a thread of its own, writing raw SQL as another
tool would; reports run between their statements and commits. After every round, once the
writers are done and a report has refreshed the facts, the facts must equal the facts
computed from the records (``rollup_world.computed_facts``) and every KPI of ranges around
the changed days must equal the records' (``kpis_from_records``).

Three scripted interleavings are the parent/child races found by hand (a parent's change
noted only the days its children were on *in its own snapshot*); the randomized rounds run
with a fixed seed in ``make test`` and more of them with ``PORTAL_RACE_ROUNDS`` (``make
faults``). On SQLite a writer waits for the other's commit (one writer at a time), so the
same rounds exercise the serial orders.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, Uuid, bindparam, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import (
    AdCampaign,
    Enrollment,
    Installment,
    Lead,
    Payment,
    SalesCall,
    Student,
    TeamMember,
)
from portal_desktop.models.enums import (
    CallOutcome,
    EnrollmentStatus,
    PaymentMethod,
    PaymentStatus,
)
from portal_desktop.models.types import UTCDateTime
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.reporting.kpis import kpi_report
from tests.services.rollup_world import (
    KPI_FIELDS,
    D,
    World,
    computed_facts,
    day,
    differences,
    kpis_from_records,
    stored_facts,
    utc,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

SETTLE_SECONDS = 0.25  # a statement still running after this is waiting for a lock
ROUNDS = int(os.environ.get("PORTAL_RACE_ROUNDS", "30"))
SEED = int(os.environ.get("PORTAL_RACE_SEED", "18"))
FIRST_DAY = day("2023-10-01")  # the days random writes move things to (far apart, so that
LAST_DAY = day("2024-06-30")  # a rebuild of one does not cover another by chance)


class Writer:
    """A session of its own in a thread of its own: its steps run in order, and the test
    goes on while one waits for a lock another writer holds. A step that fails (a lock
    timeout, a deadlock, a broken constraint) rolls the writer's transaction back and
    skips its later steps, as a careful tool would."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._sessions = sessions
        self._session: Session | None = None
        self._last: Future[None] | None = None
        self.failed: Exception | None = None

    def step(self, work: Callable[[Session], Any]) -> None:
        self._last = self._pool.submit(self._run, work)
        with contextlib.suppress(FutureTimeout):  # blocked by another writer: it goes
            self._last.result(timeout=SETTLE_SECONDS)  # on when that one ends

    def commit(self) -> None:
        self.step(lambda session: session.commit())

    def rollback(self) -> None:
        self.step(lambda session: session.rollback())

    def finish(self) -> None:
        if self._last is not None:
            self._last.result(timeout=30)
        self._pool.submit(self._close).result(timeout=30)
        self._pool.shutdown()

    def _run(self, work: Callable[[Session], Any]) -> None:
        if self.failed is not None:
            return
        if self._session is None:
            self._session = self._sessions()
        try:
            work(self._session)
        except DBAPIError as error:
            self.failed = error
            self._session.rollback()

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()


def sql(statement: str, **values: Any) -> Callable[[Session], None]:
    """A raw SQL write; ids and moments bound with their column types."""
    types = {"id": Uuid(), "ref": Uuid(), "at": UTCDateTime()}
    bound = text(statement).bindparams(
        *(bindparam(name, type_=types[name]) for name in values if name in types)
    )
    return lambda session: session.execute(bound, values)


@pytest.fixture(name="writers")
def writers_fixture(db_url: str, backend: str) -> Iterator[sessionmaker[Session]]:
    """Sessions for writers: on PostgreSQL they give up on a lock after 5 s."""
    options = {}
    if backend == "postgresql":
        options = {"connect_args": {"options": "-c lock_timeout=5000 -c deadlock_timeout=200"}}
    engine: Engine = make_engine(db_url, **options)
    yield session_factory(engine)
    engine.dispose()


def report(sessions: sessionmaker[Session], start: dt.date, end: dt.date) -> None:
    """A report between the writers' steps: it refreshes the facts it reads."""
    with sessions() as session:
        kpi_report(session, SYSTEM, start, end)


def assert_exact(sessions: sessionmaker[Session], days: set[dt.date], case: str) -> None:
    """A report refreshes the facts; they equal the records, and so do the KPIs of each
    changed day, of the days around it and of the whole window."""
    report(sessions, FIRST_DAY, FIRST_DAY)
    with sessions() as session:
        found, expected = stored_facts(session), computed_facts(session)
    assert differences(found, expected) == [], f"{case}: facts != records"
    ranges = {(FIRST_DAY - dt.timedelta(days=40), LAST_DAY + dt.timedelta(days=80))}
    ranges |= {(d, d) for d in days} | {(d - dt.timedelta(days=1), d) for d in days}
    for start, end in sorted(ranges):
        with sessions() as session:
            kpis = kpi_report(session, SYSTEM, start, end)
        with sessions() as session:
            truth = kpis_from_records(session, start, end)
        assert {key: getattr(kpis, key) for key in KPI_FIELDS} == truth, f"{case}: {start}…{end}"


# --- the three races found by hand --------------------------------------------------------


@pytest.fixture(name="pg_only")
def pg_only_fixture(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("two open write transactions at once: PostgreSQL only (SQLite: one writer)")


def _race(
    sessions: sessionmaker[Session],
    writers: sessionmaker[Session],
    child: Callable[[Session], None],
    parent: Callable[[Session], None],
    days: set[dt.date],
) -> None:
    """The child's change, then the parent's (which may wait for it); the child commits; a
    report; the parent commits. Nothing may stay wrong."""
    report(sessions, FIRST_DAY, FIRST_DAY)  # the facts are built before the race
    b, a = Writer(writers), Writer(writers)
    try:
        b.step(child)
        a.step(parent)
        b.commit()
        for d in sorted(days):
            report(sessions, d, d)
        a.commit()
    finally:
        b.finish()
        a.finish()
    assert (a.failed, b.failed) == (None, None)
    assert_exact(sessions, days, "after the race")


Race = tuple[str, str, dict[str, Any], str, dict[str, Any], tuple[str, ...]]
"""A child's SQL and values, its parent's SQL and values, the days to check: ids are the
world's keys (``calls.won``) and are looked up in the test."""

RACES: dict[str, Race] = {
    # issue 18's first case: cost per booked call of the call's new day
    "a call moves while its lead loses its campaign": (
        "UPDATE sales_calls SET scheduled_at = :at WHERE id = :id",
        {"at": utc(2024, 3, 10, 16), "id": "calls.won"},
        "UPDATE leads SET ad_campaign_id = NULL WHERE id = :id",
        {"id": "leads.l1"},
        ("2024-03-02", "2024-03-10"),
    ),
    # the second: attributed cash of the payment's new day
    "a payment moves while its lead changes campaign": (
        "UPDATE payments SET paid_at = :at WHERE id = :id",
        {"at": utc(2024, 3, 14, 17), "id": "payments.p1"},
        "UPDATE leads SET ad_campaign_id = :ref WHERE id = :id",
        {"ref": "search", "id": "leads.l1"},
        ("2024-03-02", "2024-03-14"),
    ),
    # the third: receivables, aging and collection rate of the new due date
    "a due date moves while its enrollment is cancelled": (
        "UPDATE installments SET due_date = :d WHERE id = :id",
        {"d": day("2024-03-12"), "id": "installments.i1b"},
        "UPDATE enrollments SET status = 'CANCELLED' WHERE id = :id",
        {"id": "enrollments.e1"},
        ("2024-03-12", "2024-04-02"),
    ),
}


def _in_world(world: World, values: dict[str, Any]) -> dict[str, Any]:
    """The values with the world's keys (``leads.l1``, ``search``) replaced by their ids."""

    def look_up(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        name, _, key = value.partition(".")
        found = getattr(world, name)
        return found[key] if key else found

    return {name: look_up(value) for name, value in values.items()}


@pytest.mark.parametrize("case", RACES)
def test_a_race_found_by_hand_leaves_nothing_wrong(
    case: str, sessions, writers, pg_only, world: World
) -> None:
    child, child_values, parent, parent_values, days = RACES[case]
    _race(
        sessions,
        writers,
        sql(child, **_in_world(world, child_values)),
        sql(parent, **_in_world(world, parent_values)),
        {day(text_) for text_ in days},
    )


# --- random rounds ------------------------------------------------------------------------


@dataclass
class Ids:
    """What a round may pick from, read before the round."""

    leads: list[uuid.UUID]
    calls: list[uuid.UUID]
    students: list[uuid.UUID]
    enrollments: list[uuid.UUID]
    installments: list[uuid.UUID]
    payments: list[uuid.UUID]
    campaigns: list[uuid.UUID]
    members: list[uuid.UUID]

    @classmethod
    def read(cls, session: Session, rng: random.Random, family: bool) -> Ids:
        """Most rounds write to one family (an enrollment, its student's lead, that lead's
        calls, the enrollment's installments and payments), so that parents and children
        change together; some rounds pick from everything."""

        def ids(entity: Any, *where: Any) -> list[uuid.UUID]:
            return list(session.scalars(select(entity.id).where(*where).order_by(entity.id)))

        everything = cls(
            *(ids(entity) for entity in (Lead, SalesCall, Student, Enrollment, Installment)),
            ids(Payment),
            ids(AdCampaign),
            ids(TeamMember),
        )
        if not family and rng.random() < 0.3:
            return everything
        enrollment = session.get(Enrollment, rng.choice(everything.enrollments))
        assert enrollment is not None
        lead_id = session.get(Student, enrollment.student_id).lead_id  # type: ignore[union-attr]
        leads = [lead_id] if lead_id else everything.leads
        return cls(
            leads,
            ids(SalesCall, SalesCall.lead_id.in_(leads)) or everything.calls,
            [enrollment.student_id],
            [enrollment.id],
            ids(Installment, Installment.enrollment_id == enrollment.id),
            ids(Payment, Payment.enrollment_id == enrollment.id),
            everything.campaigns,
            everything.members,
        )


@dataclass
class RandomWrites:
    """Random raw-SQL writes to the records every fact depends on."""

    rng: random.Random
    ids: Ids
    backend: str
    days: set[dt.date] = field(default_factory=set)

    def moment(self) -> dt.datetime:
        when = self.date()
        return utc(when.year, when.month, when.day, self.rng.randrange(24), 30)

    def date(self) -> dt.date:
        when = FIRST_DAY + dt.timedelta(days=self.rng.randrange((LAST_DAY - FIRST_DAY).days))
        self.days.add(when)
        return when

    def maybe(self, choices: list[uuid.UUID]) -> uuid.UUID | None:
        return self.rng.choice([*choices, None])

    def pick(self, choices: list[Any]) -> Any:
        """One of the choices; a new id (a write that finds no row) when there are none."""
        return self.rng.choice(choices) if choices else uuid.uuid4()

    def one(self, kind: str = "any") -> Callable[[Session], None]:
        """A random write: a ``child`` (a record whose days a parent's change must find), a
        ``parent`` (one whose change moves its children's figures) or ``any``."""
        pick, ids = self.pick, self.ids
        half = "round(amount / 2, 2)" if self.backend == "postgresql" else "amount / 2"
        children: list[Callable[[], Callable[[Session], None]]] = [  # days of their own
            lambda: sql(
                "UPDATE sales_calls SET scheduled_at = :at WHERE id = :id",
                at=self.moment(),
                id=pick(ids.calls),
            ),
            lambda: sql(
                "UPDATE payments SET paid_at = :at WHERE id = :id",
                at=self.moment(),
                id=pick(ids.payments),
            ),
            lambda: sql(
                f"UPDATE payments SET refunded_amount = {half}, refunded_at = :at "
                "WHERE id = :id AND status = 'PAID'",
                at=self.moment(),
                id=pick(ids.payments),
            ),
            lambda: sql(
                "UPDATE payments SET status = 'REFUNDED', refunded_amount = amount, "
                "refunded_at = :at WHERE id = :id AND status = 'PAID'",
                at=self.moment(),
                id=pick(ids.payments),
            ),
            lambda: sql("DELETE FROM payments WHERE id = :id", id=pick(ids.payments)),
            lambda: sql(
                "UPDATE installments SET due_date = :d WHERE id = :id",
                d=self.date(),
                id=pick(ids.installments),
            ),
        ]
        others: list[Callable[[], Callable[[Session], None]]] = [  # no parent's days
            lambda: sql(
                "UPDATE sales_calls SET outcome = :o, offer_made = :f WHERE id = :id",
                o=pick([None, *(o.value for o in CallOutcome)]),
                f=pick([True, False]),
                id=pick(ids.calls),
            ),
            lambda: sql(
                "UPDATE sales_calls SET host_id = :ref WHERE id = :id",
                ref=pick(ids.members),
                id=pick(ids.calls),
            ),
            lambda: sql(
                "UPDATE leads SET created_at = :at WHERE id = :id",
                at=self.moment(),
                id=pick(ids.leads),
            ),
            lambda: sql(
                "UPDATE app_settings SET value = :tz WHERE key = 'time_zone'",
                tz=pick(["America/New_York", "Europe/London", "Asia/Tokyo"]),
            ),
        ]
        parents: list[Callable[[], Callable[[Session], None]]] = [
            lambda: sql(
                "UPDATE leads SET ad_campaign_id = :ref WHERE id = :id",
                ref=self.maybe(ids.campaigns),
                id=pick(ids.leads),
            ),
            lambda: sql(
                "UPDATE students SET lead_id = :ref WHERE id = :id",
                ref=self.maybe(ids.leads),
                id=pick(ids.students),
            ),
            lambda: sql(
                "UPDATE payments SET installment_id = :ref WHERE id = :id",
                ref=self.maybe(ids.installments),
                id=pick(ids.payments),
            ),
            lambda: self.new_payment(),
            lambda: sql(
                "UPDATE enrollments SET status = :s WHERE id = :id",
                s=pick([s.value for s in EnrollmentStatus]),
                id=pick(ids.enrollments),
            ),
            lambda: sql(
                "UPDATE enrollments SET start_date = :d WHERE id = :id",
                d=self.date(),
                id=pick(ids.enrollments),
            ),
            lambda: sql(
                "UPDATE enrollments SET closer_id = :ref WHERE id = :id",
                ref=pick(ids.members),
                id=pick(ids.enrollments),
            ),
        ]
        kinds = {"child": children, "parent": parents, "any": children + parents + others}
        return pick(kinds[kind])()

    def new_payment(self) -> Callable[[Session], None]:
        installment_id = self.maybe(self.ids.installments)
        paid_at = self.moment()

        def insert(session: Session) -> None:
            installment = session.get(Installment, installment_id) if installment_id else None
            enrollment_id = (
                installment.enrollment_id if installment else self.pick(self.ids.enrollments)
            )
            session.add(
                Payment(
                    enrollment_id=enrollment_id,
                    installment_id=installment_id,
                    amount=D("125.00"),
                    status=PaymentStatus.PAID,
                    paid_at=paid_at,
                    method=PaymentMethod.CASH,
                )
            )
            session.flush()

        return insert


Plan = list[tuple[int, Callable[[Session], None] | str]]
"""(writer, step): a write, "commit" or "rollback"."""


def _interleaved(rng: random.Random, writes: RandomWrites, writers: int, serial: bool) -> Plan:
    """Each writer a few random writes then a commit (sometimes a rollback); their steps
    interleaved at random (``serial``: one transaction after the other)."""
    steps: list[list[Callable[[Session], None] | str]] = []
    for _writer in range(writers):
        own: list[Callable[[Session], None] | str] = [
            writes.one() for _ in range(rng.randint(1, 3))
        ]
        steps.append([*own, "rollback" if rng.random() < 0.1 else "commit"])
    turns = [index for index, own in enumerate(steps) for _ in own]
    rng.shuffle(turns)  # each writer's steps stay in their order
    if serial:
        first = {who: turns.index(who) for who in set(turns)}
        turns.sort(key=first.__getitem__)
    return [(who, steps[who].pop(0)) for who in turns]


def _race_shaped(rng: random.Random, writes: RandomWrites) -> Plan:
    """Writer 1 changes children, writer 0 their parents, writer 1 commits (a report runs
    in between on PostgreSQL), writer 0 commits: the order that lost days."""
    children = [(1, writes.one("child")) for _ in range(rng.randint(1, 3))]
    parents = [(0, writes.one("parent")) for _ in range(rng.randint(1, 3))]
    return [*children, *parents, (1, "commit"), (0, "commit")]


def _round(
    rng: random.Random,
    sessions: sessionmaker[Session],
    writers: sessionmaker[Session],
    backend: str,
) -> set[dt.date]:
    """One round of random writers, with reports between their steps (PostgreSQL) or their
    transactions (SQLite, where a report waits for the writer); returns the days used."""
    race = backend == "postgresql" and rng.random() < 0.6
    with sessions() as session:
        writes = RandomWrites(rng, Ids.read(session, rng, family=race), backend)
    if race:
        plan = _race_shaped(rng, writes)
        team = [Writer(writers), Writer(writers)]
    else:
        team = [Writer(writers) for _ in range(rng.choice([2, 2, 3]))]
        plan = _interleaved(rng, writes, len(team), serial=backend == "sqlite")
    try:
        for who, item in plan:
            writer = team[who]
            if item == "commit":
                writer.commit()
            elif item == "rollback":
                writer.rollback()
            else:
                writer.step(item)  # type: ignore[arg-type]
            between_transactions = item in ("commit", "rollback")
            if (backend == "postgresql" or between_transactions) and rng.random() < 0.8:
                first = writes.date()
                report(sessions, first, first + dt.timedelta(days=rng.randrange(3)))
    finally:
        for writer in team:
            writer.finish()
    return writes.days


def test_random_interleaved_writers_leave_the_reports_exact(
    sessions, writers, world: World, backend: str
) -> None:
    rng = random.Random(SEED)
    report(sessions, FIRST_DAY, FIRST_DAY)
    for number in range(1, ROUNDS + 1):
        days = _round(rng, sessions, writers, backend)
        assert_exact(sessions, days, f"round {number} (seed {SEED})")
