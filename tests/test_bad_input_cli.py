"""Every command by every bad input, run as a user runs it (a subprocess): exit code 2, one line on
stderr and no traceback, and not one file created or changed (a hash of every file in the
folder before and after; a missing file stays missing). Read-only commands never create or
change a file, even when they succeed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal_desktop.cli import EXIT_BROKEN_PIPE
from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.query_spec import MAX_SEARCH_CHARS
from portal_desktop.models import Lead

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LEADS_CSV = DATA / "leads_utf8_bom_comma.csv"
INVALID_CSV = DATA / "leads_invalid_and_duplicates.csv"
LONG_SEARCH = "a" * 100_000


def run_cli(*argv: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """`portal-desktop ARGV` in a subprocess (PORTAL_DATA_DIR is the test's own)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "portal_desktop.cli", *argv],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (its relative path) → the hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_one_line_error(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("portal-desktop: error: "), lines[0]
    assert words in lines[0], lines[0]


def lead_count(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Lead)))
    finally:
        engine.dispose()


# --- bad databases, every command -------------------------------------------------------------

DATABASE = "portal.sqlite3"
# Each command as a user types it; {db} is the database URL, {dir} the test's folder.
COMMANDS: dict[str, tuple[str, ...]] = {
    "db status": ("db", "status", "--url", "{db}"),
    "db upgrade": ("db", "upgrade", "--url", "{db}"),
    "report kpis": (
        "report",
        "kpis",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
        "--url",
        "{db}",
    ),
    "export": ("export", "pipeline", "-o", "{dir}/out.csv", "--url", "{db}"),
    "import leads": ("import", "leads", str(LEADS_CSV), "--url", "{db}"),
    "seed": ("seed", "--demo", "--leads", "10", "--url", "{db}"),
}
WRITING = ("db upgrade", "import leads", "seed")


def _stamp(revision: str) -> Callable[[Path, Path], None]:
    def make(folder: Path, template: Path) -> None:
        shutil.copyfile(template, folder / DATABASE)
        with sqlite3.connect(folder / DATABASE) as conn:
            conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.close()

    return make


@dataclass(frozen=True)
class BadDatabase:
    url: str  # {file}: the SQLite file in the test's folder
    words: str
    make: Callable[[Path, Path], None] | None = None  # (folder, migrated template)
    # Commands for which this is no error (e.g. `db upgrade` creates a missing file).
    fine_for: tuple[str, ...] = ()


BAD_DATABASES: dict[str, BadDatabase] = {
    "not a URL": BadDatabase("not a url", "is not a database URL"),
    "unsupported scheme": BadDatabase("mysql://u@h/db", "'mysql' databases are not supported"),
    "SQLite without a path": BadDatabase("sqlite://", "needs a file path"),
    "unreachable server": BadDatabase(
        "postgresql://nobody@127.0.0.1:1/portal", "cannot connect to nobody@127.0.0.1:1/portal"
    ),
    "missing file": BadDatabase(
        "sqlite:///{file}", "there is no database file", fine_for=("db upgrade",)
    ),
    "typo in the path": BadDatabase(
        "sqlite:///{dir}/typo.sqlite3", "there is no database file", fine_for=("db upgrade",)
    ),
    "0-byte file": BadDatabase(
        "sqlite:///{file}",
        "has no Portal schema yet",
        lambda folder, _: (folder / DATABASE).write_bytes(b""),
        fine_for=("db upgrade", "db status"),
    ),
    "corrupt file": BadDatabase(
        "sqlite:///{file}",
        "is damaged or is not a Portal database",
        lambda folder, _: (folder / DATABASE).write_bytes(b"a spreadsheet, not a database" * 99),
    ),
    "newer schema": BadDatabase(
        "sqlite:///{file}", "newer version of Portal", _stamp("9999_future"), ("db status",)
    ),
    "stamp behind its tables": BadDatabase(
        "sqlite:///{file}", "revision 0002", _stamp("0002"), ("db status",)
    ),
}
BAD_DATABASE_CASES = [
    pytest.param(command, bad, id=f"{command}-{bad}")
    for command in COMMANDS
    for bad, case in BAD_DATABASES.items()
    if command not in case.fine_for
]


