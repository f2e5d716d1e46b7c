"""Importing leads from a CSV file: checked, deduplicated by email, written in bulk, all or
nothing.

1. :func:`check_lead_import` reads every row (services.files.lead_rows) and looks the emails up in
   the database: the report says how many leads are new, how many repeat an email of the file
   or of the database, and which rows are invalid and why. Nothing is written.
2. :func:`import_leads` does the same and then writes, in one transaction: new leads with a
   bulk insert (COPY on PostgreSQL, executemany on SQLite), changed duplicates with an
   executemany UPDATE, and one audit row for the whole import.

Duplicates by email follow the user's policy (services.files.lead_dedup). An invalid row refuses
the whole import unless ``skip_invalid``; cancelling (a ``threading.Event`` or a callable)
rolls everything back. New leads are written a chunk at a time while the file is read (one
COPY on PostgreSQL, so the server stores rows while Python checks the next ones); existing
emails and campaigns are looked up before the rows start flowing. What the import remembers
per email (repeats, existing leads, rows held, leads to update) is kept in a temporary file
(services.files.seen_emails), so its memory does not grow with the file.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.db.bulk import Write, bulk_insert, uuid7_batch
from portal_desktop.errors import ConflictError
from portal_desktop.models import Lead
from portal_desktop.models.enums import LeadStatus
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.changes import note_written
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.common.words import plural
from portal_desktop.services.files.csv_table import CsvTable, Record
from portal_desktop.services.files.import_common import (
    CHUNK_ROWS,
    Cancel,
    Problem,
    ProblemReport,
    ProgressCallback,
    ProgressTracker,
    audit_import,
    refused_for_invalid_rows,
)
from portal_desktop.services.files.lead_dedup import (
    LOOKUP_CHUNK,
    Deduplicator,
    DuplicatePolicy,
    ExistingLead,
    existing_leads,
)
from portal_desktop.services.files.lead_mapping import LeadField, Mapping
from portal_desktop.services.files.lead_rows import LOST_REASON, UPDATABLE, LeadRowReader
from portal_desktop.services.files.seen_emails import SeenEmails
from portal_desktop.services.reporting.rollups import refresh_rollups
from portal_desktop.services.sales.leads import resolve_campaign

LEADS = cast(Table, Lead.__table__)
IMPORT_CACHE_KIB = 8 * 1024
NEW_COLUMNS = (
    "id", "first_name", "last_name", "email", "phone", "source", "campaign", "medium",
    "status", "lost_reason", "ad_campaign_id", "notes", "created_at", "updated_at", "version",
)  # fmt: skip


@dataclass(frozen=True)
class LeadImportOptions:
    duplicates: DuplicatePolicy = DuplicatePolicy.SKIP
    skip_invalid: bool = False
    # Overrides the month/day order of numeric dates (None: as detected).
    day_first: bool | None = None
    file_name: str = ""


@dataclass(frozen=True)
class LeadImportReport(ProblemReport):
    """What an import will do (``written`` False) or did (``written`` True)."""

    rows: int
    new: int
    existing_duplicates: int
    file_duplicates: int
    problems: tuple[Problem, ...]
    duplicates: tuple[Problem, ...]
    notes: tuple[str, ...]
    options: LeadImportOptions
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    def summary_lines(self) -> list[str]:
        policy = "skipped" if self.options.duplicates is DuplicatePolicy.SKIP else "updated"
        merged = "skipped" if self.options.duplicates is DuplicatePolicy.SKIP else "merged"
        lines = [
            f"{plural(self.rows, 'row')} read",
            plural(self.new, "new lead"),
            f"{self.existing_duplicates:,} already in the database ({policy})",
            f"{self.file_duplicates:,} repeat an email of an earlier row ({merged})",
            plural(len(self.invalid_rows), "invalid row"),
        ]
        if self.written:
            lines.append(
                f"Written: {plural(self.created, 'lead')} created, {self.updated:,} updated"
                + (f", {self.unchanged:,} already up to date" if self.unchanged else "")
            )
        return lines

    def all_entries(self) -> list[Problem]:
        """Problems and duplicate notes, by row: what the saved report lists."""
        return sorted(self.problems + self.duplicates)


def _key(reader: LeadRowReader) -> Callable[[Record], str]:
    """A record's email as its key (trimmed, lower case; '' for none), before any check: a
    valid email is the trimmed cell, so its key is the same."""
    index = reader.columns.get(LeadField.EMAIL)
    if index is None:
        return lambda _record: ""
    return lambda record: record[1][index].strip().lower() if index < len(record[1]) else ""


def _first_pass(
    session: Session, table: CsvTable, reader: LeadRowReader, seen: SeenEmails
) -> set[str]:
    """Note the file's emails on the disk and look them up a chunk at a time (the leads
    found go to the disk too); return the file's campaign names."""
    key_of = _key(reader)
    campaign = reader.columns.get(LeadField.CAMPAIGN)
    campaigns: set[str] = set()
    records = iter(table.records)
    while chunk := list(itertools.islice(records, LOOKUP_CHUNK)):
        keys = [key_of(record) for record in chunk]
        seen.count(keys)
        seen.add_existing(existing_leads(session, sorted(set(keys) - {""})))
        if campaign is not None:
            campaigns.update(cells[campaign].strip() for _, cells in chunk if campaign < len(cells))
    seen.close_counting()
    campaigns.discard("")
    return campaigns


