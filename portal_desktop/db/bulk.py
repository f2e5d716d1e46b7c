"""Bulk inserts into any table: PostgreSQL binary ``COPY``, SQLite ``executemany``.

``with bulk_insert(connection, table, columns) as write: write(rows); write(more_rows)``

Rows are tuples of Python values (``uuid.UUID``, ``Decimal``, aware UTC ``datetime``,
``date``, ``bool``, plain ``str`` for enum words) in the order of ``columns``. They go
through the SQLAlchemy connection's own transaction, so a rollback undoes them.

* PostgreSQL: one binary ``COPY … FROM STDIN`` stays open for the whole block, each
  ``write`` streams its rows: the server stores them while the caller prepares the next
  ones (on another core). The column types are read from the catalog (binary COPY needs
  them). Nothing else may use the connection inside the block.
* SQLite: each value goes through its column's SQLAlchemy bind processor first, so the
  file holds exactly what the ORM would write (cents, hex UUIDs, naive UTC text). Each
  ``write`` becomes one ``INSERT … SELECT json_extract(value, '$[i]') … FROM json_each(?)``
  of the whole chunk, run by a background thread: SQLite then stores a chunk without
  holding the GIL while the caller prepares the next one. (``executemany`` cannot do that:
  it needs the GIL between every two rows, and a busy caller thread starves it — 4x slower.)
  Without JSON support in the SQLite library, or for values JSON cannot carry, each
  ``write`` is an ``executemany`` of one prepared INSERT in the caller's thread.

A driver error (a unique violation during COPY…) is raised as SQLAlchemy's
``IntegrityError``/``DBAPIError``, like any other statement's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import threading
import time
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from portal_desktop.models.types import UTCDateTime

Row = tuple[Any, ...]
Write = Callable[[Sequence[Row]], None]


@contextmanager
def bulk_insert(connection: Connection, table: Table, columns: Sequence[str]) -> Iterator[Write]:
    """A ``write(rows)`` function for inserting many rows, valid inside the block."""
    if connection.dialect.name == "postgresql":
        with _copy(connection, table, columns) as write:
            yield write
    elif connection.dialect.name == "sqlite":
        with _sqlite(connection, table, columns) as write:
            yield write
    else:
        raise ValueError(f"no bulk insert for {connection.dialect.name} databases")


@contextmanager
def _copy(connection: Connection, table: Table, columns: Sequence[str]) -> Iterator[Write]:
    import psycopg

    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the SQLAlchemy connection has no psycopg connection")
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    cursor = driver.cursor()
    try:
        found = dict(
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (table.name,),
            ).fetchall()
        )
        with cursor.copy(statement) as copy:
            copy.set_types([found[column] for column in columns])
            write_row = copy.write_row

            def write(rows: Sequence[Row]) -> None:
                for row in rows:
                    write_row(row)

            yield write
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from None
    finally:
        cursor.close()


@contextmanager
def _sqlite(connection: Connection, table: Table, columns: Sequence[str]) -> Iterator[Write]:
    dialect = connection.dialect
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    one_by_one = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    picks = ", ".join(f"json_extract(value, '$[{index}]')" for index in range(len(columns)))
    whole_chunk = f"INSERT INTO {table.name} ({names}) SELECT {picks} FROM json_each(?)"
    convert = row_converter(_processor(table, name, dialect) for name in columns)
    worker = _ChunkWorker(connection, whole_chunk) if sqlite_has_json(connection) else None

    def write(rows: Sequence[Row]) -> None:
        if not rows:
            return
        converted = [convert(row) for row in rows]
        payload = _json_rows(converted) if worker is not None else None
        if worker is None or payload is None:
            if worker is not None:
                worker.wait()  # keep the order of the writes
            connection.exec_driver_sql(one_by_one, converted)
        else:
            worker.put(payload)

    if worker is None:
        yield write
        return
    try:
        yield write
    except BaseException:
        worker.close(abandon=True)
        raise
    worker.close()


def sqlite_has_json(connection: Connection) -> bool:
    """Whether the SQLite library has the JSON functions (built in since 3.38)."""
    try:
        return connection.exec_driver_sql("SELECT json_extract('[7]', '$[0]')").scalar() == 7
    except DBAPIError:
        return False


def _json_rows(rows: list[Row]) -> str | None:
    """The rows as one JSON array, or None when a value is not plain text or a number
    (SQLite would not read it back as the same value)."""
    for row in rows[:1]:
        if any(not isinstance(value, _JSON_SAFE) for value in row if value is not None):
            return None
    try:
        return json.dumps(rows, allow_nan=False)
    except (TypeError, ValueError):
        return None


_JSON_SAFE = (str, int)


class _ChunkWorker:
    """Runs one statement per queued chunk on a thread of its own; the caller's thread does
    not touch the connection until :meth:`wait` or :meth:`close` returns. A failure is
    raised in the caller at its next call."""

    def __init__(self, connection: Connection, statement: str, depth: int = 4) -> None:
        self._connection = connection
        self._statement = statement
        self._queue: queue.Queue[str | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._work, name="bulk-insert", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            payload = self._queue.get()
            try:
                if payload is None:
                    return
                if self._error is None and not self._abandoned:
                    self._connection.exec_driver_sql(self._statement, (payload,))
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
            finally:
                self._queue.task_done()

    def put(self, payload: str) -> None:
        self._raise_failure()
        self._queue.put(payload)

    def wait(self) -> None:
        self._queue.join()
        self._raise_failure()

    def close(self, *, abandon: bool = False) -> None:
        self._abandoned = abandon
        self._queue.put(None)
        self._thread.join()
        if not abandon:
            self._raise_failure()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error


def _processor(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's bind processor; for keys and times a faster one that gives the same
    values (checked on a sample here, else SQLAlchemy's own is used)."""
    column_type = table.c[name].type
    general = column_type.dialect_impl(dialect).bind_processor(dialect)
    fast, sample = _FAST.get(type(column_type), (None, None))
    if fast is None or general is None or fast(sample) != general(sample):
        return general
    return fast


