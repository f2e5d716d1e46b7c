"""Shared PostgreSQL security: a login role per person, grants, row security, audit by the
database, definer functions for people and for the rollups (issue 14).

``users.must_change_password`` says a first or reset password must be changed at the next
sign-in; on SQLite that is all (a plain ADD COLUMN: no copy of the users table, whose
dependants' foreign keys would fire). On PostgreSQL ``users.password_hash`` is emptied: the
server keeps each person's password, the table keeps no copy. On PostgreSQL it also creates the
group roles (if missing: roles are cluster-wide), takes every right from PUBLIC, grants
each group what ``portal_desktop/db/pg_grants.py`` says, and installs the audit triggers
(``db/pg_audit.py``), the people functions (``db/pg_people.py``) and the rollup functions
(``services/reporting/rollup_functions.py``). The role running it becomes the owner of
those functions: run it as the schema owner (``portal-desktop db init`` / ``db upgrade``).
Upgrading an existing shared database keeps its users rows; their app password hashes are
emptied (useless there), and ``portal-desktop users link`` gives each a login role.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal_desktop.db import pg_security
from portal_desktop.services.reporting.rollup_functions import (
    install_statements as install_rollup_functions,
)
from portal_desktop.services.reporting.rollup_functions import (
    remove_statements as remove_rollup_functions,
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), server_default="0", nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE users SET password_hash = ''")
        for statement in [*pg_security.install_statements(), *install_rollup_functions()]:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in [*remove_rollup_functions(), *pg_security.remove_statements()]:
            op.execute(statement)
    op.drop_column("users", "must_change_password")
