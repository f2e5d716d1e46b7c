"""Duplicate leads by email (compared without regard to case), inside a file and against the
database, routed by the user's policy as the rows of an import are read.

* SKIP: the first valid row of an email wins; later rows of that email, and rows whose email
  already belongs to a lead, are skipped (and listed).
* UPDATE: later rows fill in the first one (their non-empty values win); a lead already in
  the database takes the file's non-empty names, phone, source, campaign, medium and notes
  — never its email, status or creation time (statuses follow the pipeline's rules). A new
  lead whose email comes again later in the file is held until its last row has been read.

Whatever it remembers per email is kept on the disk (services.files.seen_emails), so that memory
does not grow with the file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from portal_desktop.db.bulk import sqlite_has_json
from portal_desktop.models import Lead
from portal_desktop.services.files.import_common import Problem
from portal_desktop.services.files.lead_rows import UPDATABLE
from portal_desktop.services.files.seen_emails import LEAD_VALUES, ExistingLead, Seen, SeenEmails

LOOKUP_CHUNK = 50_000
PLAIN_CHUNK = 500
Values = dict[str, Any]


class DuplicatePolicy(StrEnum):
    SKIP = "skip"
    UPDATE = "update"


def existing_leads(session: Session, keys: Sequence[str]) -> dict[str, ExistingLead]:
    """Leads already in the database, by lower-case email.

    The keys travel as one parameter per chunk (an array on PostgreSQL, a JSON array read
    by ``json_each`` on SQLite), not as one bind parameter each.
    """
    names = LEAD_VALUES
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

    What it remembers about emails is on the disk (services.files.seen_emails), filled by the
    first pass over the file: how many rows each repeated email has (for the UPDATE policy,
    so a new lead can wait for the file's later rows of its email) and the existing leads.
    The rows are routed a chunk at a time, against the state of that chunk's emails.
    """

    def __init__(self, policy: DuplicatePolicy, seen: SeenEmails, email_title: str) -> None:
        self.update = policy is DuplicatePolicy.UPDATE
        self.seen = seen
        self.email_title = email_title
        self.notes: list[Problem] = []
        self.existing_rows = 0

    def route(self, rows: list[tuple[int, str, Values | None]]) -> list[Values]:
        """The new leads ready to be written after these rows (row number, email key,
        values; values None: an invalid row)."""
        states = self.seen.load((key for _, key, _ in rows if key), with_leads=self.update)
        ready: list[Values] = []
        for row, key, values in rows:
            state = states.get(key)
            if state is None:  # no email, or one the file has once and no lead has
                if values is not None:
                    ready.append(values)
                continue
            if values is not None:
                self._route(row, state, values, ready)
            state.remaining -= 1
            if state.remaining == 0 and state.held is not None:
                ready.append(state.held)
                state.held = None
        self.seen.save(states)
        return ready

    def _route(self, row: int, state: Seen, values: Values, ready: list[Values]) -> None:
        if state.first_row is not None:
            self._repeat(row, state, values)
            return
        state.first_row = row
        if state.existing:
            self._known(row, state, values)
        elif self.update and state.remaining > 1:
            state.held = values
        else:
            ready.append(values)

    def _repeat(self, row: int, state: Seen, values: Values) -> None:
        what = "its values fill in that row's" if self.update else "skipped"
        self._note(row, f"repeats the email of row {state.first_row}; {what}")
        target = state.held if state.held is not None else state.merged
        if self.update and target is not None:
            fill(target, values)

    def _known(self, row: int, state: Seen, values: Values) -> None:
        self.existing_rows += 1
        what = "its details will be updated" if self.update else "skipped"
        self._note(row, f"is already a lead; {what}")
        if self.update and state.found is not None:
            state.merged = dict(state.found.values)
            fill(state.merged, values)

    def _note(self, row: int, text: str) -> None:
        self.notes.append(Problem(row, self.email_title, text))

    @property
    def file_duplicates(self) -> int:
        return len(self.notes) - self.existing_rows
