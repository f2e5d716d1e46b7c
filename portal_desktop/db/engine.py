"""Engines and sessions for PostgreSQL (shared) and SQLite (local, offline)."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from portal_desktop.db import sync_capture
from portal_desktop.db.paths import local_database_url
from portal_desktop.db.tls import tls_problem
from portal_desktop.errors import (
    CorruptDatabaseError,
    DatabaseUnreachableError,
    DatabaseUrlError,
)

SUPPORTED_BACKENDS = ("postgresql", "sqlite")


def parse_url(url: str | None) -> URL:
    """Turn a user-given URL into a SQLAlchemy URL, or say what is wrong with it."""
    raw = url or local_database_url()
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise DatabaseUrlError(
            f"'{raw}' is not a database URL; use postgresql://user@host:5432/db "
            "or sqlite:///path/to/file.sqlite3"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUrlError(
            f"'{backend}' databases are not supported; use postgresql://… or sqlite:///…"
        )
    if backend == "postgresql":
        # psycopg 3 is the one PostgreSQL driver the app ships.
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError("a SQLite URL needs a file path: sqlite:///path/to/file.sqlite3")
    return parsed


def describe(url: URL) -> str:
    """A short, password-free name of the database for status bars and messages."""
    if url.get_backend_name() == "sqlite":
        return f"local file {url.database}"
    user = f"{url.username}@" if url.username else ""
    port = f":{url.port}" if url.port else ""
    return f"{user}{url.host or 'localhost'}{port}/{url.database or ''}"


def _configure_sqlite(dbapi_connection: Any, record: Any) -> None:
    sync_capture.register_functions(dbapi_connection, record)  # a replica's outbox triggers
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # 64 MiB of page cache per connection (default 2 MiB): the KPI aggregates over a
    # million rows run about twice as fast, and it stays within the app's memory budget.
    cursor.execute("PRAGMA cache_size = -65536")
    cursor.close()


def _configure_read_only(dbapi_connection: Any, _record: Any) -> None:
    """A connection SQLite lets read and nothing else (not even the journal mode changes)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA cache_size = -65536")
    cursor.close()


def make_engine(
    url: str | URL | None = None,
    *,
    must_exist: bool = False,
    read_only: bool = False,
    **kwargs: Any,
) -> Engine:
    """An engine for the given URL (default: the local SQLite file).

    ``must_exist``: refuse a SQLite path with no file rather than create an empty one.
    ``read_only`` (implies ``must_exist``; SQLite): the file is opened without being created
    (``mode=rw``) and every connection is ``PRAGMA query_only``, so SQLite itself refuses any
    write (:func:`is_write_refused`). It is not opened ``mode=ro``: a read-only connection
    to a WAL file leaves ``-wal``/``-shm`` files behind, which the last read-write connection
    removes when it closes.
    """
    parsed = url if isinstance(url, URL) else parse_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if (must_exist or read_only) and sqlite:
        path = Path(parsed.database or "")
        if not path.is_file():
            raise DatabaseUrlError(
                f"there is no database file at {path}; check the path, or create one with "
                f"`portal-desktop db upgrade --url sqlite:///{path}`"
            )
    try:
        if sqlite and read_only:
            uri = f"{Path(parsed.database or '').resolve().as_uri()}?mode=rw"
            kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
            engine = create_engine(parsed, **kwargs)
            event.listen(engine, "connect", _configure_read_only)
        elif sqlite:
            engine = create_engine(parsed, **kwargs)
            event.listen(engine, "connect", _configure_sqlite)
            sync_capture.watch_transactions(engine)
        else:
            kwargs.setdefault("pool_pre_ping", True)
            kwargs.setdefault("connect_args", {"connect_timeout": 10})
            engine = create_engine(parsed, **kwargs)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUrlError(f"cannot use {describe(parsed)}: {exc}") from None
    return engine


def check_connection(engine: Engine) -> None:
    """Open one connection and read from the database; raise a PortalError in words."""
    where = describe(engine.url)
    try:
        with engine.connect() as conn:
            conn.execute(
                text("SELECT count(*) FROM sqlite_master" if _is_sqlite(engine) else "SELECT 1")
            )
    except OperationalError as exc:
        if _is_sqlite(engine):
            raise CorruptDatabaseError(
                f"cannot open {where}: {_first_line(exc)}. Check the path and its permissions."
            ) from None
        if tls := tls_problem(str(exc.orig or exc)):
            raise DatabaseUnreachableError(f"cannot connect to {where} securely: {tls}.") from None
        raise DatabaseUnreachableError(
            f"cannot connect to {where}: {_first_line(exc)}. Check the host, port, user and "
            "password, and that the server is running."
        ) from None
    except DatabaseError as exc:
        if isinstance(exc.orig, sqlite3.DatabaseError):
            raise CorruptDatabaseError(
                f"{where} is damaged or is not a Portal database ({_first_line(exc)}). "
                "Restore it from a backup, or move it away to start a new one."
            ) from None
        raise


def server_version(engine: Engine) -> str:
    """Connect once and ask the server what it is (e.g. "PostgreSQL 15.18 …"); a PortalError
    in words when it cannot be reached."""
    check_connection(engine)
    with engine.connect() as conn:
        return str(
            conn.scalar(
                text(
                    "SELECT version()"
                    if not _is_sqlite(engine)
                    else "SELECT 'SQLite ' || sqlite_version()"
                )
            )
        )


def ping(engine: Engine) -> str | None:
    """One round trip to the database: None when it answered, else the problem's first line."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not reachable now"
        return _first_line(exc)
    return None


def is_write_refused(exc: BaseException) -> bool:
    """Whether ``exc`` (or the database error it was raised from, as a use case's
    StorageError is) is SQLite refusing a write on a ``read_only`` engine."""
    orig = getattr(exc, "orig", None) or getattr(exc.__cause__, "orig", None)
    return isinstance(orig, sqlite3.Error) and orig.sqlite_errorname == "SQLITE_READONLY"


@contextmanager
def scratch_copy(engine: Engine) -> Iterator[URL]:
    """A copy of a SQLite database in a temporary folder, removed when the block ends: where
    a read-only command may do the writes it needs (rebuild the daily facts)."""
    with tempfile.TemporaryDirectory(prefix="portal-scratch-") as folder:
        target = Path(folder) / "scratch.sqlite3"
        source = engine.raw_connection()
        try:
            with closing(sqlite3.connect(target)) as copy:
                source.driver_connection.backup(copy)  # type: ignore[union-attr]
        finally:
            source.close()
        yield engine.url.set(database=str(target))


def _is_sqlite(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "sqlite"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One use case, one transaction: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
