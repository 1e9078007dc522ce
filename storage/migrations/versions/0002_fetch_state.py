"""fetch_state: HTTP validators and the last check of every polled URL

Revision ID: 0002_fetch_state
Revises: 0001_documents
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0002_fetch_state"
down_revision = "0001_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_state",
        sa.Column("url_key", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=False, server_default=""),
        sa.Column("last_modified", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("url_key", name="pk_fetch_state"),
    )


def downgrade() -> None:
    op.drop_table("fetch_state")
