"""documents, sightings, attachments and versions

Revision ID: 0001_documents
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0001_documents"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False, server_default="zh"),
        sa.Column("published_at", UTCDateTime()),
        sa.Column("issuers", sa.JSON(), nullable=False),
        sa.Column("doc_number", sa.Text(), nullable=False, server_default=""),
        sa.Column("doc_number_key", sa.Text()),
        sa.Column("doc_type", sa.Text(), nullable=False, server_default=""),
        sa.Column("is_draft_for_comment", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("comment_deadline", sa.Date()),
        sa.Column("effective_date", sa.Date()),
        sa.Column("body_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("review_status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("amended", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("untagged", sa.Boolean(), nullable=False, server_default="1"),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "review_status IN ('pending', 'approved', 'rejected')",
            name="ck_documents_review_status",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("doc_number_key", name="uq_documents_doc_number_key"),
    )
    op.create_index("ix_documents_title_key", "documents", ["title_key"])
    op.create_index("ix_documents_published_at", "documents", ["published_at"])
    op.create_index("ix_documents_review_status", "documents", ["review_status"])
    op.create_table(
        "sightings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("gone_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_sightings"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_sightings_document_id_documents"
        ),
        sa.UniqueConstraint("url_key", name="uq_sightings_url_key"),
    )
    op.create_index("ix_sightings_document_id", "sightings", ["document_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("extension", sa.String(16), nullable=False, server_default=""),
        sa.Column("size", sa.Integer()),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_attachments_document_id_documents"
        ),
        sa.UniqueConstraint("document_id", "url", name="uq_attachments_document_id_url"),
    )
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published_at", UTCDateTime()),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_versions"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_versions_document_id_documents"
        ),
        sa.UniqueConstraint(
            "document_id", "version", name="uq_document_versions_document_id_version"
        ),
    )


def downgrade() -> None:
    op.drop_table("document_versions")
    op.drop_table("attachments")
    op.drop_table("sightings")
    op.drop_index("ix_documents_review_status", "documents")
    op.drop_index("ix_documents_published_at", "documents")
    op.drop_index("ix_documents_title_key", "documents")
    op.drop_table("documents")
