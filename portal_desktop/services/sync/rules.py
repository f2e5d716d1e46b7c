"""The business rules a pushed change meets on the server: the very checks the services
run online, on the server's rows as they are before the change set is applied.

The database's own rules (foreign keys, unique and check constraints, grants and row
security of the person's login) hold too: the push turns what they refuse into a conflict
with the database's words (``push.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_desktop.errors import ConflictError, NotFoundError, PortalError, ValidationError
from portal_desktop.models import Installment, Lead
from portal_desktop.models.enums import PaymentStatus
from portal_desktop.services.billing import payments
from portal_desktop.services.sales import leads


@dataclass(frozen=True)
class Refusal:
    """Why the server does not take a change: ``kind`` is a conflict kind."""

    kind: str  # rule | duplicate | paid_meanwhile
    message: str
    other_table: str | None = None  # the server's record the change met, if any
    other_id: uuid.UUID | None = None


Check = Callable[[Session, str, uuid.UUID, dict[str, Any]], Refusal | None]

_TAKEN_KEY = "portal_sync_taken_emails"
_CHUNK = 5000


def look_ahead(session: Session, rows: list[tuple[str, dict[str, Any]]]) -> None:
    """Read at once what the checks of many rows would each read: the server's leads of
    the change set's emails (a lead whose email is not among them passes the email check
    without asking; one that is meets the service's own check and words)."""
    emails = sorted(
        {row["email"].lower() for table, row in rows if table == "leads" and row.get("email")}
    )
    taken: set[str] = set()
    for start in range(0, len(emails), _CHUNK):
        chunk = emails[start : start + _CHUNK]
        query = select(func.lower(Lead.email)).where(func.lower(Lead.email).in_(chunk))
        taken |= set(session.scalars(query))
    session.info[_TAKEN_KEY] = taken


def _email_may_be_taken(session: Session, email: str | None) -> bool:
    taken = session.info.get(_TAKEN_KEY)
    return email is not None and (taken is None or email.lower() in taken)


def _lead(session: Session, op: str, record_id: uuid.UUID, row: dict[str, Any]) -> Refusal | None:
    try:
        values = leads.clean_lead(session, row)
    except PortalError as exc:
        return Refusal("rule", str(exc))
    if not _email_may_be_taken(session, values["email"]):
        return None
    try:
        leads.check_email_free(session, values["email"], record_id)
    except ValidationError as exc:
        other = session.scalar(
            select(Lead.id).where(
                func.lower(Lead.email) == func.lower(values["email"]), Lead.id != record_id
            )
        )
        return Refusal("duplicate", str(exc), "leads", other)
    return None


def _payment(
    session: Session, op: str, _record_id: uuid.UUID, row: dict[str, Any]
) -> Refusal | None:
    if op != "insert" or row.get("status") != PaymentStatus.PAID or not row["installment_id"]:
        return None
    installment = session.get(Installment, row["installment_id"])
    if installment is None:
        return Refusal("rule", "its installment was deleted on the server; nothing was recorded")
    try:
        payments.refuse_if_paid(session, installment, "nothing was recorded twice")
    except (ConflictError, NotFoundError) as exc:
        return Refusal("paid_meanwhile", str(exc), "installments", installment.id)
    return None


CHECKS: dict[str, Check] = {"leads": _lead, "payments": _payment}
"""The service checks of each table (by record kind; others: the database's rules)."""


def check(
    session: Session, table: str, op: str, record_id: uuid.UUID, row: dict[str, Any]
) -> Refusal | None:
    """The refusal of an insert or update of ``row`` (the record as it would be), if any."""
    rule = CHECKS.get(table)
    if rule is None or op == "delete":
        return None
    return rule(session, op, record_id, row)