@pytest.mark.parametrize(("command", "bad"), BAD_DATABASE_CASES)
def test_a_bad_database_gets_one_line_and_nothing_changes(
    command: str, bad: str, tmp_path: Path, migrated_templates: dict
) -> None:
    case = BAD_DATABASES[bad]
    folder = tmp_path / "work"
    folder.mkdir()
    if case.make:
        case.make(folder, migrated_templates["sqlite"])
    url = case.url.format(file=folder / DATABASE, dir=folder)
    before = snapshot(folder)
    argv = [arg.format(db=url, dir=folder) for arg in COMMANDS[command]]
    assert_one_line_error(run_cli(*argv), case.words)
    assert snapshot(folder) == before


def test_upgrade_explains_a_stamp_that_does_not_match_the_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    result = run_cli("db", "upgrade", "--url", db_url)
    assert_one_line_error(
        result,
        "its revision stamp says revision 0002, but it already has call_day_facts, "
        "cash_day_facts, enrollment_day_facts and 4 more, which revision 0003 creates",
    )
    assert "Nothing was changed" in result.stderr
    assert migrate.schema_status(engine).database_revision == "0002"
    engine.dispose()


# --- bad values on a good database (both databases) ------------------------------------------

# (id, argv after the command's --url, words of the message); {dir}: the output folder.
BAD_VALUES = [
    ("status not a status", ("export", "pipeline", "-o", "{dir}/x.csv", "--where", "status=WON"),
     "status: 'WON' is not one of NEW, CONTACTED, QUALIFIED, LOST"),
    ("NaN", ("export", "enrollments", "-o", "{dir}/x.csv", "--where", "contractvalue>=NaN"),
     "contractvalue: 'NaN' is not a number like 1234.50"),
    ("1e999999", ("export", "enrollments", "-o", "{dir}/x.csv", "--where",
                  "contractvalue>=1e999999"), "contractvalue: '1e999999' is not a number"),
    ("-Infinity", ("export", "enrollments", "-o", "{dir}/x.csv", "--where",
                   "contractvalue>=-Infinity"), "contractvalue: '-Infinity' is not a number"),
    ("minutes 1e999999", ("export", "sales_calls", "-o", "{dir}/x.csv", "--where",
                          "minutes<1e999999"), "minutes: '1e999999' is not a number"),
    ("day past 9999", ("export", "pipeline", "-o", "{dir}/x.csv", "--where",
                       "created<=9999-12-31"), "created: '9999-12-31' is out of range"),
    ("role not a role", ("export", "team", "-o", "{dir}/x.csv", "--where", "role=boss"),
     "role: 'boss' is not one of"),
    ("search of 100,000 characters", ("export", "pipeline", "-o", "{dir}/x.csv", "--search",
                                      LONG_SEARCH),
     f"--search: 100,000 characters is too long; search for at most {MAX_SEARCH_CHARS}"),
    ("-o into a missing folder", ("export", "pipeline", "-o", "{dir}/missing/x.csv"),
     "missing does not exist"),
    ("-o onto a folder", ("export", "pipeline", "-o", "{dir}"), "is a folder"),
    ("-o under a file", ("export", "kpis", "-o", "{dir}/taken.csv/x.csv"),
     "taken.csv is a file, not a folder"),
    ("--report into a missing folder", ("import", "leads", str(INVALID_CSV), "--skip-invalid",
                                        "--report", "{dir}/missing/report.csv"),
     "--report {dir}/missing/report.csv: {dir}/missing does not exist"),
    ("--report onto a folder", ("import", "leads", str(INVALID_CSV), "--skip-invalid",
                                "--report", "{dir}"), "--report {dir} is a folder"),
    ("ad import --report under a file", ("import", "ad-performance",
                                         str(DATA / "facebook_ads_daily.csv"), "--platform",
                                         "facebook", "--report", "{dir}/taken.csv/r.csv"),
     "taken.csv is a file, not a folder"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "words"), [pytest.param(a, w, id=i) for i, a, w in BAD_VALUES])
