"""The conflict rules of issue 15, each on a real server and replica: what the push does,
what the conflict says and offers, and what resolving it writes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal_desktop.db.replica_tables import sync_conflicts, sync_outbox
from portal_desktop.errors import ValidationError
from portal_desktop.models import Lead, Payment, SalesCall, TeamMember
from portal_desktop.models.enums import PaymentStatus
from portal_desktop.services.billing.payments import record_payment
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead, delete_lead, update_lead
from portal_desktop.services.sync.conflicts import Conflict, open_conflicts, resolve
from tests.services.factories import make_sales_call, make_team_member
from tests.services.sync.push_world import World, installments_of, server_lead

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


def _edit_lead(engine_session, lead_id, **changes) -> None:
    with engine_session() as session:
        lead = session.get(Lead, lead_id)
        update_lead(session, SYSTEM, lead_id, lead.version, **changes)


def _conflicts(world: World) -> list[Conflict]:
    with world.replica_session() as session:
        return open_conflicts(session)


def _replica_lead(world: World, lead_id) -> Lead | None:
    with world.replica_session() as session:
        return session.get(Lead, lead_id)


@ON_POSTGRESQL
def test_different_fields_of_one_record_are_both_kept(world: World) -> None:
    _edit_lead(world.replica_session, world.lead_id, first_name="Mine")
    _edit_lead(world.owner_session, world.lead_id, phone="+15555550199")
    assert world.push().conflicts == 0
    lead = server_lead(world, world.lead_id)
    assert (lead.first_name, lead.phone) == ("Mine", "+15555550199")
    assert _conflicts(world) == []


@ON_POSTGRESQL
def test_the_same_field_keeps_the_servers_value_until_the_person_chooses(world: World) -> None:
    _edit_lead(world.replica_session, world.lead_id, first_name="Mine", last_name="Also mine")
    _edit_lead(world.owner_session, world.lead_id, first_name="Theirs")
    assert world.push().conflicts == 1
    assert server_lead(world, world.lead_id).first_name == "Theirs"
    assert server_lead(world, world.lead_id).last_name == "Also mine"  # the other field went
    assert _replica_lead(world, world.lead_id).first_name == "Theirs"
    (found,) = _conflicts(world)
    assert (found.kind, found.mine, found.theirs) == (
        "same_field",
        {"first_name": "Mine"},
        {"first_name": "Theirs"},
    )
    assert found.their_person == "system" and found.their_at is not None
    assert found.choices == ("mine", "theirs", "fields")
    with world.replica_session() as session, pytest.raises(ValidationError, match="name the"):
        resolve(session, found.id, "fields")
    with world.replica_session() as session:
        resolve(session, found.id, "fields", ["first_name"])
    world.push()
    assert server_lead(world, world.lead_id).first_name == "Mine"
    assert _conflicts(world) == []
    with world.replica.connect() as conn:  # resolved, and kept with how
        kept = conn.execute(select(sync_conflicts.c.resolution, sync_conflicts.c.resolved_at))
        ((resolution, resolved_at),) = kept.all()
    assert resolution == "fields" and resolved_at is not None


@ON_POSTGRESQL
def test_a_payment_for_an_installment_paid_meanwhile_is_not_recorded_twice(world: World) -> None:
    with world.replica_session() as session:
        first = installments_of(session, world.enrollment_id)[0].id
        record_payment(session, SYSTEM, first, reference="offline")
    with world.owner_session() as session:
        record_payment(session, SYSTEM, first, reference="online")
    assert world.push().conflicts == 1
    (found,) = _conflicts(world)
    assert found.kind == "paid_meanwhile" and "already paid" in found.message
    assert found.choices == ("record_elsewhere", "discard")
    assert found.their_person == "system"  # who paid it
    with world.owner_session() as session:
        paid = session.scalars(select(Payment).where(Payment.status == PaymentStatus.PAID)).all()
    assert [p.reference for p in paid] == ["online"]
    with world.replica_session() as session:  # the replica holds the server's state again
        assert session.scalars(select(Payment.reference)).all() == []
        resolve(session, found.id, "record_elsewhere")
    assert world.push().conflicts == 0
    with world.owner_session() as session:
        second = installments_of(session, world.enrollment_id)[1].id
        paid = session.scalars(select(Payment).where(Payment.status == PaymentStatus.PAID)).all()
    assert sorted((p.reference, p.installment_id == second) for p in paid) == [
        ("offline", True),
        ("online", False),
    ]


@ON_POSTGRESQL
def test_the_same_email_on_two_machines_offers_a_merge(world: World) -> None:
    with world.replica_session() as session:
        mine = create_lead(
            session,
            SYSTEM,
            first_name="Mine",
            email="Dup@x.org",
            phone="+15555550123",
            notes="met at the fair",
        )
        mine_id = mine.id
        make_sales_call(session, lead_id=mine_id, host_id=world.member_id)
        session.commit()
    with world.owner_session() as session:
        theirs_id = create_lead(session, SYSTEM, first_name="Theirs", email="dup@x.org").id
    result = world.push()
    assert result.conflicts == 2  # the lead, and the call that builds on it
    duplicate, call = _conflicts(world)
    assert duplicate.kind == "duplicate" and "already belongs" in duplicate.message
    assert duplicate.choices == ("merge", "discard")
    assert duplicate.their_person == "system"  # who made the server's lead
    assert call.kind == "rule" and "builds on a record the server refused" in call.message
    assert server_lead(world, mine_id) is None and _replica_lead(world, mine_id) is None
    with world.replica_session() as session:
        resolve(session, duplicate.id, "merge")
    assert world.push().conflicts == 0
    kept = server_lead(world, theirs_id)
    assert (kept.first_name, kept.phone, kept.notes) == (
        "Theirs",
        "+15555550123",
        "met at the fair",
    )
    with world.owner_session() as session:
        calls = session.scalars(select(SalesCall.lead_id).where(SalesCall.lead_id == theirs_id))
        assert len(calls.all()) == 1
    assert _conflicts(world) == []


@ON_POSTGRESQL
def test_edited_here_deleted_there_offers_to_restore(world: World) -> None:
    _edit_lead(world.replica_session, world.lead_id, first_name="Mine")
    with world.owner_session() as session:
        delete_lead(session, SYSTEM, world.lead_id)
    assert world.push().conflicts == 1
    (found,) = _conflicts(world)
    assert (found.kind, found.choices) == ("deleted_there", ("restore", "discard"))
    assert _replica_lead(world, world.lead_id) is None
    with world.replica_session() as session:
        resolve(session, found.id, "restore")
    world.push()
    assert server_lead(world, world.lead_id).first_name == "Mine"


@ON_POSTGRESQL
def test_deleted_here_edited_there_keeps_it_and_offers_to_restore(world: World) -> None:
    with world.replica_session() as session:
        delete_lead(session, SYSTEM, world.lead_id)
    _edit_lead(world.owner_session, world.lead_id, first_name="Theirs")
    assert world.push().conflicts == 1
    (found,) = _conflicts(world)
    assert (found.kind, found.choices) == ("deleted_here", ("restore", "mine"))
    assert server_lead(world, world.lead_id).first_name == "Theirs"
    assert _replica_lead(world, world.lead_id).first_name == "Theirs"
    with world.replica_session() as session:
        resolve(session, found.id, "mine")  # delete it after all
    world.push()
    assert server_lead(world, world.lead_id) is None


@ON_POSTGRESQL
def test_a_rule_the_server_applies_becomes_a_conflict_with_its_words(world: World) -> None:
    _edit_lead(world.replica_session, world.lead_id, owner_id=world.member_id, first_name="X")
    with world.owner_session() as session:
        session.get(TeamMember, world.member_id).active = False
        session.commit()
    assert world.push().conflicts == 1
    (found,) = _conflicts(world)
    assert found.kind == "rule" and "is no longer active" in found.message
    assert found.mine["changes"][0]["data"]["first_name"] == "X"  # kept, not dropped
    assert server_lead(world, world.lead_id).first_name != "X"
    with world.replica_session() as session, pytest.raises(ValidationError, match="choose one of"):
        resolve(session, found.id, "mine")
    with world.replica_session() as session:
        resolve(session, found.id, "discard")
    assert _conflicts(world) == []


@ON_POSTGRESQL
def test_a_server_row_naming_what_the_replica_lacks_still_records_the_conflict(
    world: World,
) -> None:
    """The server's row of a conflict may point at a record made after the snapshot (a new
    team member): the replica records the conflict all the same; the pull brings both."""
    _edit_lead(world.replica_session, world.lead_id, first_name="Mine")
    with world.owner_session() as session:
        newcomer = make_team_member(session).id
        session.commit()
    _edit_lead(world.owner_session, world.lead_id, first_name="Theirs", owner_id=newcomer)
    assert world.push().conflicts == 1
    assert [c.kind for c in _conflicts(world)] == ["same_field"]
    with world.replica.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(sync_outbox)) == 0
