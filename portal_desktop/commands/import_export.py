"""`portal-desktop import leads|ad-performance FILE …` and `portal-desktop export TABLE …`.

Imports run as the role of the URL (``command_actor``) in one transaction. Exit status: 0
when the import was written; 2 when it was refused — one line on stderr, the validation
report on stdout (and saved with ``--report FILE``), nothing written — as for every other
bad input (no database, unreadable mapping…); 1 for a dry run that found problems.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal_desktop.commands.common import (
    add_url_option,
    check_output_file,
    command_actor,
    current_session,
    read_only,
)
from portal_desktop.errors import PortalError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from portal_desktop.db.query_spec import ListQuery
    from portal_desktop.services.files.import_common import Problem

REPORT_LINES = 50
# The names of db/lists.py's LISTS and of services.reporting.report_exports.ReportName, written out
# so
# that building the parser imports no database code (tests/test_import_export_cli.py checks
# they are those); RENAMED: old names still accepted, and what they are called now.
LIST_NAMES = ("pipeline", "sales_calls", "enrollments", "payment_schedules", "team")
LIST_NAMES += ("ad_performance", "email_broadcasts", "users", "programs", "audit_trail")
REPORT_NAMES = ("kpis", "leaderboard", "receivables", "commissions", "dunning", "campaigns")
RENAMED = {"marketing": "campaigns"}
WHERE_HELP = (
    "keep the rows where COLUMN OP VALUE holds; OP is one of = != < <= > >= ~ (~: contains, "
    "any case); COLUMN is a column title without spaces or case (status, created, "
    "contractvalue…); e.g. --where status=NEW --where source=facebook --where "
    "created>=2025-03-01. Repeat to combine (all must hold). Values are bound as parameters, "
    "never SQL."
)


def _read(path: str, sheet: str | None = None) -> Any:
    """The file as a table, streamed from the disk: a CSV file or a workbook's sheet."""
    from portal_desktop.services.files.import_files import read_table

    return read_table(path, sheet)


def _print_problems(problems: tuple[Problem, ...], report: str | None, title: str) -> None:
    from portal_desktop.services.files.import_common import report_lines, save_report

    if not problems:
        return
    print(title)
    for line in report_lines(problems, REPORT_LINES):
        print(f"  {line}")
    if report:
        try:
            save_report(problems, report)
        except OSError as exc:
            raise PortalError(f"cannot write the report {report}: {exc.strerror or exc}") from None
        print(f"The full report is in {report}.")


def _refused(message: str, problems: tuple[Problem, ...], report: str | None) -> int:
    print(f"portal-desktop: error: {message}", file=sys.stderr)
    _print_problems(problems, report, "Validation report (row, column, problem):")
    return 2  # bad input: one line on stderr (the report on stdout), nothing imported


def _run_import(args: argparse.Namespace, run: Callable[..., Any], *arguments: Any) -> int:
    """Check or import (``run``) as the role of the URL (``command_actor``); print the
    report; the exit status."""
    from portal_desktop.services.files.import_common import ImportRefusedError

    with current_session(args) as session:
        try:
            report = run(session, command_actor(session), *arguments)
        except ImportRefusedError as exc:
            return _refused(str(exc), exc.problems, args.report)
    for line in (*report.notes, *report.summary_lines()):
        print(line)
    title = "Skipped rows (row, column, problem):" if report.written else "Invalid rows:"
    _print_problems(report.problems, args.report, title)
    return 1 if args.dry_run and report.problems else 0


# --- import leads ---------------------------------------------------------------------------


