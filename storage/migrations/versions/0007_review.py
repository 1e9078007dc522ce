"""review: editors' English text, the audit log, and a revision counter for optimistic locking

Revision ID: 0007_review
Revises: 0006_users
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0007_review"
down_revision = "0006_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    op.create_index(
        "ix_documents_review_status_published_at", "documents", ["review_status", "published_at"]
    )
    op.create_index("ix_documents_comment_deadline", "documents", ["comment_deadline"])
    op.create_index("ix_sightings_source_document_id", "sightings", ["source", "document_id"])
    op.create_table(
        "editorials",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False, server_default=""),
        sa.Column("lead", sa.Text(), nullable=False, server_default=""),
        sa.Column("summary", sa.Text(), nullable=False, server_default=""),
        sa.Column("bullets", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_editorials_document_id_documents"
        ),
        sa.PrimaryKeyConstraint("document_id", name="pk_editorials"),
    )
    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_review_events_document_id_documents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_events"),
    )
    op.create_index("ix_review_events_document_id", "review_events", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_review_events_document_id", table_name="review_events")
    op.drop_table("review_events")
    op.drop_table("editorials")
    op.drop_index("ix_sightings_source_document_id", table_name="sightings")
    op.drop_index("ix_documents_comment_deadline", table_name="documents")
    op.drop_index("ix_documents_review_status_published_at", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("revision")