def _utc_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


_FAST: dict[type, tuple[Callable[[Any], Any], Any]] = {
    UTCDateTime: (_utc_text, dt.datetime(2024, 2, 29, 23, 5, 9, 120, tzinfo=dt.UTC)),
    Uuid: (_hex, uuid.UUID("01234567-89ab-7def-8123-456789abcdef")),
}


def row_converter(processors: Iterable[Callable[[Any], Any] | None]) -> Callable[[Row], Row]:
    """Apply each column's bind processor (columns without one pass through).

    A value that is the very object of the previous row (a shared timestamp, an enum word,
    a campaign's id) reuses its converted value.
    """
    steps = [[index, fn, _NOTHING, None] for index, fn in enumerate(processors) if fn is not None]

    def convert(row: Row) -> Row:
        values = list(row)
        for step in steps:
            index, fn, last, converted = step
            value = values[index]
            if value is not last:
                converted = fn(value)
                step[2], step[3] = value, converted
            values[index] = converted
        return tuple(values)

    return convert


_NOTHING = object()


def uuid7_batch(count: int) -> list[uuid.UUID]:
    """``count`` new UUIDv7 keys in increasing order, made in one go (~3x faster than one
    ``uuid6.uuid7()`` call each): the current Unix time in ms, a 12-bit sequence that carries
    into the time every 4,096 keys, and 62 random bits (RFC 9562, section 6.2 method 1)."""
    if count <= 0:
        return []
    millis = time.time_ns() // 1_000_000
    randoms = array("Q", os.urandom(8 * count))
    keys = []
    make = uuid.UUID
    for number, random_bits in enumerate(randoms):
        carry, sequence = divmod(number, 4096)
        value = ((millis + carry) << 80) | _VERSION_7 | (sequence << 64) | _VARIANT
        keys.append(make(int=value | (random_bits & _RAND_B)))
    return keys


_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_B = (1 << 62) - 1
