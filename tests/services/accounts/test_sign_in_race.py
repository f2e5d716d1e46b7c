"""Wrong passwords tried in parallel are all counted: the account locks after exactly five,
and no attempt ends in anything but the sign-in answers (issue 17: on SQLite, which has no
row locks, parallel attempts raised ConflictError and went uncounted)."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from portal_desktop.models import User
from portal_desktop.services.accounts.users import MAX_FAILED_LOGINS, attempt_login, create_user
from portal_desktop.services.common.context import SYSTEM

PARALLEL = 8


def test_parallel_wrong_passwords_are_all_counted(sessions) -> None:
    with sessions() as session:
        create_user(session, SYSTEM, "target", "the-right-password-1", "SALES")
    answers: Counter = Counter()
    barrier = threading.Barrier(PARALLEL)

    def attempt() -> None:
        barrier.wait()
        try:
            with sessions() as session:
                answers[type(attempt_login(session, "target", "wrong-password-1").error)] += 1
        except Exception as exc:
            answers[type(exc)] += 1

    threads = [threading.Thread(target=attempt) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {kind.__name__: n for kind, n in answers.items()} == {
        "AuthenticationError": MAX_FAILED_LOGINS - 1,
        "AccountLockedError": PARALLEL - MAX_FAILED_LOGINS + 1,
    }
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "target"))
        assert user.failed_logins == MAX_FAILED_LOGINS and user.locked_until is not None
