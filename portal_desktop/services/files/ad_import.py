"""Importing daily ad performance from Facebook/Meta Ads Manager and Google Ads exports.

:func:`check_ad_import` says what an import would do; :func:`import_ad_performance` does
it in one transaction: campaigns the file names are created (``marketing.create_campaign``,
platform FACEBOOK or GOOGLE, names matched without regard to case), then the days are
upserted per campaign and day with one set-based ``INSERT … ON CONFLICT … DO UPDATE`` that
leaves unchanged days alone — importing the same file twice changes nothing — and one audit
row sums the import up. The file's currency (from the spend header or a currency column)
must be the installation's; a mismatch refuses the import.

Creating a campaign links the leads already in the database whose campaign text is its name
(services.marketing.campaign_links), so the order of the lead and ad imports does not matter; the
report says how many (``linked_leads``: would be linked, for a check).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal_desktop import clock
from portal_desktop.models import AdCampaign, AdPerformance, Lead, new_id
from portal_desktop.models.enums import AdPlatform
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.billing.ledger import local_today
from portal_desktop.services.common.context import Actor, Permission
from portal_desktop.services.common.transaction import use_case
from portal_desktop.services.common.words import plural
from portal_desktop.services.files.ad_rows import AdDay, AdRowReader
from portal_desktop.services.files.csv_table import CsvTable
from portal_desktop.services.files.import_common import (
    Cancel,
    ImportRefusedError,
    Problem,
    ProblemReport,
    ProgressCallback,
    ProgressTracker,
    audit_import,
    refused_for_invalid_rows,
)
from portal_desktop.services.marketing.campaign_links import linkable_leads
from portal_desktop.services.marketing.campaigns import create_campaign

PERFORMANCE = cast(Table, AdPerformance.__table__)
NUMBERS = ("spend", "impressions", "clicks", "leads", "revenue")
UPSERT_CHUNK = 1_000
STEP_ROWS = 2_000


@dataclass(frozen=True)
class AdImportOptions:
    platform: AdPlatform
    skip_invalid: bool = False
    file_name: str = ""


@dataclass(frozen=True)
class AdImportReport(ProblemReport):
    """What an import will do (``written`` False) or did."""

    options: AdImportOptions
    rows: int
    days: int
    new_days: int
    changed_days: int
    unchanged_days: int
    new_campaigns: tuple[str, ...]
    currency: str
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    preview: tuple[AdDay, ...] = ()
    linked_leads: int = 0  # existing leads linked to the new campaigns
    written: bool = False

    def summary_lines(self) -> list[str]:
        lines = [
            f"{plural(self.rows, 'row')} read: {plural(self.days, 'campaign day')}",
            f"{plural(self.new_days, 'new day')}, {self.changed_days:,} changed, "
            f"{self.unchanged_days:,} already up to date",
            plural(len(self.new_campaigns), "new campaign")
            + (f": {', '.join(self.new_campaigns)}" if self.new_campaigns else ""),
            plural(len(self.invalid_rows), "invalid row"),
        ]
        if self.new_campaigns:
            verb = "linked" if self.written else "to be linked"
            lines.append(
                f"{plural(self.linked_leads, 'existing lead')} {verb} to the new campaigns"
            )
        if self.written:
            lines.append(f"Written: {plural(self.new_days + self.changed_days, 'day')} saved")
        return lines


@dataclass
class _Plan:
    report: AdImportReport
    days: list[AdDay]
    campaign_ids: dict[str, uuid.UUID]  # lower-case name → id
    stored: dict[tuple[uuid.UUID, dt.date], tuple[Any, ...]]


def _read_days(
    reader: AdRowReader, table: CsvTable, tracker: ProgressTracker
) -> tuple[dict[tuple[str, dt.date], AdDay], list[Problem], list[str]]:
    days: dict[tuple[str, dt.date], AdDay] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    campaign_index = reader.columns.index["campaign"]
    last = len(table.records) - 1
    for number, (row, cells) in enumerate(table.records):
        if number % STEP_ROWS == 0:
            tracker.step(number)
        name = cells[campaign_index] if campaign_index < len(cells) else ""
        if not name.strip() and number in (0, last):
            notes.append(f"Row {row} has no campaign name: the platform's summary row, left out.")
            continue
        day, found = reader.read(row, cells)
        problems.extend(found)
        if day is None:
            continue
        key = (day.campaign.lower(), day.day)
        earlier = days.get(key)
        if earlier is None:
            days[key] = day
        elif reader.columns.finer:
            days[key] = earlier.plus(day)
        else:
            problems.append(
                Problem(
                    row,
                    reader.header("campaign"),
                    f"'{day.campaign}' on {day.day.isoformat()} is on row {earlier.row} too; a "
                    "campaign-level export has one row per campaign and day",
                )
            )
    return days, problems, notes


def _check_currency(reader: AdRowReader, table: CsvTable, currency: str) -> str:
    named = set(reader.currencies)
    if reader.columns.header_currency:
        named.add(reader.columns.header_currency)
    if not named:
        return f"The file does not say its currency: amounts are taken as {currency}."
    if named != {currency}:
        shown = ", ".join(sorted(named))
        raise ImportRefusedError(
            f"the file's amounts are in {shown} but this installation keeps its books in "
            f"{currency}; export the report in {currency} (or convert it) and import again",
            [
                Problem(
                    table.header_row,
                    reader.header("spend"),
                    f"amounts in {shown}, not in the installation's currency {currency}",
                )
            ],
        )
    return f"Amounts in {currency}, the installation's currency."


def _plan(
    session: Session, table: CsvTable, options: AdImportOptions, tracker: ProgressTracker
) -> _Plan:
    settings = load_settings(session)
    reader = AdRowReader(table, options.platform, local_today(session))
    days, problems, notes = _read_days(reader, table, tracker)
    notes.insert(0, _check_currency(reader, table, settings.currency))
    notes.insert(0, f"Read as {table.describe()}; the header is row {table.header_row}.")
    if reader.date_format is not None:
        notes.append(f"Days read as {reader.date_format.describe()}.")
    if reader.columns.finer:
        notes.append("Ad-set or ad rows are added up per campaign and day.")
    known = dict(
        session.execute(
            select(AdCampaign.name, AdCampaign.id).where(AdCampaign.platform == options.platform)
        ).all()
    )
    campaign_ids = {name.lower(): key for name, key in known.items()}
    new_campaigns: dict[str, str] = {}
    for day in days.values():
        if day.campaign.lower() not in campaign_ids:
            new_campaigns.setdefault(day.campaign.lower(), day.campaign)
    stored = _stored(session, list(campaign_ids.values()), list(days.values()))
    counts = {"new": 0, "changed": 0, "same": 0}
    for day in days.values():
        key = campaign_ids.get(day.campaign.lower())
        now = stored.get((key, day.day)) if key is not None else None
        counts["new" if now is None else "same" if now == _numbers(day) else "changed"] += 1
    report = AdImportReport(
        options=options,
        rows=len(table.records),
        days=len(days),
        new_days=counts["new"],
        changed_days=counts["changed"],
        unchanged_days=counts["same"],
        new_campaigns=tuple(sorted(new_campaigns.values(), key=str.lower)),
        currency=settings.currency,
        problems=tuple(sorted(problems)),
        notes=tuple(notes),
        preview=tuple(sorted(days.values(), key=lambda d: d.row)[:50]),
        linked_leads=linkable_leads(session, new_campaigns.values()),
    )
    return _Plan(report, list(days.values()), campaign_ids, stored)


def _numbers(day: AdDay) -> tuple[Any, ...]:
    return tuple(getattr(day, name) for name in NUMBERS)


def _stored(
    session: Session, campaign_ids: list[uuid.UUID], days: list[AdDay]
) -> dict[tuple[uuid.UUID, dt.date], tuple[Any, ...]]:
    """The numbers already saved for these campaigns over the file's days."""
    if not campaign_ids or not days:
        return {}
    first, last = min(d.day for d in days), max(d.day for d in days)
    query = select(
        AdPerformance.ad_campaign_id,
        AdPerformance.date,
        *(getattr(AdPerformance, name) for name in NUMBERS),
    ).where(
        AdPerformance.ad_campaign_id.in_(campaign_ids),
        AdPerformance.date.between(first, last),
    )
    return {(key, day): tuple(numbers) for key, day, *numbers in session.execute(query)}


