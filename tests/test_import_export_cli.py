"""`portal-desktop import …` and `portal-desktop export …`: exit codes, output, files."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from portal_desktop import clock
from portal_desktop.cli import main
from portal_desktop.commands.import_export import LIST_NAMES, REPORT_NAMES
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.db.lists import LISTS
from portal_desktop.db.marketing_queries import CAMPAIGN_COLUMNS
from portal_desktop.models import AdPerformance, Lead
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.services.files.exports import LIST_PERMISSIONS, CsvSink, ExportColumn
from portal_desktop.services.reporting.report_exports import ReportName
from portal_desktop.views.formatting import Formatter
from portal_desktop.views.table_model import QueryTableModel
from tests.db.list_samples import seed_every_list
from tests.views.test_list_models import shown_rows

DATA = Path(__file__).resolve().parent / "data"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(db_url: str, model: type) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(model)))
    finally:
        engine.dispose()


def test_import_leads_writes_and_exits_0(capsys, db_url) -> None:
    code, out, err = run(capsys, "import", "leads", str(DATA / "leads_utf8_bom_comma.csv"),
                         "--url", db_url)  # fmt: skip
    assert (code, err) == (0, "")
    assert "'E-mail' → email" in out
    assert "Written: 4 leads created, 0 updated" in out
    assert rows(db_url, Lead) == 4


def test_an_invalid_file_exits_2_with_the_report_and_writes_nothing(
    capsys, db_url, tmp_path
) -> None:
    report = tmp_path / "report.csv"
    source = str(DATA / "leads_invalid_and_duplicates.csv")
    code, out, err = run(
        capsys, "--url", db_url, "import", "leads", source, "--report", str(report)
    )
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("portal-desktop: error: 6 rows are invalid, so nothing was imported")
    assert "  row 3, Email: 'not-an-email' is not an email address" in out
    assert "  row 8: has no name, email or phone number" in out
    assert report.read_text(encoding="utf-8-sig").splitlines()[:2] == [
        "row,column,problem",
        "3,Email,'not-an-email' is not an email address like name@example.com; check for typos",
    ]
    assert rows(db_url, Lead) == 0


def test_skip_invalid_lists_the_skipped_rows_and_exits_0(capsys, db_url) -> None:
    code, out, _ = run(capsys, "import", "leads", str(DATA / "leads_invalid_and_duplicates.csv"),
                       "--skip-invalid", "--url", db_url)  # fmt: skip
    assert code == 0
    assert "Skipped rows (row, column, problem):" in out
    assert "  row 6, Status: 'WON' is not a lead status" in out
    assert rows(db_url, Lead) == 3  # rows 2, 9 and 11; row 5 repeats row 2


def test_mapping_update_duplicates_and_dry_run(capsys, db_url, tmp_path) -> None:
    source = tmp_path / "crm.csv"
    source.write_text("Who,Where,Mail\nAnn Lee,webinar,ann@example.com\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "leads", str(source), "--mapping", "Who=full_name",
                       "--mapping", "2=source", "--dry-run", "--url", db_url)  # fmt: skip
    assert code == 0
    assert "1 new lead" in out
    assert rows(db_url, Lead) == 0  # a dry run writes nothing
    assert run(capsys, "import", "leads", str(source), "--mapping", "Who=full_name",
               "--url", db_url)[0] == 0  # fmt: skip
    source.write_text("Mail,Where\nANN@example.com,seminar\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "leads", str(source), "--mapping", "where=source",
                       "--update-duplicates", "--url", db_url)  # fmt: skip
    assert code == 0
    assert "Written: 0 leads created, 1 updated" in out
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(Lead.first_name, Lead.source)).one() == ("Ann", "seminar")
    engine.dispose()


def test_bad_input_exits_2(capsys, db_url, tmp_path) -> None:
    code, _, err = run(capsys, "import", "leads", str(tmp_path / "missing.csv"), "--url", db_url)
    assert code == 2
    assert "cannot read" in err
    code, _, err = run(capsys, "import", "leads", str(DATA / "leads_utf8_bom_comma.csv"),
                       "--mapping", "Nope=email", "--url", db_url)  # fmt: skip
    assert code == 2
    assert "the file has no column 'Nope'" in err
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _, err = run(capsys, "import", "leads", str(empty), "--url", db_url)
    assert code == 2
    assert "row 1: the file is empty" in err


def test_import_ad_performance_twice_changes_nothing(capsys, db_url) -> None:
    argv = ("import", "ad-performance", str(DATA / "google_ads_campaign_report.csv"),
            "--platform", "google", "--url", db_url)  # fmt: skip
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "5 new days, 0 changed, 0 already up to date" in out
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "0 new days, 0 changed, 5 already up to date" in out
    assert rows(db_url, AdPerformance) == 5


def test_the_wrong_platform_exits_2_and_says_why(capsys, db_url) -> None:
    code, _, err = run(capsys, "import", "ad-performance", str(DATA / "facebook_ads_daily.csv"),
                       "--platform", "google", "--url", db_url)  # fmt: skip
    assert code == 2
    assert "not a Google export" in err


def test_export_a_list_with_where_and_a_report(capsys, db_url, tmp_path) -> None:
    run(capsys, "import", "leads", str(DATA / "leads_utf8_bom_comma.csv"), "--url", db_url)
    target = tmp_path / "new.csv"
    code, out, _ = run(capsys, "export", "pipeline", "-o", str(target), "--where", "status=NEW",
                       "--where", "source~face", "--url", db_url)  # fmt: skip
    assert (code, out) == (0, f"Wrote 1 row to {target} (csv).\n")
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("José Álvarez,jose.alvarez@example.com,'+14155550132,NEW,")
    workbook = tmp_path / "kpis.xlsx"
    code, _, _ = run(capsys, "export", "kpis", "--from", "2025-01-01", "--to", "2025-03-31",
                     "-o", str(workbook), "--url", db_url)  # fmt: skip
    assert code == 0
    values = {row[1]: row[2] for row in load_workbook(workbook).active.iter_rows(values_only=True)}
    assert values["leads"] == 4
    code, _, err = run(capsys, "export", "pipeline", "-o", str(target), "--where", "status",
                       "--url", db_url)  # fmt: skip
    assert code == 2
    assert "not COLUMN OP VALUE" in err
    code, _, err = run(capsys, "export", "team", "-o", str(target), "--sort", "salary",
                       "--url", db_url)  # fmt: skip
    assert code == 2
    assert "--sort" in err


def test_export_help_says_where_is_never_sql(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "never SQL" in " ".join(capsys.readouterr().out.split())


# --- one truth: `export <list>` writes what the list's screen shows ---------------------------


def test_the_command_knows_every_list_and_report() -> None:
    assert set(LIST_NAMES) == set(LISTS) and set(REPORT_NAMES) == {r.value for r in ReportName}
    assert set(LISTS) <= set(LIST_PERMISSIONS)  # who may export each list


def _sort_key(title: str) -> str:
    return "".join(ch for ch in title.lower() if ch.isalnum())


def test_export_of_each_list_writes_the_rows_and_titles_its_model_shows(
    qtbot, capsys, engine, db_url, tmp_path
) -> None:
    """For each list, the same search and sort on the screen's model and on `export`: the
    file holds the model's header titles and, row for row, its values."""
    seed_every_list(engine, leads=30, seed=7)
    with session_factory(engine)() as session:
        settings = load_settings(session)
    day = clock.today(settings.tz)
    for name, entry in LISTS.items():
        spec = entry.spec(day, settings.tz)
        model = QueryTableModel(engine, spec, page_size=9, formatter=Formatter(settings.tz))
        search = "a" if spec.search_in else ""
        column = 1  # the second column, newest/largest first
        model.set_search(search)
        model.sort(column, Qt.SortOrder.DescendingOrder)
        shown = shown_rows(qtbot, model)
        assert shown, name
        target = tmp_path / f"{name}.csv"
        sort = f"{_sort_key(spec.columns[column].title)}:desc"
        code, _, err = run(capsys, "export", name, "-o", str(target), "--search", search,
                           "--sort", sort, "--url", db_url)  # fmt: skip
        assert (code, err) == (0, ""), name
        titles = [
            model.headerData(n, Qt.Orientation.Horizontal) for n in range(model.columnCount())
        ]
        expected = io.StringIO()
        sink = CsvSink(
            expected,
            [ExportColumn(t, c.kind) for t, c in zip(titles, spec.columns, strict=True)],
            settings.currency,
            settings.tz,
        )
        for row in shown:
            sink.row(row)
        written = target.read_text(encoding="utf-8-sig")
        assert written.splitlines() == expected.getvalue().splitlines(), name


def test_the_old_marketing_export_writes_the_campaigns_table_and_says_so(
    capsys, engine, db_url, tmp_path
) -> None:
    seed_every_list(engine, leads=30, seed=7)
    target = tmp_path / "campaigns.csv"
    with session_factory(engine)() as session:
        today = clock.today(load_settings(session).tz)
    start = (today - dt.timedelta(days=364)).isoformat()
    argv = ("-o", str(target), "--from", start, "--to", today.isoformat(), "--url", db_url)
    code, _, err = run(capsys, "export", "marketing", *argv)
    assert code == 0 and err.count("\n") == 1
    assert "'marketing' is now called 'campaigns'" in err
    old = target.read_text(encoding="utf-8-sig")
    code, _, err = run(capsys, "export", "campaigns", *argv)
    assert (code, err) == (0, "") and target.read_text(encoding="utf-8-sig") == old
    header = old.splitlines()[0].split(",")
    assert [title.split(" (")[0] for title in header] == [c.title for c in CAMPAIGN_COLUMNS]
    assert len(old.splitlines()) > 2
