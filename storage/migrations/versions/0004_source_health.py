"""source_health: the state of every source channel between polls

Revision ID: 0004_source_health
Revises: 0003_publication_facts
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0004_source_health"
down_revision = "0003_publication_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_health",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(80), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("checked_at", UTCDateTime()),
        sa.Column("last_success_at", UTCDateTime()),
        sa.Column("last_new_at", UTCDateTime()),
        sa.Column("last_listed", sa.Integer()),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error_counts", sa.JSON(), nullable=False),
        sa.Column("status", sa.Integer()),
        sa.Column("body_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("retry_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("source", "channel", name="pk_source_health"),
    )


def downgrade() -> None:
    op.drop_table("source_health")
