"""Bulk writers: PostgreSQL binary ``COPY … FROM STDIN``, SQLite ``executemany`` of one INSERT.

Rows arrive as tuples of Python values (``uuid.UUID``, ``Decimal``, aware UTC ``datetime``,
``date``, ``bool``, enum words) in the column order of :mod:`.tables`. psycopg's COPY takes
those as they are; for SQLite each column goes through its SQLAlchemy type's bind processor,
so the file holds exactly what the ORM would write (cents, hex UUIDs, naive UTC text).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import Connection

from portal_desktop.models import Base
from portal_desktop.services.seeding.tables import COLUMNS, Row


class RowWriter(Protocol):
    def write(self, table: str, rows: Sequence[Row]) -> None: ...


class PostgresCopyWriter:
    """Streams rows with psycopg 3's binary COPY through the connection's own transaction.

    Binary COPY needs each column's type: they are read from the catalog, so the values are
    encoded for exactly the columns the database has.
    """

    def __init__(self, connection: Connection) -> None:
        driver = connection.connection.driver_connection
        assert driver is not None, "the SQLAlchemy connection has no psycopg connection"
        self._cursor = driver.cursor()
        self._statements = {
            table: f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
            for table, columns in COLUMNS.items()
        }
        self._types = {table: self._column_types(table) for table in COLUMNS}

    def _column_types(self, table: str) -> list[int]:
        found = dict(
            self._cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (table,),
            ).fetchall()
        )
        return [found[column] for column in COLUMNS[table]]

    def write(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        with self._cursor.copy(self._statements[table]) as copy:
            copy.set_types(self._types[table])
            write_row = copy.write_row
            for row in rows:
                write_row(row)


class SqliteWriter:
    """One prepared INSERT per table, run with ``executemany`` inside the caller's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        dialect = connection.dialect
        self._statements: dict[str, str] = {}
        self._converters: dict[str, Callable[[Row], Row]] = {}
        for table_name, columns in COLUMNS.items():
            table = Base.metadata.tables[table_name]
            marks = ", ".join("?" for _ in columns)
            self._statements[table_name] = (
                f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({marks})"
            )
            processors = [
                table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
            ]
            self._converters[table_name] = _converter(processors)

    def write(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        convert = self._converters[table]
        self._connection.exec_driver_sql(self._statements[table], [convert(r) for r in rows])


def _converter(processors: list[Callable[[Any], Any] | None]) -> Callable[[Row], Row]:
    """Apply each column's bind processor (columns without one pass through)."""
    steps = [(index, fn) for index, fn in enumerate(processors) if fn is not None]

    def convert(row: Row) -> Row:
        values = list(row)
        for index, fn in steps:
            values[index] = fn(values[index])
        return tuple(values)

    return convert


def writer_for(connection: Connection) -> RowWriter:
    if connection.dialect.name == "postgresql":
        return PostgresCopyWriter(connection)
    if connection.dialect.name == "sqlite":
        return SqliteWriter(connection)
    raise ValueError(f"cannot seed a {connection.dialect.name} database")


class BackgroundWriter:
    """Writes on a worker thread while the caller generates the next rows.

    The database works on one batch (and the driver waits for it without holding the GIL)
    while Python builds the next. Only the worker touches the connection until
    :meth:`close` returns. A failed write is raised in the caller at its next
    :meth:`write` or at :meth:`close`; the batches still queued are then dropped.
    """

    def __init__(self, inner: RowWriter, depth: int = 12) -> None:
        self._inner = inner
        self._queue: queue.Queue[tuple[str, Sequence[Row]] | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._work, name="seed-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None and not self._abandoned:
                try:
                    self._inner.write(*item)
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc

    def write(self, table: str, rows: Sequence[Row]) -> None:
        self._raise_failure()
        self._queue.put((table, rows))

    def close(self, *, abandon: bool = False) -> None:
        """Wait until every batch is written (or, when ``abandon``, dropped)."""
        self._abandoned = abandon
        self._queue.put(None)
        self._thread.join()
        if not abandon:
            self._raise_failure()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error


@contextmanager
def background(inner: RowWriter) -> Iterator[BackgroundWriter]:
    """A :class:`BackgroundWriter` that is finished (or abandoned on error) on exit."""
    writer = BackgroundWriter(inner)
    try:
        yield writer
    except BaseException:
        writer.close(abandon=True)
        raise
    writer.close()
