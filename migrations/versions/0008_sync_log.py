"""The change log replicas pull from (issue 15): ``sync_log`` filled by a trigger on every
record table, with the transaction id of each change, and NOTIFY portal_sync
(``portal_desktop/db/sync_log.py``). PostgreSQL only: a SQLite database is not pulled from.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from portal_desktop.db import sync_log

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in sync_log.install_statements():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in sync_log.remove_statements():
            op.execute(statement)
