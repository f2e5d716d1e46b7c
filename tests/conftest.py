"""Test harness: every database test runs on a real PostgreSQL and a real SQLite file."""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db import migrate
from portal_desktop.db.engine import make_engine, session_factory
from tests import screens
from tests.pg_cluster import INSTALL_HINT, PgCluster, find_server_binaries
from tests.tls_cluster import tls_server  # noqa: F401 (one TLS server per session, on demand)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Nothing a test does may touch the user's real data directory or settings."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path_factory.mktemp("data")))


FULL_COLLECTION_EVERY = 20  # tests
_tests_since_full = [0]


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread() -> Iterator[None]:
    """As in the app (views/main_thread_gc.py): Python's cyclic collector never runs in a
    worker thread, where finalizing the Qt wrappers of an earlier test's widgets crashed the
    suite now and then (a segfault in whatever the main thread did next). A test's garbage
    is collected after it, on the main thread: the young generations every time, all of them
    every FULL_COLLECTION_EVERY tests."""
    gc.disable()
    yield
    _tests_since_full[0] += 1
    if _tests_since_full[0] >= FULL_COLLECTION_EVERY:
        _tests_since_full[0] = 0
        gc.collect()
    else:
        gc.collect(1)


@pytest.fixture(scope="session", autouse=True)
def _docs_screenshots_untouched() -> Iterator[None]:
    """The suite never writes docs/screenshots/: `make screenshots` does (tests/screens.py)."""
    before = screens.snapshot(screens.DOCS_SCREENS)
    yield
    written = screens.changed(before, screens.snapshot(screens.DOCS_SCREENS))
    assert written == [], f"the tests changed docs/screenshots/: {', '.join(written)}"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL server the suite may create databases on."""
    given = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if given:
        yield given
        return
    bin_dir = find_server_binaries()
    if bin_dir is None:
        pytest.exit(INSTALL_HINT, returncode=3)
    cluster = PgCluster.start(bin_dir)
    try:
        yield cluster.admin_url
    finally:
        cluster.stop()


def _pg_create_database(admin_url: str, name: str, template: str | None = None) -> str:
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        clause = f" TEMPLATE {template}" if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    admin.dispose()
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def migrated_templates(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Schema built once per backend by the real migrations; each test copies it."""
    sqlite_file = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{sqlite_file}")
    migrate.upgrade(engine)
    with engine.connect() as conn:  # fold the WAL into the file so a plain copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    template_name = f"portal_template_{uuid.uuid4().hex[:8]}"
    pg_url = _pg_create_database(pg_admin_url, template_name)
    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    engine.dispose()
    return {"sqlite": sqlite_file, "postgresql": template_name}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(
    backend: str, migrated_templates: dict, pg_admin_url: str, tmp_path: Path
) -> Iterator[str]:
    """A fresh, migrated, empty database of the parametrized backend."""
    if backend == "sqlite":
        target = tmp_path / "portal.sqlite3"
        shutil.copyfile(migrated_templates["sqlite"], target)
        yield f"sqlite:///{target}"
        return
    url = _pg_create_database(
        pg_admin_url, f"portal_test_{uuid.uuid4().hex[:12]}", migrated_templates["postgresql"]
    )
    yield url
    _drop_people_logins(url)


def _drop_people_logins(url: str) -> None:
    """Login roles are cluster-wide: drop those the test made for its users rows, so that
    another test may create a user of the same name (issue 14)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            names = conn.execute(
                text(
                    "SELECT r.rolname FROM pg_roles r JOIN users u ON u.username = r.rolname "
                    "WHERE NOT r.rolsuper"
                )
            ).scalars()
            for name in names:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :n"
                    ),
                    {"n": name},
                )
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def empty_db_url(backend: str, pg_admin_url: str, tmp_path: Path) -> str:
    """A database with no schema at all, for migration tests."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return _pg_create_database(pg_admin_url, f"portal_empty_{uuid.uuid4().hex[:12]}")
