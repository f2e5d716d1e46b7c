"""leads.campaign_linked_by_hand: a person chose the lead's ad campaign

A lead's ad campaign is resolved from its campaign text whenever either side arrives (a
lead, a new or renamed campaign); a link a person set explicitly is never overwritten by
that. This flag says which links a person set.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default on both databases (no batch copy of the
    # table on SQLite: its triggers and search index stay as they are).
    op.add_column(
        "leads",
        sa.Column("campaign_linked_by_hand", sa.Boolean(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("leads", "campaign_linked_by_hand")  # SQLite 3.35+ drops a column in place
