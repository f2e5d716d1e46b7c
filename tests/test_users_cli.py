"""`portal-desktop db init` and `users …` on a shared PostgreSQL database (issue 14): the
command line acts as the PostgreSQL role of its URL; bad input is one line and exit 2."""

from __future__ import annotations

import io

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text

from portal_desktop.cli import main
from tests.db.pg_logins import PASSWORD, login_url, unique_name

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


def _run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _member_of(engine: Engine, name: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = :n"
                ),
                {"n": name},
            ).scalars()
        )


@ON_POSTGRESQL
def test_init_then_an_admin_adds_changes_and_deactivates_people(
    capsys, monkeypatch, empty_db_url: str
) -> None:
    admin, bob = unique_name("alice"), unique_name("bob")
    code, out, err = _run(
        capsys,
        monkeypatch,
        "db",
        "init",
        "--url",
        empty_db_url,
        "--admin",
        admin,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert (code, err) == (0, ""), err
    assert f"{admin} signs in as an administrator" in out
    owner = create_engine(empty_db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        admin_url = login_url(owner, admin)
        code, out, err = _run(
            capsys,
            monkeypatch,
            "users",
            "add",
            bob,
            "--role",
            "sales",
            "--url",
            admin_url,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert (code, err) == (0, ""), err
        assert _member_of(owner, bob) == ["portal_sales"]
        bob_url = login_url(owner, bob)
        code, _, err = _run(
            capsys, monkeypatch, "users", "set-role", admin, "--role", "sales", "--url", bob_url
        )
        assert code == 2 and len(err.strip().splitlines()) == 1
        assert "may not manage users" in err
        code, _, err = _run(
            capsys, monkeypatch, "users", "set-role", bob, "--role", "marketing", "--url", admin_url
        )
        assert (code, err) == (0, "")
        assert _member_of(owner, bob) == ["portal_marketing"]
        code, out, err = _run(capsys, monkeypatch, "users", "deactivate", bob, "--url", admin_url)
        assert (code, err) == (0, ""), err
        with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
            psycopg.connect(bob_url).close()
    finally:
        with owner.begin() as conn:
            for name in (admin, bob):
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        owner.dispose()


@ON_POSTGRESQL
def test_a_login_without_a_users_row_is_refused_in_words(
    capsys, monkeypatch, engine: Engine
) -> None:
    stranger = unique_name("stranger")
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{stranger}" LOGIN IN ROLE portal_admin')
    try:
        code, _, err = _run(
            capsys,
            monkeypatch,
            "export",
            "users",
            "-o",
            "/tmp/never.csv",
            "--url",
            login_url(engine, stranger),
        )
        assert code == 2
        assert f"The database login '{stranger}' is not a user of this app" in err
        assert len(err.strip().splitlines()) == 1
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP ROLE "{stranger}"')


def test_bad_input_is_one_line(capsys, monkeypatch, tmp_path) -> None:
    local = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    code, _, err = _run(
        capsys,
        monkeypatch,
        "db",
        "init",
        "--url",
        local,
        "--admin",
        "alice",
        "--password-stdin",
        stdin="long enough password\n",
    )
    assert code == 2 and "db init sets up a shared PostgreSQL database" in err
    code, _, err = _run(
        capsys,
        monkeypatch,
        "users",
        "add",
        "bob",
        "--role",
        "sales",
        "--password-stdin",
        "--url",
        local,
        stdin="\n",
    )
    assert code == 2 and "standard input gave no password" in err
