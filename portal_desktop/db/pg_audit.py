"""The audit trail written by PostgreSQL itself (migration 0007).

Every change to a record of ``AUDITED`` adds an ``audit_log`` row through a SECURITY DEFINER
trigger: the PostgreSQL role that made it (``session_user``, its ``users`` row), the old and
new values (changed fields only for an update, never a password), and the use case the app
was running (``portal.audit_action``, set by ``services/common/audit.py``). People have no
INSERT, UPDATE, DELETE or TRUNCATE on ``audit_log``; UPDATE and DELETE are refused by the
append-only trigger of migration 0001 and TRUNCATE by a statement trigger, for the owner too.

The app's own audit rows (``services.common.audit.record``) stay what SQLite has. On
PostgreSQL they are written only by the schema owner's sessions (seeding, maintenance
commands, the test suite), and the trigger leaves the owner's changes to them: the owner
owns the tables and could disable any trigger, so a trigger is no control over it (its
TRUNCATE of the trail is refused all the same). A person's session never writes audit rows:
its changes are recorded by the trigger whatever it sets.
"""

from __future__ import annotations

AUDITED = (
    "payments",
    "installments",
    "enrollments",
    "users",
    "students",
    "programs",
    "leads",
    "sales_calls",
    "team_members",
    "daily_metrics",
    "ad_campaigns",
    "ad_performance",
    "email_broadcasts",
    "app_settings",
)
"""Money records, enrollments and users (the issue), and every other record the app audits."""

ACTION_SETTING = "portal.audit_action"
_SKIPPED = "ARRAY['created_at', 'updated_at', 'version', 'password_hash']"

AUDIT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION portal_audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    old_values jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - {_SKIPPED} END;
    new_values jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - {_SKIPPED} END;
    action text := nullif(current_setting('{ACTION_SETTING}', true), '');
    row_id uuid := coalesce(new_values ->> 'id', old_values ->> 'id')::uuid;
    changed text[];
BEGIN
    IF session_user = current_user THEN
        RETURN NULL;  -- the schema owner writes the app's own audit rows
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key), '{{}}') INTO changed
        FROM jsonb_each(new_values) n WHERE n.value IS DISTINCT FROM old_values -> n.key;
        IF cardinality(changed) = 0 THEN
            RETURN NULL;
        END IF;
        old_values := (SELECT jsonb_object_agg(k, old_values -> k) FROM unnest(changed) k);
        new_values := (SELECT jsonb_object_agg(k, new_values -> k) FROM unnest(changed) k);
    END IF;
    INSERT INTO audit_log (id, at, user_id, username, action, entity, entity_id,
                           old_values, new_values, summary, created_at, updated_at, version)
    VALUES (gen_random_uuid(), clock_timestamp(),
            (SELECT u.id FROM users u WHERE u.username = session_user),
            left(session_user, 80),
            CASE TG_OP WHEN 'INSERT' THEN 'CREATE' ELSE TG_OP END,
            TG_TABLE_NAME,
            row_id,
            CASE WHEN TG_OP <> 'INSERT' THEN old_values END,
            CASE WHEN TG_OP <> 'DELETE' THEN new_values END,
            left(replace(action, '_', ' '), 500),
            clock_timestamp(), clock_timestamp(), 1);
    RETURN NULL;
END
$fn$
"""

NO_TRUNCATE_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_audit_no_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $fn$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be emptied (TRUNCATE refused)'
        USING ERRCODE = 'insufficient_privilege';
END
$fn$
"""


def install_statements() -> list[str]:
    statements = [AUDIT_FUNCTION, NO_TRUNCATE_FUNCTION]
    for table in AUDITED:
        statements += [
            f"DROP TRIGGER IF EXISTS portal_audit ON {table}",
            f"CREATE TRIGGER portal_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION portal_audit_row()",
        ]
    statements += [
        "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION portal_audit_no_truncate()",
    ]
    return statements


def remove_statements() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS portal_audit ON {table}" for table in AUDITED]
    return [
        *statements,
        "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
        "DROP FUNCTION IF EXISTS portal_audit_row()",
        "DROP FUNCTION IF EXISTS portal_audit_no_truncate()",
    ]
