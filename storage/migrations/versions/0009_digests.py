"""digests: the monthly legal update, its status and introduction, and what each one held

Revision ID: 0009_digests
Revises: 0008_search
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0009_digests"
down_revision = "0008_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("introduction", sa.Text(), nullable=False, server_default=""),
        sa.Column("demo", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=False, server_default=""),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'approved', 'sent')", name="ck_digests_status"),
        sa.PrimaryKeyConstraint("id", name="pk_digests"),
        sa.UniqueConstraint("month", name="uq_digests_month"),
    )
    op.create_table(
        "digest_entries",
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["digests.id"], name="fk_digest_entries_digest_id_digests"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_digest_entries_document_id_documents"
        ),
        sa.PrimaryKeyConstraint("digest_id", "document_id", name="pk_digest_entries"),
    )
    op.create_index("ix_digest_entries_document_id", "digest_entries", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_digest_entries_document_id", table_name="digest_entries")
    op.drop_table("digest_entries")
    op.drop_table("digests")
