"""Two machines editing the same record from the same version: one wins, the other gets the
same ConflictError on SQLite (no row locks: it loses at the flush) as on PostgreSQL (it waits
for the row lock and loses at the version check)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.errors import ConflictError
from portal_desktop.models import Lead
from portal_desktop.services.common.transaction import CHANGED_ELSEWHERE, use_case
from portal_desktop.services.sales.leads import create_lead, update_lead
from tests.services.pipeline_data import SALES

EXPECTED = (
    "Someone else changed the lead Ann Lee while you were editing it; "
    "reload it and make your change again."
)


@pytest.fixture
def two_machines(db_url: str) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    """Session factories on two engines of their own, as two processes would have."""
    engines = [make_engine(db_url), make_engine(db_url)]
    yield session_factory(engines[0]), session_factory(engines[1])
    for engine in engines:
        engine.dispose()


def test_the_second_machine_editing_the_same_version_gets_a_conflict(two_machines) -> None:
    first_machine, second_machine = two_machines
    with first_machine() as session:
        lead_id = create_lead(session, SALES, first_name="Ann", last_name="Lee").id
    first_flushed, second_loaded = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def first() -> None:
        with first_machine() as session:

            @event.listens_for(session, "after_flush")
            def hold(*_args: object) -> None:
                # Written, not committed: the second machine reads the lead now. On SQLite it
                # reads version 1; on PostgreSQL it waits for this row lock (timeout then).
                first_flushed.set()
                second_loaded.wait(timeout=2)

            update_lead(session, SALES, lead_id, 1, phone="555 123 4567")
            outcomes["first"] = "saved"

    def second() -> None:
        first_flushed.wait(timeout=10)
        with second_machine() as session:
            event.listen(session, "loaded_as_persistent", lambda *_: second_loaded.set())
            try:
                update_lead(session, SALES, lead_id, 1, phone="555 999 0000")
                outcomes["second"] = "saved"
            except Exception as error:  # any error: the assertion below shows it
                outcomes["second"] = error

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes["first"] == "saved"
    assert isinstance(outcomes["second"], ConflictError), repr(outcomes["second"])
    assert str(outcomes["second"]) == EXPECTED
    with second_machine() as session:
        stored = session.get(Lead, lead_id)
        assert (stored.phone, stored.version) == ("+15551234567", 2)


@use_case
def _set_phone(session: Session, lead: Lead, phone: str) -> None:
    """A use case that words no conflict of its own."""
    lead.phone = phone


def test_a_stale_version_no_use_case_worded_is_a_conflict(two_machines) -> None:
    first_machine, second_machine = two_machines
    with first_machine() as session:
        lead_id = create_lead(session, SALES, first_name="Ann", last_name="Lee").id
    with second_machine() as stale_session:
        stale = stale_session.get(Lead, lead_id)
        stale_session.commit()  # read, then the other machine writes
        with first_machine() as session:
            update_lead(session, SALES, lead_id, 1, phone="555 123 4567")
        with pytest.raises(ConflictError) as caught:
            _set_phone(stale_session, stale, "+15559990000")
        assert str(caught.value) == CHANGED_ELSEWHERE
        assert stale_session.get(Lead, lead_id).phone == "+15551234567"