@use_case
def check_ad_import(
    session: Session,
    actor: Actor,
    table: CsvTable,
    options: AdImportOptions,
    progress: ProgressCallback | None = None,
    cancel: Cancel = None,
) -> AdImportReport:
    """What importing the export would do. Writes nothing."""
    actor.require(Permission.EDIT_MARKETING)
    tracker = ProgressTracker("checking", len(table.records), progress, cancel)
    return _plan(session, table, options, tracker).report


@use_case
def import_ad_performance(
    session: Session,
    actor: Actor,
    table: CsvTable,
    options: AdImportOptions,
    progress: ProgressCallback | None = None,
    cancel: Cancel = None,
) -> AdImportReport:
    """Create the file's campaigns and upsert its days, all or nothing."""
    actor.require(Permission.EDIT_MARKETING)
    tracker = ProgressTracker("importing", len(table.records), progress, cancel)
    plan = _plan(session, table, options, tracker)
    report = plan.report
    if report.problems and not options.skip_invalid:
        raise refused_for_invalid_rows(report.problems)
    for name in report.new_campaigns:  # each links the existing leads of its name
        campaign = create_campaign(session, actor, platform=options.platform, name=name)
        plan.campaign_ids[name.lower()] = campaign.id
    _upsert(session, plan, tracker)
    new_ids = [plan.campaign_ids[name.lower()] for name in report.new_campaigns]
    report = replace(report, written=True, linked_leads=_linked_to(session, new_ids))
    if report.new_days or report.changed_days or report.new_campaigns:
        name = options.file_name or "a CSV file"
        platform = options.platform.value.capitalize()
        audit_import(
            session,
            actor,
            "ad_performance",
            f"Imported {name} ({platform}): {plural(report.new_days, 'new day')}, "
            f"{report.changed_days:,} changed, {plural(len(report.new_campaigns), 'new campaign')}",
            {
                "file": options.file_name,
                "platform": options.platform.value,
                "rows": report.rows,
                "new_days": report.new_days,
                "changed_days": report.changed_days,
                "unchanged_days": report.unchanged_days,
                "new_campaigns": list(report.new_campaigns),
                "linked_leads": report.linked_leads,
                "skipped_invalid_rows": list(report.invalid_rows),
            },
        )
    return report


