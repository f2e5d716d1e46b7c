"""`portal-desktop sync` and `conflicts` on a real replica of a real server."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from portal_desktop.cli import main
from portal_desktop.db.replica_tables import create_replica_tables, sync_outbox, sync_state
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead
from tests.db.pg_logins import PASSWORD
from tests.services.sync.push_world import World, make_world, server_lead
from tests.services.sync.test_conflicts import _edit_lead

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def world(
    engine: Engine, migrated_templates: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    made = make_world(engine, Path(migrated_templates["sqlite"]), tmp_path)
    server = made.server.url.set(password=None).render_as_string(hide_password=False)
    with made.replica.begin() as conn:
        conn.execute(insert(sync_state).values(key="server", value=server))
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # libpq's: the replica stores no password
    yield made
    made.server.dispose()
    made.replica.dispose()


def _run(capsys, monkeypatch, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _file_state(path: Path) -> tuple[str, list[str]]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, sorted(p.name for p in path.parent.iterdir())


@ON_POSTGRESQL
def test_sync_pushes_and_prints_the_counts(world: World, capsys, monkeypatch) -> None:
    with world.replica_session() as session:
        lead_id = create_lead(session, SYSTEM, first_name="Cli", email="cli@x.org").id
    url = str(world.replica.url)
    code, out, err = _run(capsys, monkeypatch, "sync", "--url", url, "--json")
    assert (code, err) == (0, "")
    counts = json.loads(out)
    assert (counts["pushed"], counts["conflicts"]) == (1, 0)
    assert counts["pulled"] >= 1  # my lead comes back as the server stamped it
    assert server_lead(world, lead_id).first_name == "Cli"
    code, out, _ = _run(capsys, monkeypatch, "sync", "--url", url)
    assert (code, out) == (0, "pushed 0, pulled 0, conflicts waiting 0\n")


@ON_POSTGRESQL
def test_conflicts_lists_them_and_writes_nothing(world: World, capsys, monkeypatch) -> None:
    _edit_lead(world.replica_session, world.lead_id, first_name="Mine")
    _edit_lead(world.owner_session, world.lead_id, first_name="Theirs")
    url = str(world.replica.url)
    code, out, _ = _run(capsys, monkeypatch, "sync", "--url", url, "--json")
    assert json.loads(out)["conflicts"] == 1
    world.replica.dispose()
    path = Path(world.replica.url.database)
    before = _file_state(path)
    code, out, err = _run(capsys, monkeypatch, "conflicts", "--url", url, "--json")
    assert (code, err) == (0, "")
    (item,) = json.loads(out)
    assert (item["kind"], item["mine"], item["theirs"]) == (
        "same_field",
        {"first_name": "Mine"},
        {"first_name": "Theirs"},
    )
    assert item["choices"] == ["mine", "theirs", "fields"]
    code, out, _ = _run(capsys, monkeypatch, "conflicts", "--url", url)
    assert code == 0 and "same_field" in out and "choices: mine, theirs, fields" in out
    assert _file_state(path) == before


@pytest.mark.parametrize("backend", ["sqlite"])
def test_bad_input_is_one_line_and_exit_2(db_url: str, tmp_path: Path, capsys, monkeypatch) -> None:
    missing = f"sqlite:///{tmp_path / 'nope.sqlite3'}"
    cases = [
        (("conflicts", "--url", missing), "there is no database file"),
        (("sync", "--url", "postgresql://someone@localhost/x"), "must name a replica file"),
        (("conflicts", "--url", db_url), "is not a replica"),
        (("sync", "--url", db_url, "--json"), "is not a replica"),
    ]
    for argv, words in cases:
        code, out, err = _run(capsys, monkeypatch, *argv)
        assert (code, out) == (2, ""), argv
        assert err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "nope.sqlite3").exists()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sync_without_the_server_says_so_and_keeps_the_changes(
    engine: Engine, capsys, monkeypatch
) -> None:
    create_replica_tables(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(sync_state).values(key="server", value="postgresql+psycopg://me@127.0.0.1:1/x")
        )
    with Session(engine) as session:
        create_lead(session, SYSTEM, first_name="Waiting", email="wait@x.org")
    code, out, err = _run(capsys, monkeypatch, "sync", "--url", str(engine.url), "--json")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "the rest wait on this computer" in err
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(sync_outbox)) == 1