def _import_leads(args: argparse.Namespace) -> int:
    from portal_desktop.services.files.csv_table import CsvError
    from portal_desktop.services.files.import_common import refused_by
    from portal_desktop.services.files.lead_import import (
        DuplicatePolicy,
        LeadImportOptions,
        check_lead_import,
        import_leads,
    )
    from portal_desktop.services.files.lead_mapping import apply_overrides, guess_mapping

    if args.report:
        check_output_file("--report", args.report)
    try:
        table = _read(args.file, args.sheet)
    except CsvError as exc:
        refusal = refused_by(exc)
        return _refused(str(refusal), refusal.problems, args.report)
    mapping = apply_overrides(table.header, guess_mapping(table.header), args.mapping)
    columns = ", ".join(f"'{table.header[i]}' → {field.value}" for i, field in mapping.items())
    print(f"{args.file}: {table.describe()}; columns: {columns or 'none'}")
    options = LeadImportOptions(
        duplicates=DuplicatePolicy.UPDATE if args.update_duplicates else DuplicatePolicy.SKIP,
        skip_invalid=args.skip_invalid,
        day_first=None if args.date_order is None else args.date_order == "dmy",
        file_name=Path(args.file).name,
    )
    run = check_lead_import if args.dry_run else import_leads
    return _run_import(args, run, table, mapping, options)


# --- import ad performance ------------------------------------------------------------------


def _import_ads(args: argparse.Namespace) -> int:
    from portal_desktop.models.enums import AdPlatform
    from portal_desktop.services.files.ad_import import (
        AdImportOptions,
        check_ad_import,
        import_ad_performance,
    )
    from portal_desktop.services.files.csv_table import CsvError
    from portal_desktop.services.files.import_common import refused_by

    if args.report:
        check_output_file("--report", args.report)
    try:
        table = _read(args.file)
    except CsvError as exc:
        refusal = refused_by(exc)
        return _refused(str(refusal), refusal.problems, args.report)
    options = AdImportOptions(
        platform=AdPlatform(args.platform.upper()),
        skip_invalid=args.skip_invalid,
        file_name=Path(args.file).name,
    )
    run = check_ad_import if args.dry_run else import_ad_performance
    return _run_import(args, run, table, options)


# --- export ---------------------------------------------------------------------------------


def _list_query(session: Session, args: argparse.Namespace) -> ListQuery:
    from portal_desktop.db.query_spec import MAX_SEARCH_CHARS, SortOrder
    from portal_desktop.errors import ValidationError
    from portal_desktop.services.accounts.settings import load_settings
    from portal_desktop.services.files.export_where import parse_where
    from portal_desktop.services.reporting.report_exports import list_spec

    spec = list_spec(session, args.table)
    tz = load_settings(session).tz
    if len(args.search or "") > MAX_SEARCH_CHARS:
        raise ValidationError(
            "--search",
            f"{len(args.search):,} characters is too long; search for at most "
            f"{MAX_SEARCH_CHARS} characters (words of names, emails, phones…)",
        )
    query = spec.query(search=args.search or "")
    if args.sort:
        name, _, order = args.sort.partition(":")
        keys = ["".join(ch for ch in c.title.lower() if ch.isalnum()) for c in spec.columns]
        wanted = "".join(ch for ch in name.lower() if ch.isalnum())
        if wanted not in keys or order.lower() not in ("", "asc", "desc"):
            raise ValidationError(
                "--sort", f"use COLUMN or COLUMN:desc with one of {', '.join(keys)}"
            )
        query = query.with_sort(SortOrder(keys.index(wanted), order.lower() == "desc"))
    return query.with_filters(*(parse_where(spec, text, tz) for text in args.where))


def _date(option: str, text: str | None, default: dt.date) -> dt.date:
    from portal_desktop.services.common.date_ranges import parse_date

    return default if text is None else parse_date(option, text)


@read_only
def _export(args: argparse.Namespace) -> int:
    from portal_desktop.services.billing.ledger import local_today
    from portal_desktop.services.files.exports import ExportFormat, export_list
    from portal_desktop.services.reporting.report_exports import export_report

    check_output_file("-o", args.output)
    if args.table in RENAMED:
        old, args.table = args.table, RENAMED[args.table]
        print(
            f"portal-desktop: note: '{old}' is now called '{args.table}': the Marketing tab's "
            "campaigns table over --from … --to",
            file=sys.stderr,
        )
    fmt = ExportFormat(args.format) if args.format else ExportFormat.of(args.output)
    with current_session(args) as session:
        try:
            if args.table in REPORT_NAMES:
                end = _date("--to", args.end, local_today(session))
                start = _date("--from", args.start, end.replace(day=1))
                count = export_report(
                    session, command_actor(session), args.table, start, end, args.output, fmt
                )
            else:
                query = _list_query(session, args)
                count = export_list(session, command_actor(session), query, args.output, fmt)
        except OSError as exc:
            raise PortalError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"Wrote {count:,} row{'s' if count != 1 else ''} to {args.output} ({fmt.value}).")
    return 0


