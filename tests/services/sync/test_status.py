"""The replica's standing (changes waiting, open conflicts, last sync, last error) and its
words: the one definition the status bar shows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.engine import make_engine
from portal_desktop.db.replica_tables import sync_conflicts, sync_state
from portal_desktop.errors import DatabaseUnreachableError, ValidationError
from portal_desktop.services.sync.status import (
    SyncStatus,
    error_words,
    is_unreachable,
    status_words,
    sync_status,
)
from tests import ui_replica

LAST = dt.datetime(2026, 12, 4, 14, 2, tzinfo=dt.UTC)

# TODO(lead): once `portal-desktop sync`/`conflicts` are merged, compare their counts with
# sync_status on one replica here (the CLI is not on this branch).

replica = ui_replica.replica
replica_sessions = ui_replica.replica_sessions


def _status(sessions: sessionmaker[Session]) -> SyncStatus:
    with sessions() as session:
        return sync_status(session)


def test_a_new_replica_has_nothing_waiting_and_never_synced(replica_sessions) -> None:
    status = _status(replica_sessions)
    assert status == SyncStatus(0, 0, None, "")
    assert status_words(status, dt.UTC, LAST.date()) == ["Never synced"]


def test_waiting_counts_change_sets_and_conflicts_only_open_ones(replica_sessions) -> None:
    with replica_sessions() as session:
        ui_replica.add_change_set(session, changes=3)  # one use case that changed three rows
        ui_replica.add_change_set(session)
        open_one = ui_replica.add_conflict(session, "same_field", {"phone": "1"}, {"phone": "2"})
        ui_replica.add_conflict(session, "rule", {}, {})
        ui_replica.add_conflict(session, "duplicate", {}, {})
        session.execute(
            update(sync_conflicts)
            .where(sync_conflicts.c.id == open_one)
            .values(resolved_at=LAST, resolution="mine")
        )
        session.execute(
            sync_state.insert(),
            [
                {"key": "last_sync_at", "value": LAST.isoformat()},
                {"key": "last_error", "value": "The server did not answer."},
            ],
        )
        session.commit()
    status = _status(replica_sessions)
    assert status == SyncStatus(2, 2, LAST, "The server did not answer.")
    assert status_words(status, dt.UTC, LAST.date()) == [
        "2 changes waiting",
        "Last sync 14:02",
        "2 conflicts",
    ]


def test_words_say_one_change_and_the_date_of_an_older_sync() -> None:
    status = SyncStatus(1, 1, LAST, "")
    tomorrow = LAST.date() + dt.timedelta(days=1)
    assert status_words(status, dt.UTC, tomorrow) == [
        "1 change waiting",
        "Last sync Dec 04 14:02",
        "1 conflict",
    ]
    # in the office's zone, not UTC
    zone = dt.timezone(dt.timedelta(hours=-5))
    assert status_words(status, zone, LAST.date())[1] == "Last sync 09:02"


def test_a_server_that_does_not_answer_is_offline_a_refusal_is_not() -> None:
    closed = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/portal", must_exist=False)
    try:
        with pytest.raises(Exception) as caught:
            closed.connect().close()
    finally:
        closed.dispose()
    assert is_unreachable(caught.value)
    assert is_unreachable(DatabaseUnreachableError("cannot connect to office"))
    refused = ValidationError("amount", "is more than the installment")
    assert not is_unreachable(refused)
    assert error_words(refused) == str(refused)
    assert error_words(RuntimeError("first line\nsecond")) == "first line"
