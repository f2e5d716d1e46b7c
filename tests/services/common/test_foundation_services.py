"""The shared service machinery: one transaction per use case, settings, audit rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop.errors import PermissionDeniedError, ValidationError
from portal_desktop.models import AppSetting, AuditEntry, Program, TeamMember
from portal_desktop.models.enums import AuditAction, TeamRole, UserRole
from portal_desktop.services.accounts.settings import DEFAULTS, load_settings, update_settings
from portal_desktop.services.common import audit
from portal_desktop.services.common.context import SYSTEM, Actor, Permission
from portal_desktop.services.common.transaction import use_case

SALES = Actor(user_id=None, username="sam", role=UserRole.SALES)
MARKETING = Actor(user_id=None, username="mia", role=UserRole.MARKETING)


@use_case
def _add_member(session: Session, name: str, fail: bool = False) -> TeamMember:
    member = TeamMember(name=name, role=TeamRole.CLOSER)
    session.add(member)
    session.flush()
    if fail:
        raise ValidationError("name", "refused for the test")
    return member


@use_case
def _add_two(session: Session, fail_second: bool) -> None:
    _add_member(session, "first")
    _add_member(session, "second", fail=fail_second)


def _members(sessions) -> list[str]:
    with sessions() as session:
        return sorted(session.scalars(select(TeamMember.name)))


def test_use_case_commits_on_success(sessions) -> None:
    with sessions() as session:
        _add_member(session, "kept")
    assert _members(sessions) == ["kept"]


def test_use_case_rolls_back_everything_on_error(sessions) -> None:
    with sessions() as session, pytest.raises(ValidationError, match="name: refused"):
        _add_two(session, fail_second=True)
    assert _members(sessions) == []
    with sessions() as session:
        _add_two(session, fail_second=False)
    assert _members(sessions) == ["first", "second"]


def test_roles_have_the_permissions_of_design_md() -> None:
    assert all(SYSTEM.can(p) for p in Permission)
    assert SALES.can(Permission.RECORD_PAYMENTS) and not SALES.can(Permission.MANAGE_USERS)
    assert MARKETING.can(Permission.EDIT_MARKETING)
    assert not MARKETING.can(Permission.EDIT_LEADS)
    assert not MARKETING.can(Permission.RECORD_PAYMENTS)
    with pytest.raises(PermissionDeniedError, match="sam \\(Sales\\) may not change settings"):
        SALES.require(Permission.MANAGE_SETTINGS)


def test_settings_default_then_update(sessions) -> None:
    with sessions() as session:
        assert load_settings(session) == DEFAULTS
        updated = update_settings(
            session, SYSTEM, currency="eur", grace_days="5", time_zone="Europe/Berlin"
        )
    assert (updated.currency, updated.grace_days, updated.time_zone) == ("EUR", 5, "Europe/Berlin")
    with sessions() as session:
        assert load_settings(session).tz.key == "Europe/Berlin"
        update_settings(session, SYSTEM, grace_days="7", currency="EUR")  # EUR: unchanged
        trail = session.execute(
            select(AuditEntry.action, AuditEntry.old_values, AuditEntry.new_values)
            .where(AuditEntry.entity == "app_settings")
            .order_by(AuditEntry.id)
        ).all()
    assert len(trail) == 4  # three created, one changed; an unchanged value writes nothing
    assert trail[-1] == (AuditAction.UPDATE, {"value": "5"}, {"value": "7"})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": "dollars"}, "currency"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"grace_days": "-1"}, "grace_days"),
        ({"closer_commission_rate": "1.5"}, "closer_commission_rate"),
        ({"closer_commission_rate": "NaN"}, "closer_commission_rate"),
        ({"setter_commission_rate": "-Infinity"}, "setter_commission_rate"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_settings_name_the_field_and_change_nothing(sessions, changes, field) -> None:
    with sessions() as session, pytest.raises(ValidationError) as caught:
        # a valid change beside the bad one must not be written either
        update_settings(session, SYSTEM, **({"setter_commission_rate": "0.07"} | changes))
    assert caught.value.field == field
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AppSetting)) == 0


def test_only_admins_change_settings(sessions) -> None:
    with sessions() as session, pytest.raises(PermissionDeniedError):
        update_settings(session, SALES, currency="EUR")


def test_audit_rows_keep_only_what_changed(sessions) -> None:
    with sessions() as session:
        program = Program(name="Mastermind", price=Decimal("5000.00"))
        session.add(program)
        audit.record(session, SYSTEM, AuditAction.CREATE, program)
        before = audit.snapshot(program)
        program.price = Decimal("5500.00")
        audit.record(session, SYSTEM, AuditAction.UPDATE, program, old=before)
        session.commit()
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [r.action for r in rows] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert rows[0].new_values["price"] == "5000.00" and rows[0].old_values is None
    assert rows[1].old_values == {"price": "5000.00"}
    assert rows[1].new_values == {"price": "5500.00"}
    assert rows[1].entity == "programs" and rows[1].entity_id == program.id
    assert rows[1].at <= dt.datetime.now(dt.UTC)
