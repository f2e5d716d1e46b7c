"""A shared PostgreSQL database's security, installed by migration 0007: group roles and
people's functions (``pg_people``), grants and row security (``pg_grants``), the database's
audit trail (``pg_audit``). The rollup functions live with the rollups they render
(``services/reporting/rollup_functions.py``); the migration installs both.

Every statement may run again (roles are created if missing, functions replaced, triggers
dropped first), so a cluster shared by several databases, or a database upgraded twice,
ends the same."""

from __future__ import annotations

from portal_desktop.db import pg_audit, pg_grants, pg_people


def install_statements() -> list[str]:
    # The group roles first: grants and functions name them.
    return [
        *pg_people.install_statements(),
        *pg_audit.install_statements(),
        *_drop_policies(),
        *pg_grants.grant_statements(),
    ]


def remove_statements() -> list[str]:
    return [*pg_audit.remove_statements(), *pg_people.remove_statements(), *_drop_policies()]


def _drop_policies() -> list[str]:
    return [
        "DO $do$ DECLARE p record; BEGIN FOR p IN SELECT policyname, tablename FROM pg_policies "
        "WHERE schemaname = 'public' AND policyname LIKE '%portal\\_%' LOOP "
        "EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename); END LOOP; END $do$"
    ]
