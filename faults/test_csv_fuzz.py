"""Item 6: CSV fuzz (hypothesis) of both importers — encodings, BOMs, quotes, separators,
numbers like "1,234.50", NaN, 1e309, formulas, NUL bytes, huge cells. 0 crashes (only the
project's errors, in words), 0 partial imports (the rows are all there or none), and every
exported text cell that a spreadsheet would run as a formula is escaped."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from faults.conftest import report, scaled
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.errors import PortalError
from portal_desktop.models import AdPerformance, Lead
from portal_desktop.models.enums import AdPlatform
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.ad_import import AdImportOptions, import_ad_performance
from portal_desktop.services.files.csv_reading import read_csv
from portal_desktop.services.files.exports import export_list
from portal_desktop.services.files.lead_import import LeadImportOptions, import_leads
from portal_desktop.services.files.lead_mapping import guess_mapping

EXAMPLES = 300  # per importer, at FAULTS_SCALE=1
RISKY = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula
NASTY = [
    "1,234.50", "1.234,50", "NaN", "nan", "inf", "-inf", "1e309", "-1e309", "0x1F", "١٢٣",
    "=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x","y")', "=cmd|'/c calc'!A0",
    "\t=1", "\r=1", "\x00", "a\x00b", '"', '""', "'", "\ufeff", "é", "€", "ß", " ", "",
    "2025-03-01", "03/01/2025", "x@example.com", "+15555550100",
]  # fmt: skip
CELL = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(NASTY),
    st.text(max_size=20),
    st.text(max_size=20),
    st.builds(lambda n, c: c * n, st.integers(1000, 200_000), st.sampled_from(["a", "=", "é"])),
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]
LEAD_HEADER = ["email", "first name", "last name", "phone", "source", "notes"]
AD_HEADER = ["Campaign name", "Day", "Amount spent (USD)", "Impressions", "Link clicks", "Leads"]
OUTCOMES: Counter = Counter()


def _file(header: list[str], rows: list[list[str]], sep: str, quote: str, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, quotechar=quote, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


EMAIL = st.one_of(st.integers(0, 10**6).map(lambda n: f"fuzz{n}@example.com"), CELL)


def _files(header: list[str]) -> st.SearchStrategy[bytes]:
    columns = [CELL] * len(header)
    if header is LEAD_HEADER:  # mostly valid leads, so that their nasty names get exported
        columns[0], columns[3] = EMAIL, st.one_of(st.just("+15555550100"), CELL)
    row = st.tuples(*columns).map(list)
    rows = st.lists(row, max_size=6)
    text_file = st.builds(
        _file,
        st.just(header),
        rows,
        st.sampled_from([",", ";", "\t", "|"]),
        st.sampled_from(['"', "'"]),
        st.sampled_from(ENCODINGS),
    )
    return st.one_of(text_file, text_file, text_file, st.binary(max_size=400))


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _imported(sessions, model, run) -> None:
    """``run(session)`` writes all its rows or none, and raises only the project's errors."""
    before = _count(sessions, model)
    try:
        with sessions() as session:
            result = run(session)
    except PortalError:
        OUTCOMES["refused in words"] += 1
        assert _count(sessions, model) == before, "a refused import wrote rows"
        return
    OUTCOMES["imported"] += 1
    written = getattr(result, "created", None)
    if written is not None:
        assert _count(sessions, model) == before + written


def _settings() -> settings:
    return settings(
        max_examples=scaled(EXAMPLES, 20),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )


def test_csv_fuzz_crashes_nothing_and_exports_escape_formulas(
    request, sqlite_url, tmp_path
) -> None:
    sessions = session_factory(make_engine(sqlite_url))
    options = LeadImportOptions(skip_invalid=True)

    @_settings()
    @given(data=_files(LEAD_HEADER), skip=st.sampled_from([True, True, True, False]))
    def leads(data: bytes, skip: bool) -> None:
        def run(session):
            table = read_csv(data)
            chosen = options if skip else LeadImportOptions()
            return import_leads(session, SYSTEM, table, guess_mapping(table.header), chosen)

        _imported(sessions, Lead, run)

    @_settings()
    @given(data=_files(AD_HEADER), skip=st.booleans())
    def ads(data: bytes, skip: bool) -> None:
        def run(session):
            chosen = AdImportOptions(AdPlatform.FACEBOOK, skip_invalid=skip, file_name="f.csv")
            return import_ad_performance(session, SYSTEM, read_csv(data), chosen)

        _imported(sessions, AdPerformance, run)

    leads()
    ads()
    every_nasty = [  # and each nasty value once in every text column of a lead that is kept
        [f"nasty{i}@example.com", value, value, "+15555550100", value, value]
        for i, value in enumerate(NASTY)
    ]
    _imported(
        sessions,
        Lead,
        lambda session: import_leads(
            session,
            SYSTEM,
            table := read_csv(_file(LEAD_HEADER, every_nasty, ",", '"', "utf-8")),
            guess_mapping(table.header),
            options,
        ),
    )
    target = Path(tmp_path) / "pipeline.csv"
    with sessions() as session:
        exported = export_list(session, SYSTEM, PIPELINE.query(), target)
    cells = [
        cell
        for row in csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig")))
        for cell in row
    ]
    unescaped = [cell[:30] for cell in cells if cell.startswith(RISKY)]
    report(
        request,
        f"{sum(OUTCOMES.values())} fuzzed CSV files (lead and ad imports): "
        f"{dict(OUTCOMES)}; crashes 0, partial imports 0; {exported} leads exported, "
        f"{len(cells)} cells, formulas unescaped {len(unescaped)}",
    )
    assert unescaped == []
