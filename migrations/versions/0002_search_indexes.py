"""Search indexes for the lists' search box: FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL

Both answer "the text contains this word" (any case) from an index instead of reading every
lead, for words of 3 characters or more (shorter words are matched with a plain LIKE).

SQLite: ``leads_search``, an external-content FTS5 table with the trigram tokenizer over the
leads' first name, last name, email and phone (rowid = the lead's rowid), kept in step by
three triggers. PostgreSQL: the ``pg_trgm`` extension and one GIN index per searched column
(``ILIKE '%word%'`` uses them by itself). When ``pg_trgm`` is not installable (not shipped
with the server, or the user may not create it), the indexes are skipped, the migration
still succeeds, and the same ILIKE search runs without them (slower on big tables).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = ("first_name", "last_name", "email", "phone")
FTS_TABLE = "leads_search"
TRIGRAM_INDEXES = {f"ix_leads_{column}_trgm": column for column in SEARCHED}

_COLUMNS = ", ".join(SEARCHED)
_NEW = ", ".join(f"new.{c}" for c in SEARCHED)
_OLD = ", ".join(f"old.{c}" for c in SEARCHED)
_DELETE_OLD = (
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {_COLUMNS}) "
    f"VALUES ('delete', old.rowid, {_OLD});"
)
_INSERT_NEW = f"INSERT INTO {FTS_TABLE} (rowid, {_COLUMNS}) VALUES (new.rowid, {_NEW});"

SQLITE_UP = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({_COLUMNS}, content='leads', "
    "content_rowid='rowid', tokenize='trigram')",
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')",
    f"CREATE TRIGGER leads_search_ai AFTER INSERT ON leads BEGIN {_INSERT_NEW} END",
    f"CREATE TRIGGER leads_search_ad AFTER DELETE ON leads BEGIN {_DELETE_OLD} END",
    # Only when a searched column changes: a status change costs the index nothing.
    f"CREATE TRIGGER leads_search_au AFTER UPDATE OF {_COLUMNS} ON leads "
    f"BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS leads_search_au",
    "DROP TRIGGER IF EXISTS leads_search_ad",
    "DROP TRIGGER IF EXISTS leads_search_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def _pg_trigram_ready(conn: sa.Connection) -> bool:
    """Create pg_trgm if the server ships it and we may (it is a trusted extension since
    PostgreSQL 13: the database owner may create it); False when it cannot be had."""
    installed = conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    if installed.first():
        return True
    available = conn.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).first()
    if not available:
        return False
    try:
        with conn.begin_nested():  # a SAVEPOINT: a refusal must not abort the migration
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return False
    return True


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif _pg_trigram_ready(conn):
        for name, column in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON leads USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    else:
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        # The extension stays: other objects may use it, and it costs nothing unused.
