"""Item 7: sign-in brute force on the local accounts service, the sign-in of the local file.
(On a shared PostgreSQL people sign in as their own login roles, services/accounts/
pg_signin.py: the server checks the password and has no lockout; the users rows there hold no
Argon2 hash, so this service is not their sign-in and is not tried there.) 20 parallel wrong
passwords: the account ends locked after exactly 5 failures, an unknown user gets the very
same message as a wrong password, and the time of both answers differs by no more than the
noise (both medians printed)."""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter

from sqlalchemy import func, select, update

from faults.conftest import report, scaled
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.models import AuditEntry, User
from portal_desktop.services.accounts.users import (
    BAD_CREDENTIALS,
    MAX_FAILED_LOGINS,
    AuthenticationError,
    attempt_login,
    create_user,
)
from portal_desktop.services.common.context import SYSTEM

PARALLEL = 20
TIMINGS = 40  # attempts timed per kind, at FAULTS_SCALE=1


def _attempt(sessions, name: str, out: Counter, barrier: threading.Barrier) -> None:
    barrier.wait()
    try:
        with sessions() as session:
            error = attempt_login(session, name, "wrong-password-123").error
        out[type(error).__name__ if error else "signed in"] += 1
    except Exception as exc:  # counted: the test fails on any
        out[f"{type(exc).__name__}: {str(exc).splitlines()[0]}"] += 1


def _timed(sessions, name: str) -> tuple[float, str]:
    with sessions() as session:  # each try on an unlocked account, not yet near its lock
        session.execute(update(User).values(failed_logins=0, locked_until=None))
        session.commit()
    with sessions() as session:
        began = time.perf_counter()
        error = attempt_login(session, name, "wrong-password-123").error
        spent = time.perf_counter() - began
    assert isinstance(error, AuthenticationError)
    return spent, str(error)


def _spread(times: list[float]) -> float:
    """The noise of one kind of attempt: its interquartile range."""
    quartiles = statistics.quantiles(times, n=4)
    return quartiles[2] - quartiles[0]


def test_parallel_wrong_passwords_lock_after_exactly_five(request, sqlite_url: str) -> None:
    backend = "sqlite"
    sessions = session_factory(make_engine(sqlite_url))
    with sessions() as session:
        create_user(session, SYSTEM, "target", "the-right-password-1", "SALES")
    outcome: Counter = Counter()
    barrier = threading.Barrier(PARALLEL)
    threads = [
        threading.Thread(target=_attempt, args=(sessions, "target", outcome, barrier))
        for _ in range(PARALLEL)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "target"))
        failed, locked = user.failed_logins, user.locked_until is not None
        lock_audits = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.summary.like("locked after%"))
        )
    count = scaled(TIMINGS, 10)
    pairs = [  # interleaved, so that the machine's load weighs on both alike
        (_timed(sessions, "target"), _timed(sessions, "nobody-by-this-name")) for _ in range(count)
    ]
    known, unknown = [k for k, _ in pairs], [u for _, u in pairs]
    known_median = statistics.median(t for t, _ in known)
    unknown_median = statistics.median(t for t, _ in unknown)
    noise = max(_spread([t for t, _ in known]), _spread([t for t, _ in unknown]))
    report(
        request,
        f"{PARALLEL} parallel wrong passwords on {backend}: {dict(outcome)}, locked after "
        f"{failed}; wrong password vs unknown user median {known_median * 1000:.1f} ms vs "
        f"{unknown_median * 1000:.1f} ms over {count} each (noise {noise * 1000:.1f} ms)",
    )
    assert outcome == {
        "AuthenticationError": MAX_FAILED_LOGINS - 1,
        "AccountLockedError": PARALLEL - MAX_FAILED_LOGINS + 1,
    }
    assert failed == MAX_FAILED_LOGINS and locked and lock_audits == 1
    assert {words for _, words in known + unknown} == {BAD_CREDENTIALS}
    assert abs(known_median - unknown_median) <= noise
