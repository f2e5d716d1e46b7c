"""Programs: ADMIN creates and edits them; a deactivated program is no longer listed."""

from __future__ import annotations

from decimal import Decimal

from portal_desktop.errors import ConflictError, PermissionDeniedError, ValidationError
from portal_desktop.models.enums import AuditAction, UserRole
from portal_desktop.services.common.context import Actor
from portal_desktop.services.sales.programs import create_program, list_programs, update_program
from tests.services.factories import assert_refused, audit_rows

ADMIN = Actor(user_id=None, username="ada", role=UserRole.ADMIN)
SALES = Actor(user_id=None, username="sam", role=UserRole.SALES)


def test_create_edit_and_deactivate_a_program(sessions) -> None:
    with sessions() as session:
        program = create_program(
            session, ADMIN, "  Scale Up  ", "4997.00", description="12 weeks", duration_weeks=12
        )
        assert (program.name, program.price, program.duration_weeks, program.active) == (
            "Scale Up",
            Decimal("4997.00"),
            12,
            True,
        )
        create_program(session, ADMIN, "Accelerator", 997)
        assert [p.name for p in list_programs(session)] == ["Accelerator", "Scale Up"]
        update_program(session, ADMIN, program.id, price="5997", active=False)
        assert [p.name for p in list_programs(session)] == ["Accelerator"]
        everything = list_programs(session, include_inactive=True)
        assert [(p.name, p.price, p.active) for p in everything] == [
            ("Accelerator", Decimal("997.00"), True),
            ("Scale Up", Decimal("5997.00"), False),
        ]
        rows = audit_rows(session, "programs")
        assert [row.action for row in rows] == [
            AuditAction.CREATE,
            AuditAction.CREATE,
            AuditAction.UPDATE,
        ]
        assert (rows[2].old_values, rows[2].new_values) == (
            {"price": "4997.00", "active": True},
            {"price": "5997.00", "active": False},
        )


def test_bad_program_input_names_the_field_and_changes_nothing(sessions) -> None:
    with sessions() as session:
        program_id = create_program(session, ADMIN, "Scale Up", "100").id
        version = 1
    cases = [
        (lambda s: create_program(s, ADMIN, "scale UP", "100"), "name", "already exists"),
        (lambda s: create_program(s, ADMIN, " ", "100"), "name", "required"),
        (lambda s: create_program(s, ADMIN, "X" * 201, "100"), "name", "at most 200"),
        (lambda s: create_program(s, ADMIN, "New", "-1"), "price", "0 or more"),
        (lambda s: create_program(s, ADMIN, "New", 99.5), "price", "float"),
        (lambda s: create_program(s, ADMIN, "New", "1", duration_weeks=0), "duration_weeks", ""),
        (lambda s: update_program(s, ADMIN, program_id, colour="red"), "colour", "not a field"),
        (lambda s: update_program(s, ADMIN, program_id, active="no"), "active", "true or false"),
    ]
    for call, field, words in cases:
        assert_refused(sessions, call, ValidationError, field, words, case=field)
    assert_refused(
        sessions,
        lambda s: update_program(s, ADMIN, program_id, expected_version=version + 1, price="5"),
        ConflictError,
    )
    assert_refused(
        sessions, lambda s: create_program(s, SALES, "Mine", "100"), PermissionDeniedError
    )
