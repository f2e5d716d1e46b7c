"""The tables only a replica has: what it knows of its server, what waits to be pushed, the
conflicts waiting for a person, and the verifiers for signing in without the server.

A replica is a SQLite file with the app's whole schema (the same Alembic revisions as any
database) plus these four tables. They have their own MetaData: Alembic's autogenerate and the
shared PostgreSQL never see them, and a database without them is not a replica
(:func:`is_replica`). docs/sync.md explains how they are used.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    inspect,
)

from portal_desktop.db.sync_capture import install_triggers

replica_metadata = MetaData()

# What the replica knows of its server: one row per key (see STATE_KEYS).
sync_state = Table(
    "sync_state",
    replica_metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

# Keys of sync_state, and what their values hold (all text).
STATE_KEYS = {
    "replica_id": "this replica's UUID",
    "server": "the server's URL without a password (postgresql+psycopg://login@host:port/db)",
    "login": "the PostgreSQL login that pushes and pulls (the person's own)",
    "person_id": "the signed-in person's user id on the server",
    "pull_cursor": "xid8: every server change below it has been pulled",
    "snapshot_at": "ISO time (UTC) of the snapshot the replica was made from",
    "last_sync_at": "ISO time (UTC) of the last sync that reached the server",
    "last_error": "words of the last sync's failure, empty after a good sync",
}

# Local changes not yet on the server, one row per record change, in the order they happened.
# A change set (txn_id) is one local use case's transaction: it is pushed in one server
# transaction, all or nothing, and recorded on the server under its txn_id (idempotent replay).
sync_outbox = Table(
    "sync_outbox",
    replica_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("change_id", Uuid, nullable=False, unique=True),  # UUIDv7 per record change
    Column("txn_id", Uuid, nullable=False, index=True),  # UUIDv7 per local transaction
    Column("use_case", String(80), nullable=False),  # the service that made it
    Column("table_name", String(60), nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("op", String(6), nullable=False),  # insert | update | delete
    Column("base_version", Integer),  # the version the change was made on (update/delete)
    Column("base", JSON),  # old values of the changed columns (update/delete: whole row)
    Column("data", JSON),  # new values of the changed columns (insert: whole row)
    Column("person_id", Uuid),
    Column("made_at", DateTime(timezone=True), nullable=False),
)

# Changes the server refused or that met a newer change by someone else. Never dropped:
# a conflict stays until a person resolves it (resolved_at, resolution set).
sync_conflicts = Table(
    "sync_conflicts",
    replica_metadata,
    Column("id", Uuid, primary_key=True),
    Column("txn_id", Uuid, nullable=False, index=True),  # the local change set it came from
    # same_field | paid_meanwhile | duplicate | deleted_there | deleted_here | rule
    Column("kind", String(20), nullable=False),
    Column("table_name", String(60), nullable=False),
    Column("record_id", Uuid),
    Column("message", Text, nullable=False),  # in words, for the Conflicts dialog
    Column("mine", JSON),  # my values of the fields in conflict (or my whole change set)
    Column("theirs", JSON),  # the server's values of the same fields
    Column("their_person", String(120)),  # who changed it on the server, when known
    Column("their_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution", String(20)),  # mine | theirs | fields | merged | restored | discarded
)

# Argon2 verifiers left by the last online sign-in, for signing in to the replica offline.
sync_credentials = Table(
    "sync_credentials",
    replica_metadata,
    Column("username", String(80), primary_key=True),
    Column("verifier", Text, nullable=False),  # argon2 hash of the password
    Column("person_id", Uuid, nullable=False),
    Column("signed_in_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)


def create_replica_tables(engine: Engine) -> None:
    """Add the replica's own tables to a database (a no-op where they exist), and the
    triggers that capture its changes in the outbox (``db/sync_capture.py``)."""
    replica_metadata.create_all(engine)
    install_triggers(engine)


def is_replica(engine: Engine) -> bool:
    """True when the database is a replica (it has the sync_state table)."""
    return inspect(engine).has_table("sync_state")