def _linked_to(session: Session, campaign_ids: list[uuid.UUID]) -> int:
    """How many leads are linked to these (new) campaigns."""
    if not campaign_ids:
        return 0
    query = select(func.count()).where(Lead.ad_campaign_id.in_(campaign_ids))
    return session.scalar(query) or 0


def _upsert(session: Session, plan: _Plan, tracker: ProgressTracker) -> None:
    """New and changed days with one INSERT … ON CONFLICT (campaign, day) DO UPDATE per
    chunk; a day whose numbers did not change is not written (its version stays)."""
    rows = []
    now = clock.now()
    for day in plan.days:
        key = plan.campaign_ids[day.campaign.lower()]
        if plan.stored.get((key, day.day)) == _numbers(day):
            continue
        values = {name: getattr(day, name) for name in NUMBERS}
        rows.append(
            values | {"id": new_id(), "ad_campaign_id": key, "date": day.day}
            | {"created_at": now, "updated_at": now, "version": 1}
        )  # fmt: skip
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(PERFORMANCE)
    new = statement.excluded
    table = PERFORMANCE.c
    statement = statement.on_conflict_do_update(
        index_elements=[table.ad_campaign_id, table.date],
        set_={name: new[name] for name in NUMBERS}
        | {"updated_at": new.updated_at, "version": table.version + 1},
        where=or_(*(table[name] != new[name] for name in NUMBERS)),
    )
    for start in range(0, len(rows), UPSERT_CHUNK):
        tracker.step(min(start, tracker.total))
        session.execute(statement, rows[start : start + UPSERT_CHUNK])
