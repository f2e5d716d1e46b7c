"""One simulated workstation of the load test (item 8): a salesperson's own PostgreSQL login
doing a sales day's mix until a deadline, timing each use case."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.paged_rows import read_rows
from portal_desktop.errors import ConflictError
from portal_desktop.models import Installment
from portal_desktop.models.enums import InstallmentStatus
from portal_desktop.services.billing.payments import record_payment
from portal_desktop.services.common.context import Actor
from portal_desktop.services.reporting.kpis import kpi_report
from portal_desktop.services.sales.calls import record_outcome, schedule_call
from portal_desktop.services.sales.enrollments import DealTerms, close_deal
from portal_desktop.services.sales.leads import change_lead_status, create_lead

# A sales day: mostly new leads, calls, status moves and reads; some deals and payments.
MIX = {
    "new lead": 20,
    "call": 12,
    "status move": 12,
    "close deal": 6,
    "payment": 12,
    "list read": 25,
    "KPI read": 8,
}
TODAY = dt.date(2025, 3, 3)


@dataclass
class Shared:
    """What the workstations share: the program sold and the enrollments to collect."""

    program_id: uuid.UUID
    enrollments: list[uuid.UUID] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Workstation:
    engine: Engine
    sessions: sessionmaker[Session]
    actor: Actor
    shared: Shared
    seed: int
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter = field(default_factory=Counter)
    new: list[uuid.UUID] = field(default_factory=list)
    contacted: list[uuid.UUID] = field(default_factory=list)

    def run(self, deadline: float) -> None:
        rng = random.Random(self.seed)
        names, weights = list(MIX), list(MIX.values())
        while time.monotonic() < deadline:
            name = rng.choices(names, weights)[0]
            work = self._work(name, rng)
            if work is None:
                name, work = "new lead", self._new_lead
            began = time.perf_counter()
            try:
                work()
                self.outcomes["done"] += 1
            except ConflictError:
                self.outcomes["conflict (expected)"] += 1
            except Exception as exc:  # counted: the test fails on any
                self.outcomes[f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0]}"] += 1
            self.times[name].append(time.perf_counter() - began)

    def _work(self, name: str, rng: random.Random) -> Callable[[], object] | None:
        if name == "status move":
            return (lambda: self._move(self.new.pop())) if self.new else None
        if name == "call":
            return (lambda: self._call(rng.choice(self.new))) if self.new else None
        if name == "close deal":
            return (lambda: self._close(self.contacted.pop())) if self.contacted else None
        if name == "payment":
            with self.shared.lock:
                chosen = rng.choice(self.shared.enrollments) if self.shared.enrollments else None
            return (lambda: self._pay(chosen)) if chosen else None
        return {
            "new lead": self._new_lead,
            "list read": self._list,
            "KPI read": self._kpis,
        }[name]

    def _new_lead(self) -> None:
        n = uuid.uuid4().hex[:10]
        with self.sessions() as s:
            lead = create_lead(
                s, self.actor, first_name="Load", last_name=n, email=f"{n}@example.com",
                source="facebook", owner_id=self.actor.team_member_id,
            )  # fmt: skip
        self.new.append(lead.id)

    def _move(self, lead_id: uuid.UUID) -> None:
        with self.sessions() as s:
            change_lead_status(s, self.actor, lead_id, "CONTACTED")
        self.contacted.append(lead_id)

    def _call(self, lead_id: uuid.UUID) -> None:
        when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # held: its outcome is due
        with self.sessions() as s:
            call = schedule_call(
                s, self.actor, lead_id=lead_id, host_id=self.actor.team_member_id,
                scheduled_at=when,
            ).call  # fmt: skip
            record_outcome(s, self.actor, call.id, "FOLLOW_UP", offer_made=False)

    def _close(self, lead_id: uuid.UUID) -> None:
        terms = DealTerms(self.shared.program_id, TODAY, "SPLIT", "3000", 6)
        with self.sessions() as s:
            enrollment = close_deal(s, self.actor, terms, lead_id=lead_id, today=TODAY)
        with self.shared.lock:
            self.shared.enrollments.append(enrollment.id)

    def _pay(self, enrollment_id: uuid.UUID) -> None:
        with self.sessions() as s:
            row = s.execute(
                select(Installment.id, Installment.version)
                .where(
                    Installment.enrollment_id == enrollment_id,
                    Installment.status != InstallmentStatus.PAID,
                )
                .order_by(Installment.due_date, Installment.sequence)
                .limit(1)
            ).first()
            if row is None:
                return
            record_payment(s, self.actor, row.id, expected_version=row.version, today=TODAY)

    def _list(self) -> None:
        read_rows(self.engine, PIPELINE.query(), 0, 100, total=0, counted=False)

    def _kpis(self) -> None:
        with self.sessions() as s:
            kpi_report(s, self.actor, TODAY - dt.timedelta(days=29), TODAY)
