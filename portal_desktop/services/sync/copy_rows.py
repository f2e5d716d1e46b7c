"""Rows from the server into a replica: the whole tables (a snapshot) or some ids (a pull),
written as the server has them, without outbox capture and without SQLite's foreign-key
checks (the server checked them; a row whose parent this login may not read is kept)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    Table,
    delete,
    func,
    literal,
    null,
    select,
    text,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal_desktop.db.sync_capture import state_of
from portal_desktop.db.sync_log import logged_tables
from portal_desktop.models import Base

BATCH = 2_000


def tables() -> list[Table]:
    """The tables a replica holds, parents first."""
    return [Base.metadata.tables[name] for name in logged_tables()]


@contextmanager
def replica_writes(replica: Engine) -> Iterator[Connection]:
    """One transaction on the replica for the server's rows: capture paused, foreign keys
    not enforced (restored when it ends)."""
    with replica.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")  # outside a transaction, or ignored
        conn.commit()
        state = state_of(conn)
        state.paused += 1
        try:
            with conn.begin():
                yield conn
        finally:
            state.paused -= 1
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.commit()


COLUMNS_READABLE = text(
    "SELECT c, has_column_privilege(current_user, :t, c, 'SELECT') "
    "FROM unnest(CAST(:c AS text[])) c"
)
TABLE_READABLE = text("SELECT has_any_column_privilege(current_user, :t, 'SELECT')")


def may_read(source: Connection, table: Table) -> bool:
    """Whether this login may read ``table`` at all (marketing may not read payments): a
    table it may not stays empty in its replica, and its changes are not pulled."""
    return source.dialect.name != "postgresql" or bool(
        source.scalar(TABLE_READABLE, {"t": table.name})
    )


def readable_tables(source: Connection) -> list[Table]:
    """The replica's tables this login may read, parents first."""
    return [table for table in tables() if may_read(source, table)]


def readable(source: Connection, table: Table) -> Select[Any]:
    """``SELECT`` of ``table`` with the columns this login may read; a column it may not
    (``users.password_hash`` on the shared server) comes as empty: the replica never holds
    what the person could not read online. One round trip for the whole table (a pull asks
    for every changed table, over what may be a slow link)."""
    names = [column.name for column in table.c]
    allowed = set(names)
    if source.dialect.name == "postgresql":
        found = source.execute(COLUMNS_READABLE, {"t": table.name, "c": names})
        allowed = {name for name, readable in found if readable}
    columns: list[Any] = []
    for column in table.c:
        if column.name in allowed:
            columns.append(column)
        else:
            blank = null() if column.nullable else literal("", type_=column.type)
            columns.append(blank.label(column.name))
    return select(*columns)


def counts(server: Connection) -> dict[str, int]:
    return {
        table.name: server.scalar(select(func.count()).select_from(table)) or 0
        for table in readable_tables(server)
    }


def copy_tables(
    server: Connection,
    replica: Connection,
    progress: Callable[[int], None],
    cancelled: Callable[[], bool],
) -> int:
    """Every row the server shows this login, table by table; False from ``cancelled``
    between batches stops it (the caller rolls back)."""
    done = 0
    for table in readable_tables(server):
        insert = _inserter(replica, table)
        result = server.execution_options(yield_per=BATCH).execute(readable(server, table))
        for batch in result.partitions(BATCH):
            if cancelled():
                raise CopyCancelled
            insert(batch)
            done += len(batch)
            progress(done)
    return done


def _inserter(replica: Connection, table: Table) -> Callable[[Sequence[Row[Any]]], None]:
    """An executemany of ``table``'s rows (as ``readable`` reads them: every column, in the
    table's order) with each column's own bind conversion, without building a statement and
    a parameter dict per row (a quarter of a copy's time)."""
    dialect = replica.dialect
    convert = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.c]
    sql = str(table.insert().compile(dialect=dialect))  # every column, in the table's order

    def insert(rows: Sequence[Row[Any]]) -> None:
        replica.exec_driver_sql(
            sql,
            [
                tuple(v if f is None else f(v) for f, v in zip(convert, row, strict=True))
                for row in rows
            ],
        )

    return insert


_SCHEMA_OBJECTS = (
    "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
    "AND sql IS NOT NULL AND tbl_name IN ({})"
)
_EXTERNAL_FTS = (
    "SELECT name FROM sqlite_master WHERE type = 'table' "
    "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%content=%'"
)


@contextmanager
def bare_tables(replica: Connection) -> Iterator[None]:
    """Empty replica tables loaded without their indexes and triggers (search index,
    rollup marks, outbox capture), which are made again after, in the same transaction,
    and the search indexes rebuilt from the rows: one pass instead of one per row."""
    names = ", ".join(f"'{table.name}'" for table in tables())
    made = replica.exec_driver_sql(_SCHEMA_OBJECTS.format(names)).all()
    for kind, name, _sql in made:
        replica.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    yield
    for _kind, _name, sql in sorted(made, key=lambda row: row[0] != "index"):
        replica.exec_driver_sql(sql)
    for (fts,) in replica.exec_driver_sql(_EXTERNAL_FTS).all():
        replica.exec_driver_sql(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


class CopyCancelled(Exception):  # noqa: N818 - a signal, not an error
    """The person cancelled the copy."""


def upsert(replica: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """The server's rows into the replica: inserted, or replacing the replica's row of the
    same id column by column (no DELETE: that would cascade)."""
    values = list(rows)
    if not values:
        return 0
    statement = sqlite_insert(table)
    columns = {c.name: statement.excluded[c.name] for c in table.c if c.name != "id"}
    replica.execute(statement.on_conflict_do_update(index_elements=["id"], set_=columns), values)
    return len(values)


def remove(replica: Connection, table: Table, ids: Iterable[uuid.UUID]) -> int:
    gone = list(ids)
    if gone:
        replica.execute(delete(table).where(table.c.id.in_(gone)))
    return len(gone)
