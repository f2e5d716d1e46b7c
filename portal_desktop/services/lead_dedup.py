"""Duplicate leads by email (compared without regard to case), inside a file and against the
database, routed by the user's policy as the rows of an import are read.

* SKIP: the first valid row of an email wins; later rows of that email, and rows whose email
  already belongs to a lead, are skipped (and listed).
* UPDATE: later rows fill in the first one (their non-empty values win); a lead already in
  the database takes the file's non-empty names, phone, source, campaign, medium and notes
  — never its email, status or creation time (statuses follow the pipeline's rules). A new
  lead whose email comes again later in the file is held until its last row has been read.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from portal_desktop.db.bulk import sqlite_has_json
from portal_desktop.models import Lead
from portal_desktop.services.import_common import Problem
from portal_desktop.services.lead_rows import UPDATABLE

LOOKUP_CHUNK = 50_000
PLAIN_CHUNK = 500
Values = dict[str, Any]


class DuplicatePolicy(StrEnum):
    SKIP = "skip"
    UPDATE = "update"


@dataclass
class ExistingLead:
    id: uuid.UUID
    version: int
    values: Values  # UPDATABLE and ad_campaign_id, as stored
    linked_by_hand: bool = False  # a person chose ad_campaign_id: it stays


def existing_leads(session: Session, keys: Sequence[str]) -> dict[str, ExistingLead]:
    """Leads already in the database, by lower-case email.

    The keys travel as one parameter per chunk (an array on PostgreSQL, a JSON array read
    by ``json_each`` on SQLite), not as one bind parameter each.
    """
    names = (*UPDATABLE, "ad_campaign_id")
    columns = [getattr(Lead, name) for name in names]
    lowered = func.lower(Lead.email)
    found: dict[str, ExistingLead] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    json_array = not postgres and sqlite_has_json(session.connection())
    step = LOOKUP_CHUNK if postgres or json_array else PLAIN_CHUNK
    for start in range(0, len(keys), step):
        chunk = list(keys[start : start + step])
        if postgres:
            wanted = lowered == any_(bindparam("keys", chunk, type_=ARRAY(String)))
        elif json_array:
            listed = func.json_each(bindparam("keys", json.dumps(chunk))).table_valued("value")
            wanted = lowered.in_(select(listed.c.value))
        else:  # an old SQLite without JSON: one parameter per key
            wanted = lowered.in_(chunk)
        query = select(
            lowered, Lead.id, Lead.version, Lead.campaign_linked_by_hand, *columns
        ).where(wanted)
        for key, lead_id, version, by_hand, *values in session.execute(query):
            found[key] = ExistingLead(
                lead_id, version, dict(zip(names, values, strict=True)), by_hand
            )
    return found


def fill(target: Values, values: Values) -> None:
    """The non-empty updatable values of ``values`` over ``target``."""
    for key in UPDATABLE:
        value = values[key]
        if value is not None and value != "":
            target[key] = value


class Deduplicator:
    """Routes each valid row: new (returned when ready to write), duplicate, or update.

    ``repeated`` counts the emails that the file has more than once (for the UPDATE policy),
    known before the rows are checked, so a new lead can wait for the file's later rows of
    its email.
    """

    def __init__(
        self,
        policy: DuplicatePolicy,
        repeated: Counter[str],
        existing: dict[str, ExistingLead],
        email_title: str,
    ) -> None:
        self.update = policy is DuplicatePolicy.UPDATE
        self.existing = existing
        self.email_title = email_title
        self.remaining = repeated if self.update else Counter[str]()
        self.first_row: dict[str, int] = {}
        self.held: dict[str, Values] = {}
        self.updates: dict[str, tuple[ExistingLead, Values]] = {}
        self.notes: list[Problem] = []
        self.existing_rows = 0

    def route(self, row: int, key: str, values: Values | None) -> list[Values]:
        """The new leads ready to be written after this row (``values`` None: invalid)."""
        ready = []
        if values is not None:
            if not key:
                ready.append(values)
            elif key in self.first_row:
                self._repeat(row, key, values)
            elif key in self.existing:
                self._known(row, key, values)
            elif self.update and self.remaining[key] > 1:
                self.first_row[key] = row
                self.held[key] = values
            else:
                self.first_row[key] = row
                ready.append(values)
        if self.update and key in self.remaining:
            self.remaining[key] -= 1
            if self.remaining[key] == 0:
                del self.remaining[key]
                if key in self.held:
                    ready.append(self.held.pop(key))
        return ready

    def _repeat(self, row: int, key: str, values: Values) -> None:
        what = "its values fill in that row's" if self.update else "skipped"
        self._note(row, f"repeats the email of row {self.first_row[key]}; {what}")
        if self.update:
            fill(self.held[key] if key in self.held else self.updates[key][1], values)

    def _known(self, row: int, key: str, values: Values) -> None:
        self.first_row[key] = row
        self.existing_rows += 1
        what = "its details will be updated" if self.update else "skipped"
        self._note(row, f"is already a lead; {what}")
        if self.update:
            found = self.existing[key]
            merged = dict(found.values)
            fill(merged, values)
            self.updates[key] = (found, merged)

    def _note(self, row: int, text: str) -> None:
        self.notes.append(Problem(row, self.email_title, text))

    def leftovers(self) -> list[Values]:
        """New leads still held at the end (none when every key was counted)."""
        rest = list(self.held.values())
        self.held.clear()
        return rest

    def changed_updates(self) -> list[tuple[ExistingLead, Values]]:
        """Existing leads whose values the file changes."""
        return [
            (found, merged) for found, merged in self.updates.values() if merged != found.values
        ]

    @property
    def file_duplicates(self) -> int:
        return len(self.notes) - self.existing_rows
