"""`portal-desktop db …`: works on both databases; bad input gets one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from portal_desktop.cli import main
from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine


def test_upgrade_creates_the_schema_then_does_nothing_more(empty_db_url: str, capsys) -> None:
    assert main(["db", "upgrade", "--url", empty_db_url]) == 0
    assert "upgraded empty → " in capsys.readouterr().out
    assert main(["db", "upgrade", "--url", empty_db_url]) == 0
    assert "already at revision" in capsys.readouterr().out
    assert main(["--url", empty_db_url, "db", "status"]) == 0
    assert "current" in capsys.readouterr().out


def test_default_url_is_the_local_file_in_the_data_dir(capsys) -> None:
    assert main(["db", "upgrade"]) == 0
    from portal_desktop.db.paths import local_database_path

    assert local_database_path().is_file()
    assert str(local_database_path()) in capsys.readouterr().out


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("portal-desktop: error: ")
    return err


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://u@h/db", "'mysql' databases are not supported"),
        ("sqlite://", "needs a file path"),
        ("postgresql://nobody@127.0.0.1:1/portal", "cannot connect to nobody@127.0.0.1:1/portal"),
    ],
)
def test_bad_urls(url: str, words: str, capsys) -> None:
    assert main(["db", "upgrade", "--url", url]) == 2
    assert words in _one_line_error(capsys)


def test_corrupt_sqlite_file_is_reported_and_left_alone(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "portal.sqlite3"
    content = b"this is a spreadsheet, not a database" * 100
    bad.write_bytes(content)
    assert main(["db", "upgrade", "--url", f"sqlite:///{bad}"]) == 2
    assert "is damaged or is not a Portal database" in _one_line_error(capsys)
    assert bad.read_bytes() == content


def test_missing_sqlite_file_is_not_created_by_data_commands(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere.sqlite3"
    assert main(["seed", "--demo", "--url", f"sqlite:///{missing}"]) == 2
    assert "there is no database file" in _one_line_error(capsys)
    assert not missing.exists()


def test_database_from_a_newer_app_is_refused_and_unchanged(db_url: str, capsys) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    tables_before = set(inspect(engine).get_table_names())
    assert main(["db", "upgrade", "--url", db_url]) == 2
    assert "newer version of Portal" in _one_line_error(capsys)
    assert main(["seed", "--demo", "--url", db_url]) == 2
    assert "newer version of Portal" in _one_line_error(capsys)
    assert set(inspect(engine).get_table_names()) == tables_before
    assert migrate.schema_status(engine).database_revision == "9999_future"
    engine.dispose()


def test_data_commands_refuse_an_unmigrated_database(empty_db_url: str, capsys) -> None:
    assert main(["seed", "--demo", "--url", empty_db_url]) == 2
    assert "db upgrade" in _one_line_error(capsys)
