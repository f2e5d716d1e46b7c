"""Item 5: 10 writers x 1,000 updates of the same leads, each with the version it read:
0 lost updates (every success bumped the version and wrote its audit row) and every loser
told (a ConflictError, nothing else) — on PostgreSQL and SQLite."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from faults.conftest import report, scaled
from portal_desktop.errors import ConflictError
from portal_desktop.models import AuditEntry, Lead
from portal_desktop.models.enums import AuditAction
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead, update_lead

WRITERS = 10
UPDATES = 1_000  # per writer, at FAULTS_SCALE=1
RECORDS = 3


def _writer(sessions: sessionmaker[Session], ids: list, n: int, updates: int, out: Counter) -> None:
    for i in range(updates):
        lead_id = ids[(n + i) % len(ids)]
        try:
            with sessions() as session:
                version = session.scalar(select(Lead.version).where(Lead.id == lead_id))
                update_lead(session, SYSTEM, lead_id, version, notes=f"writer {n} update {i}")
            out["saved"] += 1
        except ConflictError:
            out["told"] += 1
        except Exception as exc:  # counted: the test fails on any
            out[f"{type(exc).__name__}: {str(exc).splitlines()[0]}"] += 1


def test_versioned_writers_lose_nothing(request, backend: str, sessions) -> None:
    with sessions() as session:
        ids = [
            create_lead(session, SYSTEM, first_name="Race", last_name=str(i), source="web").id
            for i in range(RECORDS)
        ]
    with sessions() as session:
        start = dict(session.execute(select(Lead.id, Lead.version)).tuples().all())
    updates = scaled(UPDATES, 10)
    outcomes = [Counter() for _ in range(WRITERS)]
    threads = [
        threading.Thread(target=_writer, args=(sessions, ids, n, updates, outcomes[n]))
        for n in range(WRITERS)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    total = sum(outcomes, Counter())
    with sessions() as session:
        bumps = sum(
            version - start[lead_id]
            for lead_id, version in session.execute(select(Lead.id, Lead.version)).tuples()
        )
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "leads", AuditEntry.action == AuditAction.UPDATE)
        )
    others = {key: count for key, count in total.items() if key not in ("saved", "told")}
    lost = total["saved"] - bumps
    report(
        request,
        f"{WRITERS} writers x {updates} versioned updates of {RECORDS} leads on {backend} in "
        f"{seconds:.0f} s: {total['saved']} saved, {total['told']} told ConflictError, "
        f"lost updates {lost}, other errors {sum(others.values())}",
    )
    assert others == {}
    assert total["saved"] + total["told"] == WRITERS * updates
    assert lost == 0 and audited == total["saved"]
