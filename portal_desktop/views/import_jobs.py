"""The work the Import dialog runs on pool threads: plain data in, plain data out, each
piece with a Session of its own (only plain data crosses threads).

A written import returns its report and what its unit of work changed
(``task_runner.in_session(..., changes=True)``), for the dialog to hand to the window's bus.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.models.enums import AdPlatform
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.common.context import Actor
from portal_desktop.services.files.ad_import import check_ad_import
from portal_desktop.services.files.ad_import import import_ad_performance as import_ads
from portal_desktop.services.files.csv_table import CsvTable
from portal_desktop.services.files.import_files import read_table
from portal_desktop.services.files.lead_import import check_lead_import, import_leads
from portal_desktop.services.files.lead_mapping import Mapping
from portal_desktop.services.files.lead_rows import LeadRowReader, preview_rows
from portal_desktop.views.task_runner import Work, in_session

PREVIEW_ROWS = 20
PLATFORMS = {"facebook": AdPlatform.FACEBOOK, "google": AdPlatform.GOOGLE}


def read_file(sessions: sessionmaker[Session], path: str) -> Work:
    """A task reading the file as a table, with the installation's time zone."""

    def work(session: Session, _progress: Any, _cancel: Any) -> tuple[CsvTable, Any]:
        return read_table(path), load_settings(session).tz

    return in_session(sessions, work)


def describe_table(table: CsvTable) -> str:
    text = f"{table.describe()}; the header is row {table.header_row}."
    if table.dropped_totals:
        text += f" Totals row {', '.join(map(str, table.dropped_totals))} left out."
    return text


def lead_preview(table: CsvTable, mapping: Mapping, tz: Any, day_first: bool | None) -> Any:
    """The first rows as they will be imported, and the date format they were read with."""
    reader = LeadRowReader(table, mapping, tz, day_first=day_first)
    return preview_rows(reader, table.records, PREVIEW_ROWS), reader.date_format


def import_job(
    sessions: sessionmaker[Session],
    actor: Actor,
    kind: str,
    table: CsvTable,
    arguments: tuple[Any, ...],
    *,
    write: bool,
) -> Work:
    """The check (or, ``write``, the import) of ``table``: ``kind`` "leads" with
    ``arguments`` (mapping, LeadImportOptions), else ad performance with (AdImportOptions,).
    The import's work returns (report, Changes)."""
    leads = kind == "leads"
    if write:
        run: Any = import_leads if leads else import_ads
    else:
        run = check_lead_import if leads else check_ad_import

    def work(session: Session, progress: Any, cancel: Any) -> Any:
        return run(session, actor, table, *arguments, progress=progress, cancel=cancel)

    return in_session(sessions, work, changes=write)