def test_a_bad_value_gets_one_line_and_nothing_is_written(
    argv: tuple[str, ...], words: str, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "taken.csv").write_text("a file already here\n", encoding="utf-8")
    before = snapshot(tmp_path)  # the SQLite database lives in tmp_path too
    result = run_cli(*(arg.format(dir=folder) for arg in argv), "--url", db_url)
    assert_one_line_error(result, words.format(dir=folder))
    assert snapshot(tmp_path) == before
    assert lead_count(db_url) == 0  # an import whose report cannot be written imports nothing


def test_the_list_machinery_cuts_a_long_search_so_screens_do_not_fail(engine) -> None:
    """SQLite refuses a LIKE pattern over 50,000 bytes ("LIKE pattern too complex")."""
    query = PIPELINE.query(search=LONG_SEARCH)
    assert query.search_words() == ["a" * MAX_SEARCH_CHARS]
    with session_factory(engine)() as session:
        assert session.execute(query.count_statement(engine.dialect.name)).scalar_one() == 0


# --- a closed stdout ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ("report", "kpis", "--from", "2025-01-01", "--to", "2025-01-31"),
        ("db", "status"),
        ("export", "pipeline", "-o", "{dir}/x.csv"),
    ],
    ids=["report kpis", "db status", "export"],
)
def test_a_reader_that_went_away_ends_the_command_quietly(
    argv: tuple[str, ...], db_url: str, tmp_path: Path
) -> None:
    """`portal-desktop report kpis | head -0`: exit 141 as after SIGPIPE, nothing on stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte
    try:
        result = run_cli(*(a.format(dir=tmp_path) for a in argv), "--url", db_url,
                         stdout=write_end)  # fmt: skip
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (EXIT_BROKEN_PIPE, "")


# --- read-only commands never create or change a file -----------------------------------------


def _stale_copy(template: Path, folder: Path) -> str:
    """A migrated SQLite file with a lead whose daily facts were never built."""
    target = folder / DATABASE
    shutil.copyfile(template, target)
    url = f"sqlite:///{target}"
    assert run_cli("import", "leads", str(LEADS_CSV), "--url", url).returncode == 0
    with sqlite3.connect(target) as conn:
        conn.execute("DELETE FROM rollup_state")  # every day must be rebuilt before a report
    conn.close()
    return url


def test_reports_on_stale_facts_are_right_and_leave_the_file_as_it_was(
    tmp_path: Path, migrated_templates: dict
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    url = _stale_copy(migrated_templates["sqlite"], folder)
    before = snapshot(folder)
    argv = ("report", "kpis", "--from", "2025-01-01", "--to", "2025-12-31", "--json")
    read_only = run_cli(*argv, "--url", url)
    assert read_only.returncode == 0, read_only.stderr
    status = run_cli("db", "status", "--url", url)
    assert "current" in status.stdout
    assert snapshot(folder) == before
    # The same report once the file's facts were rebuilt by a writer (the app would do it).
    engine = make_engine(url)
    with session_factory(engine)() as session:
        from portal_desktop.services.reporting.rollups import refresh_rollups

        assert refresh_rollups(session) > 0
    engine.dispose()
    rebuilt = run_cli(*argv, "--url", url)
    assert json.loads(read_only.stdout) == json.loads(rebuilt.stdout)
    assert json.loads(read_only.stdout)["leads"] == 4


def test_db_status_reads_an_empty_file_without_changing_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    result = run_cli("db", "status", "--url", f"sqlite:///{empty}")
    assert (result.returncode, result.stderr) == (0, "")
    assert "empty (database revision none" in result.stdout
    assert snapshot(tmp_path) == {"empty.sqlite3": hashlib.sha256(b"").hexdigest()}
