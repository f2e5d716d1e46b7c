"""Bulk inserts (COPY / JSON chunks / executemany) store what the ORM would store."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from portal_desktop.db.bulk import bulk_insert, uuid7_batch
from portal_desktop.models import Lead, TeamMember

LEADS = cast(Table, Lead.__table__)
COLUMNS = ("id", "first_name", "last_name", "email", "status", "created_at", "updated_at")


def test_rows_written_in_chunks_read_back_like_orm_rows(sessions) -> None:
    when = dt.datetime(2025, 3, 9, 6, 59, 1, 250, tzinfo=dt.UTC)
    keys = uuid7_batch(3)
    with sessions() as session:
        with bulk_insert(session.connection(), LEADS, COLUMNS) as write:
            write([(keys[0], "Zoë", "Ø", "z@example.com", "NEW", when, when)])
            write([(k, "A", "B", None, "LOST", when, when) for k in keys[1:]])
        session.commit()
    with sessions() as session:
        stored = {lead.id: lead for lead in session.scalars(select(Lead))}
    assert set(stored) == set(keys)
    first = stored[keys[0]]
    assert (first.first_name, first.last_name, first.email) == ("Zoë", "Ø", "z@example.com")
    assert (first.created_at, first.version) == (when, 1)
    assert stored[keys[2]].email is None


def test_values_json_cannot_carry_go_through_executemany(sessions) -> None:
    # A NUMERIC rate is a float on SQLite: written one row at a time, never as JSON text.
    table = cast(Table, TeamMember.__table__)
    columns = ("id", "name", "role", "commission_rate")
    rows = [(key, f"M{n}", "CLOSER", Decimal("0.1250")) for n, key in enumerate(uuid7_batch(3))]
    with sessions() as session:
        with bulk_insert(session.connection(), table, columns) as write:
            write(rows[:1])
            write(rows[1:])
        session.commit()
    with sessions() as session:
        stored = session.execute(select(TeamMember.name, TeamMember.commission_rate)).all()
    assert sorted(stored) == [("M0", Decimal("0.1250")), ("M1", Decimal("0.1250")),
                              ("M2", Decimal("0.1250"))]  # fmt: skip


def test_a_unique_violation_is_an_integrity_error_and_nothing_stays(sessions) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = [(k, "A", "", email, "NEW", now, now) for k, email in
            zip(uuid7_batch(2), ("dup@example.com", "DUP@example.com"), strict=True)]  # fmt: skip
    with sessions() as session, pytest.raises(IntegrityError):
        with bulk_insert(session.connection(), LEADS, COLUMNS) as write:
            write(rows)
        session.flush()
        session.commit()
    with sessions() as session:
        assert session.scalars(select(Lead)).all() == []


def test_uuid7_batches_are_version_7_unique_and_increasing() -> None:
    keys = uuid7_batch(10_000)
    assert len(set(keys)) == 10_000
    assert keys == sorted(keys)
    assert {k.version for k in keys} == {7}
    assert {k.variant for k in keys} == {uuid.RFC_4122}
    millis = keys[0].int >> 80
    assert abs(millis - dt.datetime.now(dt.UTC).timestamp() * 1000) < 60_000
    assert uuid7_batch(0) == []
