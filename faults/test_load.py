"""Item 8: 20 simulated workstations, each a salesperson with their own PostgreSQL login,
doing a sales day's mix (new leads, calls, status moves, deals, payments, list and KPI reads)
against one PostgreSQL for 5 minutes (1 at FAULTS_SCALE=0.2): throughput, p50/p95/p99 per
use case, and no error other than the expected conflicts (two people paying the same
installment)."""

from __future__ import annotations

import statistics
import threading
import time

from sqlalchemy import Engine, select

from faults.conftest import SCALE, report
from faults.workstation import MIX, Shared, Workstation
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import User
from portal_desktop.models.enums import TeamRole, UserRole
from portal_desktop.services.common.context import Actor
from tests.db.pg_logins import create_login, login_sqlalchemy_url
from tests.services.factories import make_program, make_team_member

WORKSTATIONS = 20
SECONDS = 300  # at FAULTS_SCALE=1


def _workstations(owner: Engine, shared: Shared) -> list[Workstation]:
    made = []
    for n in range(WORKSTATIONS):
        with session_factory(owner)() as session:
            member = make_team_member(session, role=TeamRole.CLOSER)
            session.commit()
            member_id = member.id
        name = create_login(owner, "SALES", f"ws{n}", team_member=member_id)
        with session_factory(owner)() as session:
            user_id = session.scalar(select(User.id).where(User.username == name))
        engine = make_engine(login_sqlalchemy_url(owner, name), pool_size=2)
        actor = Actor(user_id, name, UserRole.SALES, member_id)
        made.append(Workstation(engine, session_factory(engine), actor, shared, seed=n))
    return made


def _percentile(times: list[float], p: int) -> float:
    return statistics.quantiles(times, n=100)[p - 1] if len(times) > 1 else times[0]


def test_twenty_workstations_a_sales_day(request, pg_engine: Engine) -> None:
    with session_factory(pg_engine)() as session:
        shared = Shared(make_program(session).id)
        session.commit()
    stations = _workstations(pg_engine, shared)
    seconds = max(10.0, SECONDS * SCALE)
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=s.run, args=(deadline,)) for s in stations]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    for station in stations:
        station.engine.dispose()
    outcomes = sum((s.outcomes for s in stations), start=type(stations[0].outcomes)())
    lines = []
    for name in MIX:
        times = [t for s in stations for t in s.times.get(name, [])]
        if times:
            lines.append(
                f"{name} {len(times) / elapsed:.1f}/s p50/p95/p99 "
                + "/".join(f"{_percentile(times, p) * 1000:.0f}" for p in (50, 95, 99))
                + " ms"
            )
    errors = {k: v for k, v in outcomes.items() if k not in ("done", "conflict (expected)")}
    report(
        request,
        f"{WORKSTATIONS} workstations x {elapsed:.0f} s: {sum(outcomes.values())} use cases "
        f"({sum(outcomes.values()) / elapsed:.1f}/s), conflicts (expected) "
        f"{outcomes['conflict (expected)']}, errors {sum(errors.values())}; " + "; ".join(lines),
    )
    assert errors == {}
