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

import pytest
from sqlalchemy import func, select

from faults.conftest import report, scaled
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import Enrollment, Installment, Payment
from portal_desktop.models.enums import InstallmentStatus, PaymentStatus
from portal_desktop.services.common.context import SYSTEM
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


@pytest.mark.skip(
    reason="issue 15 (offline sync) is built in parallel: the lead fills this in after merging "
    "sync — kill -9 of a replica during a sync, integrity_check ok, 0 acknowledged rows lost"
)
def test_kill_9_of_a_replica_during_sync() -> None:
    raise NotImplementedError
