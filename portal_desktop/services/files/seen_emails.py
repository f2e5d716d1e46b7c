"""What an import remembers about the emails of its file, kept on the disk, not in memory:
a temporary SQLite file (stdlib ``sqlite3``) with a small page cache, deleted when the
import ends. Memory stays the same whatever the file's size (issue 11).

The first pass over the file appends every email (:meth:`SeenEmails.count`) and the leads
already in the database (:meth:`SeenEmails.add_existing`); :meth:`SeenEmails.close_counting`
then keeps only the emails worth remembering: those the file has more than once and those
of an existing lead. While the rows are checked, each chunk loads the state of its emails
(:meth:`SeenEmails.load`), changes it and saves it back (:meth:`SeenEmails.save`); an email
the store does not know is a new lead that needs nothing remembered.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal_desktop.services.files.lead_rows import UPDATABLE

CACHE_KIB = 2 * 1024
FETCH_ROWS = 5_000
Values = dict[str, Any]
LEAD_VALUES = (*UPDATABLE, "ad_campaign_id")

_SCHEMA = """
CREATE TABLE raw (key TEXT NOT NULL);
CREATE TABLE existing (key TEXT PRIMARY KEY, found BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE probe (key TEXT NOT NULL);
CREATE TABLE seen (
    key TEXT PRIMARY KEY,
    remaining INTEGER NOT NULL,  -- rows of this email not read yet
    found BLOB,                  -- the lead already in the database (pickled), if any
    first_row INTEGER,           -- the first valid row of this email, once read
    held BLOB,                   -- a new lead waiting for its email's later rows (UPDATE)
    merged BLOB,                 -- the values an existing lead takes (UPDATE)
    changed INTEGER NOT NULL DEFAULT 0  -- merged differs from what is stored
) WITHOUT ROWID;
"""


@dataclass
class ExistingLead:
    id: uuid.UUID
    version: int
    values: Values  # UPDATABLE and ad_campaign_id, as stored
    linked_by_hand: bool = False  # a person chose ad_campaign_id: it stays

    def dump(self) -> bytes:
        """As plain values: much quicker to read back than the pickled object."""
        campaign = self.values["ad_campaign_id"]
        values = [self.values[name] for name in UPDATABLE]
        plain = (self.id.bytes, self.version, values, campaign and campaign.bytes)
        return pickle.dumps((*plain, self.linked_by_hand), pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, blob: bytes) -> ExistingLead:
        key, version, values, campaign, by_hand = pickle.loads(blob)  # our own temporary file
        campaign_id = None if campaign is None else uuid.UUID(bytes=campaign)
        stored = dict(zip(UPDATABLE, values, strict=True)) | {"ad_campaign_id": campaign_id}
        return cls(uuid.UUID(bytes=key), version, stored, by_hand)


@dataclass
class Seen:
    """One remembered email, as the rows of a chunk change it."""

    remaining: int
    existing: bool
    found: ExistingLead | None = None  # loaded when asked for (the UPDATE policy)
    first_row: int | None = None
    held: Values | None = None
    merged: Values | None = None


def _dump(value: object) -> bytes | None:
    return None if value is None else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _load(blob: bytes | None) -> Any:
    return None if blob is None else pickle.loads(blob)  # our own temporary file


def _saved(key: str, state: Seen) -> tuple[Any, ...]:
    changed = state.found is not None and state.merged not in (None, state.found.values)
    merged = _dump(state.merged)
    return (state.remaining, state.first_row, _dump(state.held), merged, changed, key)


class SeenEmails:
    """The on-disk store of one import; a context manager that deletes it at the end."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="portal-import-")
        self._db = sqlite3.connect(Path(self._folder.name) / "emails.db", isolation_level=None)
        for pragma in (
            f"cache_size = -{CACHE_KIB}", "journal_mode = OFF", "synchronous = OFF",
            "temp_store = FILE", "locking_mode = EXCLUSIVE",
        ):  # fmt: skip
            self._db.execute(f"PRAGMA {pragma}")
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")  # one transaction: nothing is written until pages spill
        self.remembered = 0

    def __enter__(self) -> SeenEmails:
        return self

    def __exit__(self, *_: object) -> None:
        self._db.close()
        self._folder.cleanup()

    # --- the first pass ---------------------------------------------------------------------

    def count(self, keys: Iterable[str]) -> None:
        """Note one row of each email (``''``, no email, is left out)."""
        self._db.executemany("INSERT INTO raw VALUES (?)", ((key,) for key in keys if key))

    def add_existing(self, found: dict[str, ExistingLead]) -> None:
        """The leads already in the database, by email."""
        self._db.executemany(
            "INSERT OR REPLACE INTO existing VALUES (?, ?)",
            ((key, lead.dump()) for key, lead in found.items()),
        )

    def close_counting(self) -> None:
        """Keep the emails that come more than once or belong to a lead, with their counts."""
        self._db.executescript(
            """
            INSERT INTO seen (key, remaining)
                SELECT key, count(*) FROM raw GROUP BY key HAVING count(*) > 1;
            INSERT INTO seen (key, remaining, found) SELECT key, 1, found FROM existing WHERE 1
                ON CONFLICT (key) DO UPDATE SET found = excluded.found;
            DELETE FROM raw;
            DELETE FROM existing;
            """
        )
        self.remembered = self._db.execute("SELECT count(*) FROM seen").fetchone()[0]

    # --- while the rows are checked ---------------------------------------------------------

    def load(self, keys: Iterable[str], *, with_leads: bool) -> dict[str, Seen]:
        """The remembered state of these emails (the others need none)."""
        if not self.remembered:
            return {}
        self._db.execute("DELETE FROM probe")
        self._db.executemany("INSERT INTO probe VALUES (?)", ((key,) for key in set(keys)))
        rows = self._db.execute(
            "SELECT seen.key, remaining, found IS NOT NULL, first_row, held, merged"
            + (", found" if with_leads else "")
            + " FROM probe JOIN seen ON seen.key = probe.key"
        )
        states = {}
        for key, remaining, existing, first_row, held, merged, *found in rows:
            lead = ExistingLead.load(found[0]) if found and found[0] else None
            states[key] = Seen(
                remaining, bool(existing), lead, first_row, _load(held), _load(merged)
            )
        return states

    def save(self, states: dict[str, Seen]) -> None:
        self._db.executemany(
            "UPDATE seen SET remaining = ?, first_row = ?, held = ?, merged = ?, changed = ? "
            "WHERE key = ?",
            (_saved(key, state) for key, state in states.items()),
        )

    # --- at the end -------------------------------------------------------------------------

    def held(self) -> Iterator[list[Values]]:
        """New leads still held (none when every row of their email was read), by chunk."""
        rows = self._db.execute("SELECT held FROM seen WHERE held IS NOT NULL")
        while chunk := rows.fetchmany(FETCH_ROWS):
            yield [_load(held) for (held,) in chunk]

    def updates(self) -> Iterator[list[tuple[ExistingLead, Values]]]:
        """The existing leads whose values the file changes, with those values, by chunk."""
        rows = self._db.execute("SELECT found, merged FROM seen WHERE changed")
        while chunk := rows.fetchmany(FETCH_ROWS):
            yield [(ExistingLead.load(found), _load(merged)) for found, merged in chunk]

    def update_counts(self) -> tuple[int, int]:
        """How many existing leads the file changes, and how many it leaves as they are."""
        changed, same = self._db.execute(
            "SELECT count(*) FILTER (WHERE changed), count(*) FILTER (WHERE NOT changed) "
            "FROM seen WHERE merged IS NOT NULL"
        ).fetchone()
        return changed, same