# --- parsers --------------------------------------------------------------------------------


def _report_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report", metavar="FILE", help="save the validation report as CSV")
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows and skip the rest (they are listed with the reason); "
        "default: any invalid row refuses the whole import",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check the file and print the report; write nothing"
    )


def register(commands: Any) -> None:
    importing = commands.add_parser("import", help="import leads or ad performance from CSV")
    kinds = importing.add_subparsers(title="what to import", metavar="KIND", required=True)

    leads = kinds.add_parser(
        "leads",
        help="leads from any CSV file or Excel workbook",
        description="Import leads from a CSV file (UTF-8, UTF-16 or Windows-1252; comma, "
        "semicolon, tab or | separated) or an Excel workbook (.xlsx: its first sheet, or "
        "--sheet NAME). Columns are matched by their header names.",
    )
    leads.add_argument("file", help="the CSV file or .xlsx workbook")
    leads.add_argument("--sheet", metavar="NAME", help="the workbook's sheet (default: the first)")
    add_url_option(leads)
    _report_option(leads)
    leads.add_argument(
        "--update-duplicates",
        action="store_true",
        help="a lead whose email is already known takes the file's non-empty values "
        "(default: skip it)",
    )
    leads.add_argument(
        "--mapping",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read COLUMN (a header name or a number from 1) as FIELD: email, first_name, "
        "last_name, full_name, phone, source, campaign, medium, created, status, notes, or "
        "ignore. Repeatable; overrides the guess from the header names",
    )
    leads.add_argument(
        "--date-order",
        choices=("mdy", "dmy"),
        help="how to read dates like 03/04/2025 when no day above 12 tells (default: guessed)",
    )
    leads.set_defaults(handler=_import_leads)

    ads = kinds.add_parser(
        "ad-performance",
        help="daily ad performance from a Facebook or Google Ads export",
        description="Import a campaign report with a daily breakdown as exported by "
        "Facebook/Meta Ads Manager or Google Ads. Campaigns are created by name; importing "
        "the same file twice changes nothing.",
    )
    ads.add_argument("file", help="the CSV export")
    ads.add_argument("--platform", required=True, choices=("facebook", "google"))
    add_url_option(ads)
    _report_option(ads)
    ads.set_defaults(handler=_import_ads)

    export = commands.add_parser(
        "export",
        help="export a list or a report to CSV or Excel",
        description="Export a list (as the app lists it) or a report to CSV or .xlsx.",
    )
    export.add_argument("table", choices=(*LIST_NAMES, *REPORT_NAMES, *RENAMED), metavar="TABLE",
                        help=f"a list ({', '.join(LIST_NAMES)}) or a report "
                        f"({', '.join(REPORT_NAMES)})")  # fmt: skip
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    export.add_argument("--format", choices=("csv", "xlsx"), help="default: from the file name")
    export.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                        help=WHERE_HELP)  # fmt: skip
    export.add_argument("--search", metavar="TEXT", help="the list's search box")
    export.add_argument("--sort", metavar="COLUMN[:desc]", help="sort by a column")
    export.add_argument("--from", dest="start", metavar="YYYY-MM-DD",
                        help="reports: first day (default: the 1st of --to's month)")  # fmt: skip
    export.add_argument("--to", dest="end", metavar="YYYY-MM-DD",
                        help="reports: last day, or the as-of day (default: today)")  # fmt: skip
    add_url_option(export)
    export.set_defaults(handler=_export)
