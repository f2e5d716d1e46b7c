"""Capture: every write to a replica leaves its outbox rows in the same transaction, by
whatever path it is made (ORM, statement, bulk), and nothing else does."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from portal_desktop.db.bulk import bulk_insert, uuid7_batch
from portal_desktop.db.replica_tables import create_replica_tables, sync_outbox
from portal_desktop.errors import PermissionDeniedError
from portal_desktop.models import Lead, User
from portal_desktop.models.enums import UserRole
from portal_desktop.services.accounts.users import create_user, set_role
from portal_desktop.services.billing.payments import record_payment
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead
from portal_desktop.services.sync import capture
from tests.services.factories import make_enrollment, make_user

ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"])
_BULK_COLUMNS = ["id", "first_name", "last_name", "email", "status"]


@pytest.fixture
def replica(engine: Engine) -> Engine:
    create_replica_tables(engine)
    return engine


def _outbox(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(sync_outbox).order_by(sync_outbox.c.seq)).all()


@ON_SQLITE
def test_a_use_case_is_one_change_set_named_after_it(replica: Engine) -> None:
    with Session(replica) as session:
        enrollment = make_enrollment(session, SYSTEM, plan_type="PIF", contract_value="900")
        installment_id = enrollment.installments[0].id
    before = {row.txn_id for row in _outbox(replica)}
    with Session(replica) as session:
        record_payment(session, SYSTEM, installment_id)
    rows = [row for row in _outbox(replica) if row.txn_id not in before]
    assert {row.use_case for row in rows} == {"record_payment"}
    assert len({row.txn_id for row in rows}) == 1
    ops = {(row.table_name, row.op) for row in rows}
    assert ("payments", "insert") in ops and ("installments", "update") in ops
    change = next(row for row in rows if row.table_name == "installments")
    assert change.base["status"] == "PENDING" and change.data["status"] == "PAID"
    assert change.base_version == change.base["version"]


@ON_SQLITE
def test_statement_and_bulk_writes_are_captured(replica: Engine) -> None:
    ids = uuid7_batch(3)
    with replica.begin() as conn:
        with bulk_insert(conn, Lead.__table__, _BULK_COLUMNS) as write:
            write([(i, "Bulk", "Lead", f"b{n}@example.com", "NEW") for n, i in enumerate(ids)])
        conn.execute(update(Lead).where(Lead.id == ids[0]).values(first_name="Changed"))
    rows = _outbox(replica)
    assert [(r.op, r.record_id) for r in rows] == [
        *(("insert", i) for i in ids),
        ("update", ids[0]),
    ]
    assert {r.use_case for r in rows} == {"statement"}
    assert len({r.txn_id for r in rows}) == 1
    assert rows[-1].data["first_name"] == "Changed"


@ON_SQLITE
def test_rolled_back_work_leaves_no_outbox_row_and_transactions_differ(replica: Engine) -> None:
    with Session(replica) as session:
        create_lead(session, SYSTEM, first_name="Kept", email="kept@example.com")
    with pytest.raises(RuntimeError), replica.begin() as conn:
        conn.execute(text("UPDATE leads SET first_name = 'Gone'"))
        raise RuntimeError("the use case failed")
    with Session(replica) as session:
        create_lead(session, SYSTEM, first_name="Second", email="second@example.com")
    rows = _outbox(replica)
    assert [(r.op, r.data["first_name"]) for r in rows] == [
        ("insert", "Kept"),
        ("insert", "Second"),
    ]
    assert rows[0].txn_id != rows[1].txn_id
    assert rows[0].use_case == "create_lead"


@ON_SQLITE
def test_paused_capture_records_nothing(replica: Engine) -> None:
    with replica.begin() as conn, capture.paused(conn):
        conn.execute(
            text(
                "INSERT INTO leads (id, first_name, last_name, status) "
                "VALUES (:i, 'Pulled', '', 'NEW')"
            ),
            {"i": uuid.uuid4().hex},
        )
    assert _outbox(replica) == []


@ON_SQLITE
def test_a_database_that_is_not_a_replica_captures_nothing(engine: Engine) -> None:
    with Session(engine) as session:
        create_lead(session, SYSTEM, first_name="Plain", email="plain@example.com")
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'portal_sync%'")
        assert conn.execute(query).scalar() == 0


@ON_SQLITE
def test_logins_cannot_be_made_on_a_replica(replica: Engine) -> None:
    with (
        Session(replica) as session,
        pytest.raises(PermissionDeniedError, match="needs the server"),
    ):
        create_user(session, SYSTEM, "newbie", "a long password 12", "SALES")
    with Session(replica) as session, capture.paused(session.connection()):
        user_id = make_user(session, role=UserRole.ADMIN).id  # as the pull would write it
        session.commit()
    with replica.begin() as conn, capture.paused(conn):
        conn.execute(update(User).values(role=UserRole.SALES))  # the pull may change it
    with (
        Session(replica) as session,
        pytest.raises(PermissionDeniedError, match="needs the server"),
    ):
        set_role(session, SYSTEM, user_id, "ADMIN")
    assert _outbox(replica) == []
