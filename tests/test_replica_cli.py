"""`portal-desktop replica create`: a replica made from the command line, as a person's own
login; every other command works on it offline; bad input is one line and exit 2."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url

from portal_desktop.cli import main
from portal_desktop.services.seeding import seed_database
from tests.db.pg_logins import PASSWORD, create_login, login_url
from tests.services.sync.sync_world import ON_POSTGRESQL, row_counts

pytestmark = ON_POSTGRESQL


@pytest.fixture
def server(engine: Engine) -> Engine:
    seed_database(engine, leads=20, seed=4)
    return engine


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_person_makes_a_replica_and_reports_work_on_it_offline(
    capsys, monkeypatch, server: Engine, tmp_path: Path
) -> None:
    name = create_login(server, "ADMIN")
    url = login_url(server, name).replace(f":{PASSWORD}@", "@")  # no password in the URL
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # libpq's, as a script would give it
    path = tmp_path / "mine.sqlite3"
    code, out, err = _run(
        capsys, "replica", "create", "--server", url, "--path", str(path), "--json"
    )
    assert (code, err) == (0, "")
    made = json.loads(out)
    assert made["rows"] == sum(row_counts(server).values()) > 0
    assert PASSWORD.encode() not in path.read_bytes()
    period = ("--from", "2016-01-01", "--to", "2026-12-31")
    code, out, err = _run(capsys, "report", "kpis", "--url", f"sqlite:///{path}", *period, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["leads"] == row_counts(server)["leads"]


def _closed_port(url: str) -> str:
    """The same server URL on a port nobody listens to (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def test_bad_input_is_one_line_and_exit_2(capsys, server: Engine, tmp_path: Path) -> None:
    taken = tmp_path / "taken.sqlite3"
    taken.write_bytes(b"")
    url = server.url.render_as_string(hide_password=False).replace("+psycopg", "")
    for argv, words in (
        (["--server", "sqlite:///x.sqlite3", "--path", str(tmp_path / "a")], "PostgreSQL"),
        (["--server", url, "--path", str(taken)], "already a file"),
        (["--server", url, "--path", str(tmp_path / "no" / "r.sqlite3")], "no folder"),
        (["--server", "not a url", "--path", str(tmp_path / "b")], "URL"),
        (["--server", _closed_port(url), "--path", str(tmp_path / "c")], "127.0.0.1"),
    ):
        code, out, err = _run(capsys, "replica", "create", *argv)
        assert code == 2 and out == "", argv
        assert len(err.strip().splitlines()) == 1 and words in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.sqlite3"]
