"""Importing leads from CSV files: what ends up in the database (both backends), duplicates,
all or nothing, cancellation, progress, and property tests on random files."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from portal_desktop.errors import PermissionDeniedError, ValidationError
from portal_desktop.models import AuditEntry, Lead
from portal_desktop.models.enums import AdPlatform, LeadStatus
from portal_desktop.services.common.changes import ROLLUP_TABLES, Changes, take_committed
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.csv_reading import read_csv
from portal_desktop.services.files.csv_table import CsvError
from portal_desktop.services.files.import_common import (
    ImportCancelledError,
    ImportRefusedError,
    Problem,
    Progress,
)
from portal_desktop.services.files.lead_import import (
    DuplicatePolicy,
    LeadImportOptions,
    check_lead_import,
    import_leads,
)
from portal_desktop.services.files.lead_mapping import LeadField, apply_overrides, guess_mapping
from tests.services.pipeline_data import MARKETING, SALES, add_campaign, count

DATA = Path(__file__).resolve().parents[2] / "data"
UTC = dt.UTC
SKIP_INVALID = LeadImportOptions(skip_invalid=True)
UPDATE = LeadImportOptions(duplicates=DuplicatePolicy.UPDATE)


def run(sessions, source: str | bytes, options=None, actor=SYSTEM, overrides=(), **kwargs):
    data = (DATA / source).read_bytes() if isinstance(source, str) else source
    table = read_csv(data)
    mapping = apply_overrides(table.header, guess_mapping(table.header), overrides)
    with sessions() as session:
        return import_leads(session, actor, table, mapping, options, **kwargs)


def leads(sessions) -> dict[str, Lead]:
    """Stored leads by email (lower case), or by name for those without one."""
    with sessions() as session:
        rows = session.scalars(select(Lead)).all()
    return {(lead.email or f"{lead.first_name} {lead.last_name}").lower(): lead for lead in rows}


def fields(lead: Lead) -> tuple:
    return (
        lead.first_name,
        lead.last_name,
        lead.email,
        lead.phone,
        lead.source,
        lead.campaign,
        lead.medium,
        lead.status,
        lead.created_at,
    )


# --- the sample files -----------------------------------------------------------------------


def test_utf8_bom_file_with_us_dates_and_campaigns(sessions) -> None:
    webinar = add_campaign(sessions, "spring webinar", AdPlatform.FACEBOOK)
    report = run(sessions, "leads_utf8_bom_comma.csv")
    assert (report.created, report.updated, report.written) == (4, 0, True)
    stored = leads(sessions)
    assert {k: fields(v) for k, v in stored.items()} == {
        "jose.alvarez@example.com": (
            "José", "Álvarez", "jose.alvarez@example.com", "+14155550132", "facebook",
            "Spring Webinar", "cpc", LeadStatus.NEW, dt.datetime(2025, 3, 14, 4, tzinfo=UTC),
        ),
        "zoe.oneil@example.org": (
            "Zoë", "O'Neil", "zoe.oneil@example.org", "+442079460958", "instagram",
            "Spring Webinar", "paid_social", LeadStatus.CONTACTED,
            dt.datetime(2025, 3, 2, 5, tzinfo=UTC),
        ),
        "mark.smith@example.com": (
            "Mark", "Smith, Jr.", "MARK.SMITH@Example.com", "+15552017788", "google",
            "Brand Search", "cpc", LeadStatus.QUALIFIED, dt.datetime(2025, 2, 28, 5, tzinfo=UTC),
        ),
        "li.wei@example.net": (
            "Li", "Wei", "li.wei@example.net", None, "organic", None, None, LeadStatus.NEW,
            dt.datetime(2025, 1, 5, 5, tzinfo=UTC),
        ),
    }  # fmt: skip
    # The campaign is resolved like a lead typed in: by name, any case.
    assert stored["jose.alvarez@example.com"].ad_campaign_id == webinar
    assert stored["mark.smith@example.com"].ad_campaign_id is None
    assert {lead.version for lead in stored.values()} == {1}


def test_an_import_leaves_the_reports_daily_facts_built(sessions) -> None:
    """The import builds the days it touched: the next report has nothing to rebuild."""
    run(sessions, "leads_utf8_bom_comma.csv")
    with sessions() as session:
        noted = session.execute(text("SELECT count(*) FROM rollup_dirty")).scalar()
        per_day = dict(
            session.execute(text("SELECT day, sum(leads) FROM lead_day_facts GROUP BY day")).all()
        )
    assert noted == 0
    # Each was created at local midnight in the default zone (New York): 04:00 UTC after
    # the switch to daylight time on 9 March, 05:00 UTC before it.
    assert {str(day)[:10]: count for day, count in per_day.items()} == {
        "2025-03-14": 1,
        "2025-03-02": 1,
        "2025-02-28": 1,
        "2025-01-05": 1,
    }


def test_utf16_tab_file_splits_full_names(sessions) -> None:
    run(sessions, "leads_excel_utf16le_tab.csv")
    stored = leads(sessions)
    assert {k: (*fields(v)[:5], v.created_at) for k, v in stored.items()} == {
        "ana.lopez@example.com": (
            "Ana", "María López", "ana.lopez@example.com", "+12125550199", "youtube",
            dt.datetime(2025, 3, 5, 5, tzinfo=UTC),
        ),
        "juergen.weiss@example.de": (
            "Jürgen", "Weiß", "juergen.weiss@example.de", "+49301234567", "facebook",
            dt.datetime(2025, 2, 17, 5, tzinfo=UTC),
        ),
        "thi.nguyen@example.com": (
            "Thi", "Nguyen", "thi.nguyen@example.com", None, "referral",
            dt.datetime(2025, 1, 1, 5, tzinfo=UTC),
        ),
    }  # fmt: skip


def test_windows_1252_semicolon_file_with_day_first_dates(sessions) -> None:
    report = run(sessions, "leads_cp1252_semicolon.csv")
    assert "Dates read as DD/MM/YYYY." in report.notes
    stored = leads(sessions)
    assert [(v.first_name, v.last_name, v.created_at) for v in stored.values()] == [
        ("François", "Müller", dt.datetime(2025, 3, 5, 5, tzinfo=UTC)),
        ("Señora", "Peña", dt.datetime(2025, 2, 25, 5, tzinfo=UTC)),
        ("Bjørn", "Ærø", dt.datetime(2024, 12, 1, 5, tzinfo=UTC)),
    ]


def test_multiline_notes_and_times_and_the_totals_row_left_out(sessions) -> None:
    report = run(sessions, "leads_multiline_notes_totals.csv")
    assert (report.rows, report.created) == (3, 3)
    assert "Totals row 8 left out." in report.notes
    stored = leads(sessions)
    grace, alan, ada = (stored[f"{n}@example.com"] for n in ("grace", "alan", "ada"))
    assert grace.notes == "Asked about the payment plan.\nCall back on Friday, after 3 pm."
    assert alan.notes == 'Said: "send me the brochure"'
    assert ada.notes is None
    assert grace.created_at == dt.datetime(2025, 3, 1, 14, 15, tzinfo=UTC)  # 09:15 EST
    assert alan.created_at == dt.datetime(2025, 3, 2, 21, 40, tzinfo=UTC)
    assert ada.created_at == dt.datetime(2025, 3, 3, 8, 5, tzinfo=UTC)  # given in UTC
    assert (ada.first_name, ada.last_name, ada.phone) == ("Ada", "Lovelace", "+442079460000")


INVALID_PROBLEMS = [
    Problem(3, "Email", "'not-an-email' is not an email address like name@example.com; "
            "check for typos"),
    Problem(4, "Phone", "'call me maybe' contains letters; a phone number has digits only "
            "(an extension may be written 'ext. 12')"),
    Problem(6, "Status", "'WON' is not a lead status; use NEW, CONTACTED, QUALIFIED, LOST"),
    Problem(7, "Created", "'2099-01-01' is in the future"),
    Problem(8, "", "has no name, email or phone number; a lead needs one of them"),
    Problem(10, "", "has 8 cells but the header has 7; check for a separator or quote inside "
            "a value"),
]  # fmt: skip


def _existing(sessions) -> Lead:
    with sessions() as session:
        lead = Lead(
            first_name="Old", last_name="Name", email="Existing@Example.com", source="seminar"
        )
        session.add(lead)
        session.commit()
        return lead


def test_an_invalid_row_refuses_the_whole_import_by_default(sessions) -> None:
    _existing(sessions)
    audits = count(sessions, AuditEntry)
    with pytest.raises(ImportRefusedError) as caught:
        run(sessions, "leads_invalid_and_duplicates.csv")
    assert list(caught.value.problems) == INVALID_PROBLEMS
    assert "6 rows are invalid" in str(caught.value)
    assert count(sessions, Lead) == 1
    assert count(sessions, AuditEntry) == audits


def test_skip_invalid_imports_the_rest_and_says_which_rows_and_why(sessions) -> None:
    _existing(sessions)
    report = run(sessions, "leads_invalid_and_duplicates.csv", SKIP_INVALID)
    assert list(report.problems) == INVALID_PROBLEMS
    assert report.invalid_rows == (3, 4, 6, 7, 8, 10)
    assert (report.new, report.existing_duplicates, report.file_duplicates) == (2, 1, 1)
    assert list(report.duplicates) == [
        Problem(5, "Email", "repeats the email of row 2; skipped"),
        Problem(9, "Email", "is already a lead; skipped"),
    ]
    stored = leads(sessions)
    assert sorted(stored) == [
        "existing@example.com",
        "good.one@example.com",
        "last.good@example.com",
    ]
    assert fields(stored["good.one@example.com"])[:4] == ("Good", "One", "good.one@example.com",
                                                          "+13035550101")  # fmt: skip
    last = stored["last.good@example.com"]
    assert (last.status, last.lost_reason) == (LeadStatus.LOST, "Marked LOST in the imported file")
    existing = stored["existing@example.com"]
    assert (existing.first_name, existing.source, existing.version) == ("Old", "seminar", 1)
    [audit] = [a for a in _audits(sessions) if a.summary and a.summary.startswith("Imported")]
    assert audit.new_values == {
        "file": "",
        "rows": 10,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped_duplicates": 2,
        "skipped_invalid_rows": [3, 4, 6, 7, 8, 10],
        "duplicates": "skip",
    }


def _audits(sessions) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "leads")))


def test_update_policy_fills_known_leads_and_merges_repeats_of_the_file(sessions) -> None:
    old = _existing(sessions)
    data = (
        b"email,first name,last name,phone,source,status\n"
        b"new@example.com,New,,,facebook,\n"
        b"EXISTING@example.com,,Renamed,(303) 555-0104,,LOST\n"
        b"New@Example.com,,Person,+1 303 555 0199,google,\n"
        b"existing@example.com,Once,,,,\n"
    )
    report = run(sessions, data, UPDATE)
    assert (report.created, report.updated, report.file_duplicates) == (1, 1, 2)
    assert report.existing_duplicates == 1
    stored = leads(sessions)
    new = stored["new@example.com"]
    assert fields(new)[:5] == ("New", "Person", "new@example.com", "+13035550199", "google")
    known = stored["existing@example.com"]
    # Non-empty values win; status and email are never changed by an import.
    assert fields(known)[:5] == ("Once", "Renamed", "Existing@Example.com", "+13035550104",
                                 "seminar")  # fmt: skip
    assert (known.status, known.version, known.id) == (LeadStatus.NEW, 2, old.id)


def changes_of(sessions, data: bytes, options=None) -> Changes:
    """What an import's unit of work says it changed (what the window's lists hear)."""
    table = read_csv(data)
    with sessions() as session:
        import_leads(session, SYSTEM, table, guess_mapping(table.header), options)
        return take_committed(session)


def test_an_import_says_what_it_changed_bulk_inserts_and_updates_included(sessions) -> None:
    """New leads go in with COPY / executemany on the session's connection and known ones
    with an UPDATE per chunk, behind the ORM: the change still names the leads (any of
    them), their daily facts and the audit trail — and nothing when nothing was written."""
    data = (DATA / "leads_utf8_bom_comma.csv").read_bytes()
    created = changes_of(sessions, data)
    assert created.tables >= {"leads", "audit_log", *ROLLUP_TABLES}
    assert created.ids == frozenset()  # any lead: the bulk insert's ids are not listed
    renamed = data.replace(b"Smith, Jr.", b"Smith, Sr.")
    assert changes_of(sessions, renamed, UPDATE).tables >= {"leads", "audit_log"}
    assert "leads" not in changes_of(sessions, renamed, UPDATE).tables  # all unchanged


def test_reimporting_the_same_file_with_update_changes_nothing(sessions) -> None:
    run(sessions, "leads_utf8_bom_comma.csv")
    before = {k: (fields(v), v.version, v.updated_at) for k, v in leads(sessions).items()}
    report = run(sessions, "leads_utf8_bom_comma.csv", UPDATE)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    after = {k: (fields(v), v.version, v.updated_at) for k, v in leads(sessions).items()}
    assert after == before


def test_check_says_what_would_happen_and_writes_nothing(sessions) -> None:
    _existing(sessions)
    table = read_csv((DATA / "leads_invalid_and_duplicates.csv").read_bytes())
    with sessions() as session:
        report = check_lead_import(session, SALES, table, guess_mapping(table.header), UPDATE)
    assert (report.new, report.existing_duplicates, report.written) == (2, 1, False)
    assert list(report.problems) == INVALID_PROBLEMS
    assert count(sessions, Lead) == 1


def test_mapping_overrides_and_refused_mappings(sessions) -> None:
    data = b"Contact,Mail,Where from\nAnn Lee,ann@example.com,webinar\n"
    table = read_csv(data)
    assert guess_mapping(table.header) == {0: LeadField.FULL_NAME, 1: LeadField.EMAIL}
    run(sessions, data, overrides=["where from=source", "1=ignore"])
    [lead] = leads(sessions).values()
    assert (lead.first_name, lead.email, lead.source) == ("", "ann@example.com", "webinar")
    with pytest.raises(ValidationError, match="no column 'Nope'"):
        apply_overrides(table.header, {}, ["Nope=email"])
    with pytest.raises(ValidationError, match="not a lead field"):
        apply_overrides(table.header, {}, ["Mail=e-mail address"])
    with pytest.raises(ValidationError, match="at least"):
        run(sessions, data, overrides=["1=ignore", "2=ignore", "3=source"])


def test_marketing_may_not_import_leads(sessions) -> None:
    with pytest.raises(PermissionDeniedError):
        run(sessions, "leads_utf8_bom_comma.csv", actor=MARKETING)
    assert count(sessions, Lead) == 0


# --- long files: progress and cancelling ----------------------------------------------------


def _many(rows: int) -> bytes:
    lines = ["email,first name,created"]
    lines += [f"lead{n}@example.com,Lead {n},2025-01-01 10:{n % 60:02d}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_progress_reports_rows_rate_and_time_left(sessions) -> None:
    seen: list[Progress] = []
    report = run(sessions, _many(12_000), progress=seen.append)
    assert report.created == 12_000 == count(sessions, Lead)
    assert seen[-1].done == seen[-1].total == 12_000
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert all(p.rows_per_second > 0 for p in seen if p.done)
    assert "rows/s" in seen[-1].describe()


def test_cancelling_midway_leaves_the_database_as_it_was(sessions) -> None:
    asked: list[int] = []

    def cancel() -> bool:  # asked before each chunk of 5,000: stop before the third
        asked.append(len(asked))
        return len(asked) == 3

    with pytest.raises(ImportCancelledError):
        run(sessions, _many(12_000), cancel=cancel)
    assert len(asked) == 3
    assert count(sessions, Lead) == 0
    assert count(sessions, AuditEntry) == 0
    stop = threading.Event()
    stop.set()
    with pytest.raises(ImportCancelledError, match="nothing was written"):
        run(sessions, _many(10), cancel=stop)


# --- property tests -------------------------------------------------------------------------

CELL = st.text(alphabet=st.sampled_from(list("ab@.,;\"'\n\r\t =+-0123456789éß€ ")), max_size=14)
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=5), min_size=1, max_size=8)


def _csv_text(rows: list[list[str]], sep: str) -> str:
    def cell(text: str) -> str:
        if any(ch in text for ch in (sep, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = ["email,first name,phone,status,created".replace(",", sep)]
    lines += [sep.join(cell(c) for c in row) for row in rows]
    return "\r\n".join(lines)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ROWS, sep=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(
    ["utf-8", "utf-8-sig", "utf-16", "cp1252"]), skip=st.booleans())  # fmt: skip
def test_random_files_are_imported_whole_or_refused_with_rows_named(
    sessions, rows, sep, encoding, skip
) -> None:
    data = _csv_text(rows, sep).encode(encoding, errors="replace")
    before = count(sessions, Lead)
    try:
        report = run(sessions, data, LeadImportOptions(skip_invalid=skip))
    except (ImportRefusedError, CsvError) as exc:
        problems = exc.problems if isinstance(exc, ImportRefusedError) else [exc]
        assert problems and all(p.row >= 1 for p in problems)
        assert count(sessions, Lead) == before  # never a partial import
        return
    except ValidationError as exc:  # the mapping: e.g. a header the separator did not split
        assert exc.field == "mapping"
        assert count(sessions, Lead) == before
        return
    assert count(sessions, Lead) == before + report.created
    assert all(p.row >= 2 for p in (*report.problems, *report.duplicates))
    assert skip or not report.problems