class _LeadSink:
    """Where new leads go: counted for a check; written in bulk for an import."""

    def __init__(
        self, write: Write | None, campaign_ids: dict[str | None, uuid.UUID | None]
    ) -> None:
        self._write = write
        self._campaign_ids = campaign_ids
        self._now = clock.now()
        self.count = 0

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.count += len(rows)
        if self._write is None or not rows:
            return
        campaign_of, now = self._campaign_ids.get, self._now
        batch = []
        for key, v in zip(uuid7_batch(len(rows)), rows, strict=True):
            status = v["status"]
            batch.append(
                (
                    key, v["first_name"], v["last_name"], v["email"], v["phone"], v["source"],
                    v["campaign"], v["medium"], _WORDS[status],
                    LOST_REASON if status is LeadStatus.LOST else None,
                    campaign_of(v["campaign"]), v["notes"], v["created_at"] or now, now, 1,
                )
            )  # fmt: skip
        self._write(batch)


_WORDS = {status: status.value for status in LeadStatus}


def _campaign_ids(session: Session, names: set[str]) -> dict[str | None, uuid.UUID | None]:
    """The ad campaign of each campaign name in the file (resolve_campaign's rule), looked
    up before the rows are written: a COPY in progress leaves the connection to itself."""
    return {None: None} | {name: resolve_campaign(session, name) for name in names}


def _stream(
    session: Session,
    table: CsvTable,
    mapping: Mapping,
    options: LeadImportOptions,
    tracker: ProgressTracker,
    seen: SeenEmails,
    *,
    write: bool,
) -> LeadImportReport:
    """Check every row and, when ``write``, insert the new leads a chunk at a time (on
    PostgreSQL the server stores a chunk while the next is checked); the existing leads to
    update are left in ``seen``."""
    reader = LeadRowReader(table, mapping, load_settings(session).tz, day_first=options.day_first)
    key_of = _key(reader)
    email_title = reader.title(LeadField.EMAIL) if LeadField.EMAIL in reader.columns else ""
    campaign_names = _first_pass(session, table, reader, seen)
    dedup = Deduplicator(options.duplicates, seen, email_title)
    campaigns = _campaign_ids(session, campaign_names) if write else {}
    problems: list[Problem] = []
    records = iter(table.records)
    done = 0
    with _writer(session, write) as bulk_write:
        sink = _LeadSink(bulk_write, campaigns)
        while chunk := list(itertools.islice(records, CHUNK_ROWS)):
            tracker.step(done)
            routed = []
            for record in chunk:
                values, row_problems = reader.read(record)
                problems.extend(row_problems)
                routed.append((record[0], key_of(record), values))
            sink.add(dedup.route(routed))
            done += len(chunk)
        for held in seen.held():
            sink.add(held)
        tracker.step(done)
        if problems and write and not options.skip_invalid:
            raise refused_for_invalid_rows(problems)
    return LeadImportReport(
        rows=done,
        new=sink.count,
        existing_duplicates=dedup.existing_rows,
        file_duplicates=dedup.file_duplicates,
        problems=tuple(sorted(problems)),
        duplicates=tuple(sorted(dedup.notes)),
        notes=_notes(table, reader),
        options=options,
        unchanged=seen.update_counts()[1],
    )


@contextmanager
def _writer(session: Session, write: bool) -> Iterator[Write | None]:
    if not write:
        yield None
        return
    with bulk_insert(session.connection(), LEADS, NEW_COLUMNS) as bulk_write:
        yield bulk_write


def _notes(table: CsvTable, reader: LeadRowReader) -> tuple[str, ...]:
    notes = [f"Read as {table.describe()}; the header is row {table.header_row}."]
    if reader.date_format is not None:
        notes.append(f"Dates read as {reader.date_format.describe()}.")
    if table.dropped_totals:
        rows = ", ".join(str(row) for row in table.dropped_totals)
        notes.append(f"Totals row {rows} left out.")
    return tuple(notes)


