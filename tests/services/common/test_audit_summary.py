"""The audit trail a manager reads: one line per change, names not UUIDs, labels not codes,
money and times as the installation shows them (real services write the rows)."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal_desktop.models import AuditEntry
from portal_desktop.models.enums import UserRole
from portal_desktop.services.billing.payments import record_payment, refund_payment
from portal_desktop.services.common.audit_names import Shown, name_from_values
from portal_desktop.services.common.audit_summary import describe, summaries
from portal_desktop.services.common.context import Actor
from portal_desktop.services.sales.leads import change_lead_status, delete_lead, update_lead
from portal_desktop.views.formatting import Formatter
from tests.services.factories import (
    make_enrollment,
    make_lead,
    make_program,
    make_student,
    make_team_member,
)

ADMIN = Actor(user_id=None, username="ada", role=UserRole.ADMIN)
NEW_YORK = Formatter(tz=ZoneInfo("America/New_York"))
SHOWN = Shown(NEW_YORK.money, NEW_YORK.date, NEW_YORK.datetime)


def lines_of(session, entity: str) -> list[str]:
    """The one-line summaries of ``entity``'s audit rows, oldest first."""
    ids = list(
        session.scalars(
            select(AuditEntry.id).where(AuditEntry.entity == entity).order_by(AuditEntry.at)
        )
    )
    found = summaries(session.connection(), ids, SHOWN)
    return [found[entry_id] for entry_id in ids]


def test_a_refund_reads_as_money_on_a_named_payment(sessions) -> None:
    with sessions() as session:
        student = make_student(session, first_name="Jane", last_name="Doe")
        program = make_program(session, name="Closers Academy", price="997")
        enrollment = make_enrollment(
            session, ADMIN, student=student, program=program, plan_type="PIF",
            contract_value="997", installments=1,
        )  # fmt: skip
        first = enrollment.installments[0].id
        paid = record_payment(
            session, ADMIN, first, method="BANK_TRANSFER",
            paid_at=dt.datetime(2024, 1, 15, 17, 30, tzinfo=dt.UTC),
        )  # fmt: skip
        refund_payment(session, ADMIN, paid.payment.id, "200")
        session.commit()
        payments = lines_of(session, "payments")
        installments = lines_of(session, "installments")
        enrollments = lines_of(session, "enrollments")
    assert payments[-1].startswith("Refund $200.00 on Jane Doe's payment of $997.00")
    # Labels, not codes; the time in the installation's zone (17:30 UTC is 12:30 in New York).
    assert payments[0] == "Created Jane Doe's payment of $997.00"
    assert any("Pending → Paid" in line for line in installments), installments
    assert enrollments == [
        "Created Jane Doe's enrollment in Closers Academy (deal closed)",
        "Jane Doe's enrollment in Closers Academy: Ended at — → 2024-01-15 12:30; "
        "Status Active → Completed",
    ]
    with sessions() as session:
        created = session.scalar(
            select(AuditEntry.id).where(AuditEntry.entity == "payments").order_by(AuditEntry.at)
        )
        detail = describe(session.connection(), created, SHOWN)
    assert detail is not None
    fields = {change.field: change.new for change in detail.changes}
    assert fields["Method"] == "Bank transfer"
    assert fields["Paid at"] == "2024-01-15 12:30"
    assert fields["Amount"] == "$997.00"
    assert fields["Enrollment"] == "Jane Doe's enrollment in Closers Academy"
    assert not any(_looks_like_uuid(text) for c in detail.changes for text in (c.old, c.new))


def _looks_like_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def test_lead_changes_name_people_and_say_labels(sessions) -> None:
    with sessions() as session:
        lead = make_lead(session, first_name="Sam", last_name="Lee")
        owner = make_team_member(session, name="Olivia Closer")
        lead = update_lead(session, ADMIN, lead.id, lead.version, owner_id=owner.id)
        change_lead_status(session, ADMIN, lead.id, "CONTACTED")
        session.commit()
        delete_lead(session, ADMIN, lead.id)
        session.commit()
        lines = lines_of(session, "leads")
    assert lines[0] == "Lead Sam Lee: Owner — → Olivia Closer"
    assert lines[1] == "Lead Sam Lee: Status New → Contacted"
    assert lines[2] == "Deleted lead Sam Lee (deleted with 0 sales call(s))"


def test_a_record_gone_without_a_name_is_called_by_its_noun() -> None:
    assert name_from_values("leads", {"first_name": "Sam", "last_name": "Lee"}) == "lead Sam Lee"
    assert name_from_values("programs", {"name": "Closers"}) == "program Closers"
    assert name_from_values("installments", None) == "an installment"
    assert name_from_values("payments", {}) == "a payment"
