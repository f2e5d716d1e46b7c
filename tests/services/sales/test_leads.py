"""Leads: checked fields, unique emails, campaign attribution, statuses, concurrent edits."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import event, insert, select

from portal_desktop.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from portal_desktop.models import Lead, SalesCall, TeamMember, new_id
from portal_desktop.models.enums import (
    AdPlatform,
    AuditAction,
    CampaignStatus,
    LeadStatus,
    UserRole,
)
from portal_desktop.services.common.context import Actor
from portal_desktop.services.sales.leads import (
    change_lead_status,
    create_lead,
    delete_lead,
    get_lead,
    update_lead,
)
from tests.services.pipeline_data import (
    ADMIN,
    MARKETING,
    SALES,
    add_campaign,
    add_member,
    add_student,
    audit_rows,
    counts,
)

ANN = {"first_name": "Ann", "last_name": "Lee", "email": "Ann.Lee@Example.com"}


def _create(sessions, actor=SALES, **fields) -> Lead:
    with sessions() as session:
        return create_lead(session, actor, **fields)


def _stored(sessions, lead_id: uuid.UUID) -> Lead:
    with sessions() as session:
        return session.get(Lead, lead_id)


def _set_status(sessions, lead_id: uuid.UUID, status: LeadStatus, reason: str | None) -> None:
    with sessions() as session:
        lead = session.get(Lead, lead_id)
        lead.status, lead.lost_reason = status, reason
        session.commit()


# --- creating ------------------------------------------------------------------------------


def test_a_new_lead_keeps_its_attribution_and_normalises_its_contact(sessions) -> None:
    campaign_id = add_campaign(sessions, "Spring Webinar")
    owner_id = add_member(sessions, "Dana")
    created = dt.datetime(2025, 2, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    lead = _create(
        sessions,
        first_name="  Ann ",
        last_name="Lee",
        email="  Ann.Lee@Example.com ",
        phone="(555) 123-4567",
        source="facebook",
        campaign="  spring WEBINAR ",
        medium="paid social",
        notes="asked about the payment plan",
        owner_id=owner_id,
        created_at=created,
    )
    stored = _stored(sessions, lead.id)
    assert (stored.first_name, stored.last_name, stored.email, stored.phone) == (
        "Ann",
        "Lee",
        "Ann.Lee@Example.com",
        "+15551234567",
    )
    assert (stored.source, stored.campaign, stored.medium) == (
        "facebook",
        "spring WEBINAR",
        "paid social",
    )
    assert (stored.status, stored.ad_campaign_id, stored.owner_id) == (
        LeadStatus.NEW,
        campaign_id,
        owner_id,
    )
    assert stored.created_at == dt.datetime(2025, 2, 1, 14, 30, tzinfo=dt.UTC)
    (row,) = audit_rows(sessions, "leads")
    assert row.action == AuditAction.CREATE and row.new_values["phone"] == "+15551234567"
    assert row.new_values["ad_campaign_id"] == str(campaign_id)


def test_a_campaign_that_matches_nothing_is_kept_unlinked(sessions) -> None:
    add_campaign(sessions, "Spring Webinar")
    lead = _create(sessions, first_name="Bo", campaign="Spring Webinar 2")
    stored = _stored(sessions, lead.id)
    assert (stored.campaign, stored.ad_campaign_id) == ("Spring Webinar 2", None)


def test_a_name_on_two_platforms_resolves_to_the_active_campaign(sessions) -> None:
    active = add_campaign(sessions, "Launch", AdPlatform.GOOGLE)
    add_campaign(sessions, "Launch", AdPlatform.FACEBOOK, CampaignStatus.PAUSED)
    lead = _create(sessions, first_name="Bo", campaign="launch")
    assert _stored(sessions, lead.id).ad_campaign_id == active


def test_changing_the_campaign_resolves_it_again(sessions) -> None:
    spring = add_campaign(sessions, "Spring")
    autumn = add_campaign(sessions, "Autumn", AdPlatform.YOUTUBE)
    lead = _create(sessions, first_name="Bo", campaign="Spring")
    with sessions() as session:
        lead = update_lead(session, SALES, lead.id, 1, campaign="AUTUMN")
    assert (lead.ad_campaign_id, lead.version) == (autumn, 2)
    with sessions() as session:
        lead = update_lead(session, SALES, lead.id, 2, campaign="word of mouth")
    assert lead.ad_campaign_id is None
    with sessions() as session:
        update_lead(session, SALES, lead.id, 3, notes="no campaign change")
    assert _stored(sessions, lead.id).ad_campaign_id is None
    assert spring != autumn


# --- emails --------------------------------------------------------------------------------


def test_emails_are_unique_whatever_their_case(sessions) -> None:
    _create(sessions, **ANN)
    before = counts(sessions)
    with sessions() as session, pytest.raises(ValidationError) as caught:
        create_lead(session, SALES, first_name="Annie", email=" ann.lee@EXAMPLE.COM")
    assert caught.value.field == "email"
    assert "already belongs to the lead Ann Lee (status New)" in caught.value.problem
    assert counts(sessions) == before
    other = _create(sessions, first_name="Bo", email="bo@example.com")
    with sessions() as session, pytest.raises(ValidationError, match="Ann Lee"):
        update_lead(session, SALES, other.id, 1, email="ANN.LEE@example.com")
    assert _stored(sessions, other.id).email == "bo@example.com"
    with sessions() as session:  # a lead may change the case of its own email
        update_lead(session, SALES, other.id, 1, email="Bo@Example.com")
    assert _stored(sessions, other.id).email == "Bo@Example.com"


def test_a_lost_race_for_an_email_gives_the_same_kind_of_message(sessions, engine) -> None:
    """Another workstation saves the same email between our check and our insert."""
    raced = []

    @event.listens_for(engine, "before_cursor_execute")
    def _other_workstation(conn, cursor, statement, *args) -> None:
        if raced or not statement.lstrip().upper().startswith("INSERT INTO LEADS"):
            return
        raced.append(True)
        with engine.connect() as other:
            other.execute(
                insert(Lead).values(id=new_id(), first_name="Racer", email="ANN.lee@example.com")
            )
            other.commit()

    with sessions() as session, pytest.raises(ValidationError) as caught:
        create_lead(session, SALES, **ANN)
    event.remove(engine, "before_cursor_execute", _other_workstation)
    assert caught.value.field == "email" and "was just given to another lead" in str(caught.value)
    with sessions() as session:
        assert session.scalars(select(Lead.first_name)).all() == ["Racer"]
    assert audit_rows(sessions, "leads") == []


# --- bad input -----------------------------------------------------------------------------


BAD_LEADS = [
    ({"email": "ann.example.com"}, "email", "not an email address"),
    ({"email": "ann@example"}, "email", "not an email address"),
    ({"email": "ann@@example.com"}, "email", "not an email address"),
    ({"phone": "555-CALL-ANN"}, "phone", "contains letters"),
    ({"phone": "12345"}, "phone", "has 5 digits"),
    ({"first_name": "A" * 121}, "first_name", "at most 120"),
    ({"notes": "n" * 4001}, "notes", "at most 4000"),
    ({"source": "s\x00"}, "source", "NUL"),
    ({"owner_id": uuid.uuid4()}, "owner_id", "no such team member"),
    ({"owner_id": "inactive"}, "owner_id", "is no longer active"),
    ({"first_name": " ", "last_name": "", "email": None}, "first_name", "a name, an email"),
    ({"created_at": dt.datetime(2025, 1, 1)}, "created_at", "no time zone"),
]


def test_bad_leads_are_refused_and_nothing_is_written(sessions) -> None:
    inactive = add_member(sessions, "Ivy", active=False)
    for fields, field, words in BAD_LEADS:
        values = {"first_name": "Ann"} | fields
        if values.get("owner_id") == "inactive":
            values["owner_id"] = inactive
        with sessions() as session, pytest.raises(ValidationError) as caught:
            create_lead(session, SALES, **values)
        assert (caught.value.field, words in caught.value.problem) == (field, True), caught.value
        assert counts(sessions) == (0, 0, 0), field


BAD_UPDATES = [
    ({"status": "LOST"}, "status"),
    ({"colour": "blue"}, "colour"),
    ({"email": "not-an-email"}, "email"),
    ({"first_name": "", "last_name": "", "email": None}, "first_name"),
]


def test_bad_updates_change_nothing(sessions) -> None:
    lead = _create(sessions, **ANN)
    for changes, field in BAD_UPDATES:
        with sessions() as session, pytest.raises(ValidationError) as caught:
            update_lead(session, SALES, lead.id, 1, notes="also this", **changes)
        assert caught.value.field == field
        stored = _stored(sessions, lead.id)
        assert (stored.version, stored.notes, stored.email) == (1, None, ANN["email"]), field


def test_a_departed_owner_stays_until_someone_else_is_chosen(sessions) -> None:
    dana = add_member(sessions, "Dana")
    lead = _create(sessions, owner_id=dana, **ANN)
    with sessions() as session:
        session.get(TeamMember, dana).active = False
        session.commit()
    with sessions() as session:  # a screen sends every field back, the owner unchanged
        update_lead(session, SALES, lead.id, 1, owner_id=dana, notes="still interested")
    stored = _stored(sessions, lead.id)
    assert (stored.owner_id, stored.notes, stored.version) == (dana, "still interested", 2)
    with sessions() as session:
        update_lead(session, SALES, lead.id, 2, owner_id=None)
    with sessions() as session, pytest.raises(ValidationError, match="Dana is no longer active"):
        update_lead(session, SALES, lead.id, 3, owner_id=dana)
    assert _stored(sessions, lead.id).owner_id is None


def test_an_update_without_a_change_writes_nothing(sessions) -> None:
    lead = _create(sessions, **ANN)
    with sessions() as session:
        update_lead(session, SALES, lead.id, 1, first_name=" Ann ", email=ANN["email"])
    assert _stored(sessions, lead.id).version == 1
    assert len(audit_rows(sessions, "leads")) == 1


# --- concurrency ---------------------------------------------------------------------------


def test_the_second_of_two_concurrent_edits_is_told_to_reload(sessions) -> None:
    lead = _create(sessions, **ANN)
    with sessions() as first, sessions() as second:
        seen_first = first.get(Lead, lead.id).version
        seen_second = second.get(Lead, lead.id).version
        update_lead(first, SALES, lead.id, seen_first, phone="555 123 4567")
        with pytest.raises(ConflictError, match="Someone else changed the lead Ann Lee"):
            update_lead(second, SALES, lead.id, seen_second, phone="555 999 0000")
    stored = _stored(sessions, lead.id)
    assert (stored.phone, stored.version) == ("+15551234567", 2)
    rows = audit_rows(sessions, "leads")
    assert rows[-1].old_values == {"phone": None} and rows[-1].new_values == {
        "phone": "+15551234567"
    }


def test_a_status_change_can_check_the_version_too(sessions) -> None:
    lead = _create(sessions, **ANN)
    with sessions() as session:
        update_lead(session, SALES, lead.id, 1, notes="called")
    with sessions() as session, pytest.raises(ConflictError):
        change_lead_status(session, SALES, lead.id, "CONTACTED", expected_version=1)
    assert _stored(sessions, lead.id).status == LeadStatus.NEW


# --- statuses ------------------------------------------------------------------------------


ALLOWED = [
    (LeadStatus.NEW, LeadStatus.CONTACTED, None),
    (LeadStatus.NEW, LeadStatus.QUALIFIED, None),
    (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, None),
    (LeadStatus.NEW, LeadStatus.LOST, "Too expensive"),
    (LeadStatus.QUALIFIED, LeadStatus.LOST, "Bought elsewhere"),
    (LeadStatus.LOST, LeadStatus.NEW, None),
    (LeadStatus.LOST, LeadStatus.CONTACTED, None),
]


def _lead_in(sessions, status: LeadStatus, number: int) -> Lead:
    lead = _create(sessions, first_name=f"Lead {number}")
    _set_status(sessions, lead.id, status, "Old reason" if status == LeadStatus.LOST else None)
    return _stored(sessions, lead.id)


def test_allowed_status_moves(sessions) -> None:
    for number, (start, target, reason) in enumerate(ALLOWED):
        lead = _lead_in(sessions, start, number)
        with sessions() as session:
            change_lead_status(session, SALES, lead.id, target.value.lower(), reason)
        stored = _stored(sessions, lead.id)
        assert (stored.status, stored.lost_reason) == (target, reason), (start, target)
        row = audit_rows(sessions, "leads")[-1]
        assert (row.entity_id, row.old_values["status"], row.new_values["status"]) == (
            lead.id,
            start.value,
            target.value,
        )


REFUSED = [
    (LeadStatus.QUALIFIED, "CONTACTED", None, "status", "cannot go back to Contacted"),
    (LeadStatus.CONTACTED, "NEW", None, "status", "cannot go back to New"),
    (LeadStatus.LOST, "QUALIFIED", None, "status", "reopen it as New or Contacted"),
    (LeadStatus.NEW, "LOST", None, "lost_reason", "say why"),
    (LeadStatus.NEW, "LOST", "   ", "lost_reason", "say why"),
    (LeadStatus.NEW, "CONTACTED", "Too expensive", "lost_reason", "only a Lost lead"),
    (LeadStatus.NEW, "WON", None, "status", "'WON' is not a lead status"),
    (LeadStatus.NEW, "LOST", "r" * 501, "lost_reason", "at most 500"),
]


def test_refused_status_moves(sessions) -> None:
    for number, (start, target, reason, field, words) in enumerate(REFUSED):
        lead = _lead_in(sessions, start, number)
        with sessions() as session, pytest.raises(ValidationError) as caught:
            change_lead_status(session, SALES, lead.id, target, reason)
        assert (caught.value.field, words in caught.value.problem) == (field, True), caught.value
        stored = _stored(sessions, lead.id)
        assert (stored.status, stored.version) == (start, lead.version), (start, target)


def test_a_converted_lead_cannot_be_lost(sessions) -> None:
    lead = _create(sessions, **ANN)
    _set_status(sessions, lead.id, LeadStatus.QUALIFIED, None)
    add_student(sessions, "ann.lee@example.com", lead.id)
    with sessions() as session, pytest.raises(ValidationError, match="became a student"):
        change_lead_status(session, SALES, lead.id, LeadStatus.LOST, "Changed her mind")
    assert _stored(sessions, lead.id).status == LeadStatus.QUALIFIED


def test_a_lost_lead_can_get_a_new_reason(sessions) -> None:
    lead = _create(sessions, **ANN)
    with sessions() as session:
        change_lead_status(session, SALES, lead.id, LeadStatus.LOST, "No budget")
        change_lead_status(session, SALES, lead.id, LeadStatus.LOST, "Went with a competitor")
    assert _stored(sessions, lead.id).lost_reason == "Went with a competitor"


# --- permissions and deletion --------------------------------------------------------------


def test_marketing_reads_leads_but_does_not_edit_them(sessions) -> None:
    lead = _create(sessions, **ANN)
    with sessions() as session:
        assert get_lead(session, MARKETING, lead.id).email == ANN["email"]
    edits = [
        lambda s: create_lead(s, MARKETING, first_name="Mo"),
        lambda s: update_lead(s, MARKETING, lead.id, 1, notes="hi"),
        lambda s: change_lead_status(s, MARKETING, lead.id, "CONTACTED"),
        lambda s: delete_lead(s, MARKETING, lead.id),
    ]
    for edit in edits:
        with sessions() as session, pytest.raises(PermissionDeniedError, match="mia \\(Marketing"):
            edit(session)
    assert counts(sessions) == (1, 0, 1)
    assert _stored(sessions, lead.id).version == 1


def test_admins_delete_leads_with_their_calls_but_keep_converted_ones(sessions) -> None:
    host = add_member(sessions, "Dana")
    lead = _create(sessions, **ANN)
    kept = _create(sessions, first_name="Stu", email="stu@example.com")
    add_student(sessions, "stu@example.com", kept.id)
    with sessions() as session:
        session.add(SalesCall(lead_id=lead.id, host_id=host, scheduled_at=dt.datetime.now(dt.UTC)))
        session.commit()
    with sessions() as session, pytest.raises(PermissionDeniedError):
        delete_lead(session, SALES, lead.id)
    with sessions() as session:
        delete_lead(session, ADMIN, lead.id)
    with sessions() as session, pytest.raises(ConflictError, match="became a student"):
        delete_lead(session, ADMIN, kept.id)
    assert counts(sessions)[:2] == (1, 0)
    row = audit_rows(sessions, "leads")[-1]
    assert (row.action, row.entity_id, row.old_values["email"], row.summary) == (
        AuditAction.DELETE,
        lead.id,
        ANN["email"],
        "deleted with 1 sales call(s)",
    )
    with sessions() as session, pytest.raises(NotFoundError, match="Reload the list"):
        get_lead(session, SALES, lead.id)


def test_a_sales_reps_new_lead_is_theirs_unless_they_choose_another(sessions) -> None:
    dana, eve = add_member(sessions, "Dana"), add_member(sessions, "Eve")
    rep = Actor(user_id=None, username="dana", role=UserRole.SALES, team_member_id=dana)
    own = _create(sessions, rep, **ANN)
    other = _create(sessions, rep, owner_id=eve, first_name="Bo", email="bo@example.com")
    unowned = _create(sessions, SALES, first_name="Cy", email="cy@example.com")  # no member
    admin = Actor(user_id=None, username="root", role=UserRole.ADMIN, team_member_id=eve)
    by_admin = _create(sessions, admin, first_name="Di", email="di@example.com")
    owners = [_stored(sessions, lead.id).owner_id for lead in (own, other, unowned, by_admin)]
    assert owners == [dana, eve, None, None]
