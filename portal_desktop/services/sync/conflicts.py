"""Conflicts: what the server refused or met changed by someone else, kept on the replica
until a person chooses (``sync_conflicts``; a resolved one keeps its row with when and how).

Each kind offers its choices (``CHOICES``); :func:`resolve` writes the choice on the replica
through the normal write paths, with capture on, so the next push carries it to the server.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.replica_tables import sync_conflicts
from portal_desktop.errors import NotFoundError, ValidationError
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.sync import resolutions

CHOICES: dict[str, tuple[str, ...]] = {
    "same_field": ("mine", "theirs", "fields"),
    "paid_meanwhile": ("record_elsewhere", "discard"),
    "duplicate": ("merge", "discard"),
    "deleted_there": ("restore", "discard"),
    "deleted_here": ("restore", "mine"),
    "rule": ("discard",),
}
"""The choices of each kind. deleted_there: restore = put my version back on the server;
deleted_here: restore = keep the server's (edited) record, mine = delete it after all."""

RESOLUTION = {
    "mine": "mine",
    "theirs": "theirs",
    "fields": "fields",
    "merge": "merged",
    "restore": "restored",
    "discard": "discarded",
    "record_elsewhere": "recorded_elsewhere",
}


@dataclass(frozen=True)
class Conflict:
    """One row of ``sync_conflicts``, with the choices its kind offers."""

    id: uuid.UUID
    txn_id: uuid.UUID
    kind: str
    table_name: str
    record_id: uuid.UUID | None
    message: str
    mine: Any
    theirs: Any
    their_person: str | None
    their_at: dt.datetime | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str | None
    choices: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        plain = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for key in ("id", "txn_id", "record_id"):
            plain[key] = None if plain[key] is None else str(plain[key])
        for key in ("their_at", "created_at", "resolved_at"):
            plain[key] = None if plain[key] is None else plain[key].isoformat()
        plain["choices"] = list(self.choices)
        return plain


def record(connection: Connection, found: Sequence[dict[str, Any]]) -> int:
    """Add the push's conflicts (a retry adds none twice); how many were new."""
    new = 0
    for item in found:
        key = uuid.UUID(item["id"])
        if connection.scalar(select(sync_conflicts.c.id).where(sync_conflicts.c.id == key)):
            continue
        their_at = item.get("their_at")
        connection.execute(
            sync_conflicts.insert().values(
                id=key,
                txn_id=uuid.UUID(item["txn_id"]),
                kind=item["kind"],
                table_name=item["table_name"],
                record_id=None if item["record_id"] is None else uuid.UUID(item["record_id"]),
                message=item["message"],
                mine=item["mine"],
                theirs=item["theirs"],
                their_person=item.get("their_person"),
                their_at=None if their_at is None else dt.datetime.fromisoformat(their_at),
                created_at=clock.now(),
            )
        )
        new += 1
    return new


def _conflict(row: Any) -> Conflict:
    values = dict(row._mapping)
    return Conflict(**values, choices=CHOICES.get(values["kind"], ("discard",)))


def open_conflicts(session: Session) -> list[Conflict]:
    """The conflicts waiting for a person, oldest first."""
    query = (
        select(sync_conflicts)
        .where(sync_conflicts.c.resolved_at.is_(None))
        .order_by(sync_conflicts.c.created_at, sync_conflicts.c.id)
    )
    return [_conflict(row) for row in session.execute(query)]


def refused_ids(connection: Connection) -> set[str]:
    """Hex ids of the records whose insert waits in an open conflict: a later change that
    builds on one of them is refused too, until that conflict is resolved."""
    query = select(sync_conflicts.c.mine).where(sync_conflicts.c.resolved_at.is_(None))
    found: set[str] = set()
    for (mine,) in connection.execute(query):
        if isinstance(mine, dict):
            found |= {
                c["record_id"].replace("-", "")
                for c in mine.get("changes", ())
                if c["op"] == "insert"
            }
    return found


@use_case
def resolve(
    session: Session,
    conflict_id: uuid.UUID,
    choice: str,
    fields: Sequence[str] = (),
    target_id: uuid.UUID | None = None,
) -> None:
    """Carry out a person's choice for an open conflict; the conflict keeps its row."""
    row = session.execute(select(sync_conflicts).where(sync_conflicts.c.id == conflict_id)).first()
    if row is None:
        raise NotFoundError(f"there is no conflict {conflict_id}; list them with `conflicts`")
    found = _conflict(row)
    if found.resolved_at is not None:
        raise ValidationError("conflict", f"was already resolved ({found.resolution})")
    if choice not in found.choices:
        raise ValidationError(
            "choice",
            f"{choice!r} does not apply to a {found.kind} conflict; "
            f"choose one of {', '.join(found.choices)}",
        )
    if choice == "fields" and not fields:
        raise ValidationError(
            "fields", f"name the fields to keep from your version: {', '.join(found.mine)}"
        )
    resolved_too = resolutions.carry_out(session, found, choice, tuple(fields), target_id)
    for key in (found.id, *resolved_too):
        session.execute(
            update(sync_conflicts)
            .where(sync_conflicts.c.id == key)
            .values(resolved_at=clock.now(), resolution=RESOLUTION[choice])
        )
