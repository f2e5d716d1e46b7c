"""Item 3: kill -9 of the app while it writes payments to the local SQLite file. The child
prints each payment's id after its commit; after every kill the file passes PRAGMA
integrity_check, every acknowledged payment is there, and the schedule still adds up (the
paid installments are the payments, the amounts still sum to the contract value)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from faults.conftest import report, scaled
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import Enrollment, Installment, Lead, Payment
from portal_desktop.models.enums import InstallmentStatus, PaymentStatus
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.seeding import seed_database
from portal_desktop.services.sync.run import sync_once
from portal_desktop.services.sync.snapshot import take_snapshot
from portal_desktop.services.sync.status import sync_status
from tests.services.factories import make_enrollment

CYCLES = 100
ROOT = Path(__file__).resolve().parents[1]


def _child(url: str, enrollment_id: uuid.UUID) -> subprocess.Popen[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "faults.sqlite_writer", url, str(enrollment_id)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _check(url: str, enrollment_id: uuid.UUID, acknowledged: set[str]) -> int:
    """The number of acknowledged payments missing (the asserts catch the rest)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        with session_factory(engine)() as session:
            ids = {str(i) for i in session.scalars(select(Payment.id))}
            paid = session.scalar(
                select(func.count())
                .select_from(Installment)
                .where(Installment.status == InstallmentStatus.PAID)
            )
            assert paid == len(ids)
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Payment)
                    .where(Payment.status != PaymentStatus.PAID)
                )
                == 0
            )
            total = session.scalar(
                select(func.sum(Installment.amount)).where(
                    Installment.enrollment_id == enrollment_id
                )
            )
            assert Decimal(total) == session.get(Enrollment, enrollment_id).contract_value
    finally:
        engine.dispose()
    return len(acknowledged - ids)


def test_kill_9_while_writing_payments_to_sqlite(request, sqlite_url: str) -> None:
    db_url = sqlite_url
    with session_factory(make_engine(db_url))() as session:
        enrollment = make_enrollment(session, SYSTEM, contract_value="1000000")
    rng = random.Random(17)
    acknowledged: set[str] = set()
    cycles, lost = scaled(CYCLES, 2), 0
    for _ in range(cycles):
        child = _child(db_url, enrollment.id)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        deadline = time.monotonic() + rng.uniform(0.05, 0.6)
        os.set_blocking(child.stdout.fileno(), False)
        while time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait()
        os.set_blocking(child.stdout.fileno(), True)
        out = child.stdout.read()
        child.stdout.close()
        child.stderr.close()
        acknowledged |= {line for line in out.split() if line and line != "ready"}
        lost += _check(db_url, enrollment.id, acknowledged)
    report(
        request,
        f"kill -9 of a process writing payments to SQLite, {cycles} times: "
        f"{len(acknowledged)} payments acknowledged, integrity_check ok every time, lost {lost}",
    )
    assert lost == 0 and acknowledged


def test_kill_9_of_a_replica_during_sync(request, pg_engine: Engine, tmp_path: Path) -> None:
    """kill -9 of a process that makes leads on a replica and syncs every third: the replica
    passes integrity_check after every kill, and after a last sync every acknowledged lead is
    on the server exactly once, with nothing left waiting and no conflict."""
    seed_database(pg_engine, leads=10, seed=2)
    replica = take_snapshot(pg_engine, tmp_path / "r.sqlite3", login="", person_id=None)
    replica_url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    server_url = pg_engine.url.render_as_string(hide_password=False)
    rng = random.Random(29)
    acknowledged: set[str] = set()
    cycles = scaled(CYCLES // 4, 2)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    for _ in range(cycles):
        child = subprocess.Popen(
            [sys.executable, "-m", "faults.replica_writer", server_url, replica_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read()  # type: ignore[union-attr]
        time.sleep(rng.uniform(0.2, 1.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        out = child.stdout.read()
        child.stdout.close()
        child.stderr.close()  # type: ignore[union-attr]
        acknowledged |= {line for line in out.split() if line and line != "ready"}
        with replica.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    sync_once(pg_engine, replica)
    with pg_engine.connect() as conn:
        on_server = [
            str(i) for i in conn.scalars(select(Lead.id).where(Lead.first_name == "Offline"))
        ]
    with Session(replica) as session:
        waiting = sync_status(session)
    lost = len(acknowledged - set(on_server))
    doubled = len(on_server) - len(set(on_server))
    replica.dispose()
    report(
        request,
        f"kill -9 of a replica making leads and syncing, {cycles} times: {len(acknowledged)} "
        f"leads acknowledged, integrity_check ok every time, lost {lost}, twice {doubled}, "
        f"left waiting {waiting.waiting}, conflicts {waiting.conflicts}",
    )
    assert acknowledged and lost == 0 and doubled == 0
    assert (waiting.waiting, waiting.conflicts) == (0, 0)
