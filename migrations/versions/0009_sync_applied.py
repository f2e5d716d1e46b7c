"""The change sets a replica pushed (issue 15): ``sync_applied`` records each one in the
server transaction that applies it, so a push retried after the server committed is a no-op.
On PostgreSQL every person's group may read and add rows (a push runs as the person's login);
nobody but the owner changes or removes them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal_desktop.db.pg_grants import grants_added_in
from portal_desktop.models.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_applied",
        sa.Column("txn_id", sa.Uuid(), nullable=False),
        sa.Column("login", sa.String(length=80), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("txn_id", name=op.f("pk_sync_applied")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in grants_added_in(revision):
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("sync_applied")
