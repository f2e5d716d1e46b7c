"""What each choice of a conflict writes on the replica (``conflicts.resolve`` calls it in
its transaction). Every write goes through the normal paths with capture on — a service
where one fits (a payment), else the record's own row — so the next push carries it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from portal_desktop.db.replica_tables import sync_conflicts, sync_state
from portal_desktop.errors import ValidationError
from portal_desktop.models import Installment, User
from portal_desktop.models.enums import InstallmentStatus
from portal_desktop.services.billing.payments import record_payment
from portal_desktop.services.common.context import SYSTEM, Actor
from portal_desktop.services.files.lead_rows import UPDATABLE
from portal_desktop.services.sync import capture
from portal_desktop.services.sync.values import table_of, to_python

_BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "version"})

if TYPE_CHECKING:
    from portal_desktop.services.sync.conflicts import Conflict

Step = Callable[[Session, "Conflict", tuple[str, ...], uuid.UUID | None], list[uuid.UUID]]


def carry_out(
    session: Session,
    found: Conflict,
    choice: str,
    fields: tuple[str, ...],
    target_id: uuid.UUID | None,
) -> list[uuid.UUID]:
    """Write ``choice``; the ids of other conflicts it resolves too (a merge's dependants).
    A choice with no step (theirs, discard, restore of deleted_here) writes nothing: the push
    left the server's rows on the replica already."""
    step = _STEPS.get((found.kind, choice))
    return [] if step is None else step(session, found, fields, target_id)


def replica_actor(session: Session) -> Actor:
    """The person the replica belongs to (its services run as them), else the owner."""
    value = session.scalar(select(sync_state.c.value).where(sync_state.c.key == "person_id"))
    user = session.get(User, uuid.UUID(value)) if value else None
    if user is None:
        return SYSTEM
    return Actor(user.id, user.username, user.role, user.team_member_id)


def _set_fields(session: Session, table: str, record_id: uuid.UUID, stored: dict[str, Any]) -> None:
    t = table_of(table)
    values = to_python(table, stored)
    if values:
        session.execute(
            update(t).where(t.c.id == record_id).values(**values, version=t.c.version + 1)
        )


def _mine(session: Session, found: Conflict, fields: tuple[str, ...], _t: Any) -> list[uuid.UUID]:
    wanted = fields or tuple(found.mine)
    unknown = [f for f in wanted if f not in found.mine]
    if unknown:
        raise ValidationError(
            "fields",
            f"{', '.join(unknown)} are not in conflict; choose among {', '.join(found.mine)}",
        )
    assert found.record_id is not None
    _set_fields(session, found.table_name, found.record_id, {f: found.mine[f] for f in wanted})
    return []


def _restore_mine(session: Session, found: Conflict, *_args: Any) -> list[uuid.UUID]:
    session.execute(
        insert(table_of(found.table_name)).values(to_python(found.table_name, found.mine))
    )
    return []


def _delete_after_all(session: Session, found: Conflict, *_args: Any) -> list[uuid.UUID]:
    t = table_of(found.table_name)
    session.execute(delete(t).where(t.c.id == found.record_id))
    return []


def _my_insert(found: Conflict, table: str) -> dict[str, Any]:
    return next(
        c["data"] for c in found.mine["changes"] if c["table"] == table and c["op"] == "insert"
    )


def _record_elsewhere(
    session: Session, found: Conflict, _f: Any, target_id: uuid.UUID | None
) -> list[uuid.UUID]:
    payment = to_python("payments", _my_insert(found, "payments"))
    if target_id is None:
        target_id = session.scalar(
            select(Installment.id)
            .where(
                Installment.enrollment_id == payment["enrollment_id"],
                Installment.status != InstallmentStatus.PAID,
                Installment.id != payment["installment_id"],
            )
            .order_by(Installment.sequence)
            .limit(1)
        )
        if target_id is None:
            raise ValidationError(
                "target_id", "this enrollment has no other open installment; discard the payment"
            )
    record_payment(
        session,
        replica_actor(session),
        target_id,
        payment["amount"],
        paid_at=payment["paid_at"],
        method=payment["method"],
        reference=payment["reference"],
        notes=payment["notes"],
    )
    return []


def _merge(session: Session, found: Conflict, *_args: Any) -> list[uuid.UUID]:
    """Keep the server's lead; fill its empty fields from mine, add my notes, and move what
    was made on my lead (calls…, refused with it) onto it."""
    mine = _my_insert(found, "leads")
    theirs = found.theirs["row"]
    keep = uuid.UUID(found.theirs["id"])
    if session.scalar(select(table_of("leads").c.id).where(table_of("leads").c.id == keep)) is None:
        with capture.paused(session.connection()):  # the server has it: not a change of mine
            session.execute(insert(table_of("leads")).values(to_python("leads", theirs)))
    fill = {k: mine[k] for k in UPDATABLE if k in mine and mine[k] and not theirs.get(k)}
    if mine.get("notes") and mine["notes"] != theirs.get("notes"):
        fill["notes"] = "\n".join(n for n in (theirs.get("notes"), mine["notes"]) if n)
    _set_fields(session, "leads", keep, fill)
    return _move_dependants(session, mine["id"], keep)


def _move_dependants(session: Session, old_hex: str, keep: uuid.UUID) -> list[uuid.UUID]:
    """Replay the open conflicts that were refused because they build on my lead, with the
    server's lead in its place."""
    moved: list[uuid.UUID] = []
    rows = session.execute(
        select(sync_conflicts.c.id, sync_conflicts.c.mine).where(
            sync_conflicts.c.resolved_at.is_(None), sync_conflicts.c.kind == "rule"
        )
    ).all()
    for key, mine in rows:
        changes = mine.get("changes", []) if isinstance(mine, dict) else []
        if not any(old_hex in (c["data"] or {}).values() for c in changes):
            continue
        for change in changes:
            if change["record_id"].replace("-", "") == old_hex:
                continue  # my lead itself: merged above
            data = {k: keep.hex if v == old_hex else v for k, v in (change["data"] or {}).items()}
            t = table_of(change["table"])
            if change["op"] == "insert":
                session.execute(insert(t).values(to_python(change["table"], data)))
            elif change["op"] == "update":
                base = change["base"] or {}
                changed = {
                    k: v for k, v in data.items() if k not in _BOOKKEEPING and v != base.get(k)
                }
                _set_fields(session, change["table"], uuid.UUID(change["record_id"]), changed)
        moved.append(key)
    return moved


_STEPS: dict[tuple[str, str], Step] = {
    ("same_field", "mine"): _mine,
    ("same_field", "fields"): _mine,
    ("deleted_there", "restore"): _restore_mine,
    ("deleted_here", "mine"): _delete_after_all,
    ("paid_meanwhile", "record_elsewhere"): _record_elsewhere,
    ("duplicate", "merge"): _merge,
}
