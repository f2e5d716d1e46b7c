"""The attempts of the security matrix test: what a person's login tries, directly with
psycopg, and what it is expected to be allowed (``pg_grants.MATRIX``, written once)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
from psycopg import sql

from portal_desktop.db.pg_grants import COLUMN_RULES, GROUPS, MATRIX, RLS_TABLES
from portal_desktop.models import Base
from portal_desktop.models.rollups import (
    FACT_TABLES,
    rollup_dirty,
    rollup_dirty_parents,
    rollup_state,
)

_OTHER_COLUMN = {
    t.name: next(c.name for c in t.columns if c.name != "id")
    for t in (
        *Base.metadata.tables.values(),
        *FACT_TABLES,
        rollup_dirty,
        rollup_dirty_parents,
        rollup_state,
    )
}
_OTHER_COLUMN |= {
    "alembic_version": "version_num",
    "sync_log": "table_name",
    "sync_log_horizon": "xid",
    "sync_applied": "login",
}


@dataclass(frozen=True)
class Attempt:
    what: str
    statement: str
    expected: bool  # allowed?
    counts_rows: bool = False  # allowed only if it touched a row (row security filters)


def _copy(table: str, where: str, **overrides: str) -> str:
    """INSERT a copy of one row of ``table`` with a new id (and ``overrides``)."""
    extra = "".join(f", '{k}', {v}" for k, v in overrides.items())
    return (
        f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, to_jsonb(r) || "
        f"jsonb_build_object('id', gen_random_uuid(){extra}))).* FROM {table} r WHERE {where} "
        "LIMIT 1"
    )


def table_attempts(role: str, own_member: str | None) -> Iterator[Attempt]:
    """Every table by SELECT/INSERT/UPDATE/DELETE/TRUNCATE; a limited (lower-case) letter is
    tried outside its rule (refused) and inside it (allowed)."""
    index = tuple(GROUPS).index(role)
    for table, row in MATRIX.items():
        letters = row[index]
        column = _OTHER_COLUMN[table]
        rls = table in RLS_TABLES
        generic = {
            "S": f"SELECT * FROM {table} LIMIT 1",
            "I": f"INSERT INTO {table} DEFAULT VALUES",
            "U": f"UPDATE {table} SET {column} = {column}",
            "D": f"DELETE FROM {table}",
            "T": f"TRUNCATE {table}",
        }
        for letter, statement in generic.items():
            if rls and letter.lower() in letters:
                continue  # tried inside and outside its row rule below
            yield Attempt(f"{table} {letter}", statement, letter in letters, rls)
    yield from _inside_rules(role, own_member)


def _inside_rules(role: str, own_member: str | None) -> Iterator[Attempt]:
    users_columns = COLUMN_RULES[("users", "S")][0]
    yield Attempt("users S (allowed columns)", f"SELECT {users_columns} FROM users", True)
    yield Attempt("users secret column", "SELECT password_hash FROM users", False)
    yield Attempt("users U role", "UPDATE users SET role = 'ADMIN'", False)
    yield Attempt("users U active", "UPDATE users SET active = true", False)
    yield Attempt(
        "users U full_name",
        "UPDATE users SET full_name = full_name WHERE username = current_user",
        role == "ADMIN",
    )
    yield Attempt("leads U email", "UPDATE leads SET email = email", role != "MARKETING")
    yield Attempt(
        "leads U ad_campaign_id", "UPDATE leads SET ad_campaign_id = ad_campaign_id", True
    )
    active = "status = 'ACTIVE'"
    may_sell = role in ("ADMIN", "SALES")
    yield Attempt(
        "enrollments cancel",
        f"UPDATE enrollments SET status = 'CANCELLED' WHERE {active}",
        role == "ADMIN",
        True,
    )
    yield Attempt(
        "enrollments U notes",
        f"UPDATE enrollments SET notes = notes WHERE {active}",
        may_sell,
        True,
    )
    yield Attempt("enrollments I", _copy("enrollments", active), may_sell, True)
    unrefunded = "status = 'PAID' AND refunded_amount = 0"
    yield Attempt(
        "payments refund",
        f"UPDATE payments SET refunded_amount = amount, status = 'REFUNDED', "
        f"refunded_at = now() WHERE {unrefunded}",
        role == "ADMIN",
        True,
    )
    yield Attempt(
        "payments U notes", f"UPDATE payments SET notes = notes WHERE {unrefunded}", may_sell, True
    )
    yield Attempt("payments I", _copy("payments", unrefunded), may_sell, True)
    trail = "SELECT * FROM audit_log WHERE entity = "
    yield Attempt("audit_log S payments", f"{trail}'payments'", role != "MARKETING", True)
    yield Attempt("audit_log S users", f"{trail}'users'", role == "ADMIN", True)
    own = f"team_member_id = '{own_member}'"
    other = f"team_member_id <> '{own_member}'"
    new_day = {"date": "'2099-01-01'::date"}
    yield Attempt(
        "daily_metrics own U", f"UPDATE daily_metrics SET calls = calls WHERE {own}", may_sell, True
    )
    yield Attempt(
        "daily_metrics other U",
        f"UPDATE daily_metrics SET calls = calls WHERE {other}",
        role == "ADMIN",
        True,
    )
    yield Attempt("daily_metrics own I", _copy("daily_metrics", own, **new_day), may_sell, True)
    yield Attempt(
        "daily_metrics other I", _copy("daily_metrics", other, **new_day), role == "ADMIN", True
    )


def power_attempts(role: str, other_user: str) -> Iterator[Attempt]:
    """DDL, triggers, roles, secrets and the owner's functions."""
    for what, statement in (
        ("CREATE TABLE", "CREATE TABLE public.portal_intruder (i int)"),
        (
            "CREATE FUNCTION",
            "CREATE FUNCTION public.portal_intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        ),
        ("CREATE SCHEMA", "CREATE SCHEMA portal_intruder"),
        ("ALTER TABLE", "ALTER TABLE leads ADD COLUMN intruder int"),
        ("DROP TABLE", "DROP TABLE programs"),
        ("DROP SCHEMA", "DROP SCHEMA public CASCADE"),
        ("disable audit trigger", "ALTER TABLE payments DISABLE TRIGGER portal_audit"),
        ("disable append-only", "ALTER TABLE audit_log DISABLE TRIGGER ALL"),
        ("disable row security", "ALTER TABLE daily_metrics DISABLE ROW LEVEL SECURITY"),
        ("grant oneself admin", "GRANT portal_admin TO CURRENT_USER"),
        ("grant oneself CREATEROLE", "ALTER ROLE CURRENT_USER CREATEROLE"),
        ("become the owner", "SET ROLE postgres"),
        ("read password verifiers", "SELECT rolpassword FROM pg_authid"),
        (
            "write the audit trail",
            "INSERT INTO audit_log (id, at, username, action, entity, "
            "created_at, updated_at, version) VALUES (gen_random_uuid(), now(), 'x', 'CREATE', "
            "'x', now(), now(), 1)",
        ),
        ("write a rollup", "INSERT INTO rollup_state VALUES ('time_zone', 'UTC')"),
    ):
        yield Attempt(what, statement, False)
    is_admin = role == "ADMIN"
    yield Attempt("make oneself admin", "SELECT portal_set_role(current_user, 'ADMIN')", is_admin)
    yield Attempt(
        "change another's role", f"SELECT portal_set_role('{other_user}', 'SALES')", is_admin
    )
    yield Attempt(
        "deactivate another", f"SELECT portal_set_active('{other_user}', false)", is_admin
    )
    yield Attempt(
        "refresh the reports", "SELECT portal_rollup_rebuild(current_date - 3, current_date)", True
    )
    yield Attempt("claim the noted days", "SELECT count(*) FROM portal_rollup_claim_days()", True)


def outcome(conn: psycopg.Connection, attempt: Attempt) -> tuple[bool, str]:
    """Whether the database let ``attempt`` through (rolled back either way). An integrity
    error means the privilege and the row rules passed; a refusal is insufficient_privilege
    or an exception raised by a guard."""
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(sql.SQL(attempt.statement))  # type: ignore[arg-type]
            touched = cur.rowcount > 0 or not attempt.counts_rows
            return touched, "" if touched else "no row (row security)"
    except psycopg.errors.IntegrityError as exc:
        return True, str(exc)
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException) as exc:
        return False, str(exc).splitlines()[0]