@use_case
def check_lead_import(
    session: Session,
    actor: Actor,
    table: CsvTable,
    mapping: Mapping,
    options: LeadImportOptions | None = None,
    progress: ProgressCallback | None = None,
    cancel: Cancel = None,
) -> LeadImportReport:
    """What importing the file would do: counts, duplicates and problems. Writes nothing."""
    actor.require(Permission.EDIT_LEADS)
    tracker = ProgressTracker("checking", len(table.records), progress, cancel)
    options = options or LeadImportOptions()
    with SeenEmails() as seen:
        return _stream(session, table, mapping, options, tracker, seen, write=False)


@use_case
def import_leads(
    session: Session,
    actor: Actor,
    table: CsvTable,
    mapping: Mapping,
    options: LeadImportOptions | None = None,
    progress: ProgressCallback | None = None,
    cancel: Cancel = None,
) -> LeadImportReport:
    """Import the file's leads in one transaction; :class:`ImportRefusedError` (nothing
    written) when a row is invalid and ``skip_invalid`` is not set."""
    actor.require(Permission.EDIT_LEADS)
    options = options or LeadImportOptions()
    tracker = ProgressTracker("importing", len(table.records), progress, cancel)
    try:
        with SeenEmails() as seen:
            with _small_sqlite_cache(session):
                report = _stream(session, table, mapping, options, tracker, seen, write=True)
            if report.new:  # bulk-inserted on the session's connection, behind its events
                note_written(session, LEADS.name)
            _update(session, seen.updates(), _campaign_resolver(session))
            updated = seen.update_counts()[0]
    except IntegrityError:
        raise ConflictError(
            "another user saved a lead with one of these emails while the import ran; "
            "nothing was written — run the import again"
        ) from None
    report = replace(report, created=report.new, updated=updated, written=True)
    if report.created or report.updated:
        _audit(session, actor, report)
        refresh_rollups(session)  # the reports' daily facts, now rather than at the next report
    return report


@contextmanager
def _small_sqlite_cache(session: Session) -> Iterator[None]:
    """SQLite keeps the written pages of the import's transaction in its page cache (64 MB
    for the app's connections): a small one spills them to the WAL earlier, keeping the
    import within its memory budget whatever the file's size."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    size = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(size)}")


def _campaign_resolver(session: Session) -> Callable[[str | None], uuid.UUID | None]:
    cache: dict[str | None, uuid.UUID | None] = {None: None}

    def resolve(name: str | None) -> uuid.UUID | None:
        if name not in cache:
            cache[name] = resolve_campaign(session, name)
        return cache[name]

    return resolve


def _update(
    session: Session,
    updates: Iterable[list[tuple[ExistingLead, dict[str, Any]]]],
    campaign_of: Callable[[str | None], uuid.UUID | None],
) -> None:
    """Existing leads that take the file's values, a chunk at a time: executemany UPDATE,
    each row only if its version is still the one read (else nothing is written)."""
    statement = (
        update(LEADS)
        .where(LEADS.c.id == bindparam("b_id"), LEADS.c.version == bindparam("b_version"))
        .values(
            {name: bindparam(f"v_{name}") for name in (*UPDATABLE, "ad_campaign_id")}
            | {"updated_at": bindparam("b_now"), "version": LEADS.c.version + 1}
        )
    )
    now = clock.now()
    for chunk in updates:
        params = []
        for found, merged in chunk:
            campaign_id = merged["ad_campaign_id"]
            if merged["campaign"] != found.values["campaign"] and not found.linked_by_hand:
                campaign_id = campaign_of(merged["campaign"])
            values = {f"v_{name}": merged[name] for name in UPDATABLE}
            values |= {"v_ad_campaign_id": campaign_id, "b_id": found.id}
            params.append(values | {"b_version": found.version, "b_now": now})
        changed = session.execute(statement, params).rowcount
        if changed != len(params):
            raise ConflictError(
                "some of the leads to update were changed by someone else while the import ran; "
                "nothing was written — run the import again"
            )


def _audit(session: Session, actor: Actor, report: LeadImportReport) -> None:
    name = report.options.file_name or "a CSV file"
    skip = report.options.duplicates is DuplicatePolicy.SKIP
    skipped = report.existing_duplicates + report.file_duplicates if skip else 0
    audit_import(
        session,
        actor,
        "leads",
        f"Imported {name}: {plural(report.created, 'lead')} created, {report.updated:,} updated",
        {
            "file": report.options.file_name,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped_duplicates": skipped,
            "skipped_invalid_rows": list(report.invalid_rows),
            "duplicates": report.options.duplicates.value,
        },
    )
