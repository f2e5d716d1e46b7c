"""The shared PostgreSQL's change log, which replicas pull from (migration 0008).

A SECURITY DEFINER trigger on every record table adds one ``sync_log`` row per changed row:
the table, the record's id, I/U/D, the login that made it (``session_user``) and the id of
the transaction (``pg_current_xact_id()``, an ``xid8`` that never wraps). It also sends a
``NOTIFY portal_sync`` so that open replicas pull within a second.

A pull reads the log rows whose transaction id lies in ``[cursor, xmin)``, where ``xmin`` is
``pg_snapshot_xmin`` of the pull's own snapshot: every transaction below it has ended, so a
transaction that commits late (it started before others that committed first) is never
skipped; its rows are read by the pull after it ends. Then the current rows of those ids are
read in the same snapshot; an id without a row is a tombstone (deleted, or no longer visible
to this login). People may read the log (only ids); nobody writes it but the trigger.

``portal_sync_prune(days)`` (admins) deletes the rows older than ``days`` days and moves the
horizon (``sync_log_horizon``) up: a replica whose cursor is below it takes a fresh copy.
"""

from __future__ import annotations

from portal_desktop.db.pg_grants import GROUPS, grants_added_in
from portal_desktop.models import Base

CHANNEL = "portal_sync"
SERVER_TABLES = frozenset({"sync_log", "sync_log_horizon"})
"""Tables only the shared server has (not in the models: a SQLite database has no log)."""


NOT_REPLICATED = frozenset({"sync_applied"})
"""Mapped tables that are the server's own bookkeeping, not records a replica holds."""

LOGGED_AT_0008 = (
    "ad_campaigns",
    "app_settings",
    "email_broadcasts",
    "programs",
    "team_members",
    "ad_performance",
    "daily_metrics",
    "leads",
    "users",
    "audit_log",
    "students",
    "sales_calls",
    "enrollments",
    "installments",
    "payments",
)
"""The record tables when migration 0008 ran (a migration must not follow later models)."""


def logged_tables() -> list[str]:
    """Every record table (a mapped entity; the rollups are each database's own), parents
    before children: what a replica holds."""
    mapped = {mapper.local_table.name for mapper in Base.registry.mappers} - NOT_REPLICATED
    return [table.name for table in Base.metadata.sorted_tables if table.name in mapped]


_LOG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION portal_sync_log_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
BEGIN
    INSERT INTO sync_log (table_name, record_id, op)
    VALUES (TG_TABLE_NAME, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
            left(TG_OP, 1));
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END
$fn$
"""

_PRUNE_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_sync_prune(days integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    horizon xid8;
    removed bigint;
BEGIN
    SELECT max(xid) INTO horizon FROM sync_log
    WHERE at < clock_timestamp() - make_interval(days => days);
    IF horizon IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM sync_log WHERE xid <= horizon;
    GET DIAGNOSTICS removed = ROW_COUNT;
    UPDATE sync_log_horizon SET xid = greatest(xid, horizon);
    RETURN removed;
END
$fn$
"""


def install_statements(tables: tuple[str, ...] = LOGGED_AT_0008) -> list[str]:
    statements = [
        """CREATE TABLE sync_log (
            seq bigserial PRIMARY KEY,
            xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
            table_name text NOT NULL,
            record_id uuid NOT NULL,
            op char(1) NOT NULL,
            login text NOT NULL DEFAULT session_user,
            at timestamptz NOT NULL DEFAULT clock_timestamp()
        )""",
        "CREATE INDEX ix_sync_log_xid ON sync_log (xid)",
        "CREATE TABLE sync_log_horizon (xid xid8 NOT NULL)",
        "INSERT INTO sync_log_horizon VALUES ('0'::xid8)",
        *grants_added_in("0008"),
        _LOG_FUNCTION,
        _PRUNE_FUNCTION,
        "REVOKE ALL ON FUNCTION portal_sync_prune(integer) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION portal_sync_prune(integer) TO {GROUPS['ADMIN']}",
    ]
    for table in tables:
        statements.append(
            f"CREATE TRIGGER portal_sync_log AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION portal_sync_log_row()"
        )
    return statements


def remove_statements(tables: tuple[str, ...] = LOGGED_AT_0008) -> list[str]:
    drops = [f"DROP TRIGGER IF EXISTS portal_sync_log ON {table}" for table in tables]
    return [
        *drops,
        "DROP FUNCTION IF EXISTS portal_sync_log_row()",
        "DROP FUNCTION IF EXISTS portal_sync_prune(integer)",
        "DROP TABLE IF EXISTS sync_log_horizon",
        "DROP TABLE IF EXISTS sync_log",
    ]
