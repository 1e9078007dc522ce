"""topics: editors' topics, classifier models, classifications and who set a document's topics

Revision ID: 0005_topics
Revises: 0004_source_health
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from storage.schema import UTCDateTime

revision = "0005_topics"
down_revision = "0004_source_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("keywords_en", sa.JSON(), nullable=False),
        sa.Column("keywords_zh", sa.JSON(), nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_topics"),
    )
    op.create_table(
        "classifier_models",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("embedder", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("editor_examples", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_classifier_models"),
    )
    op.create_index(
        "ix_classifier_models_embedder", "classifier_models", ["embedder"], unique=False
    )
    op.create_table(
        "classifications",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("rule_hits", sa.JSON(), nullable=False),
        sa.Column("neighbours", sa.JSON(), nullable=False),
        sa.Column("classified_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_classifications_document_id_documents"
        ),
        sa.ForeignKeyConstraint(
            ["model_version"],
            ["classifier_models.version"],
            name="fk_classifications_model_version_classifier_models",
        ),
        sa.PrimaryKeyConstraint("document_id", name="pk_classifications"),
    )
    op.create_table(
        "document_topics",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("set_by", sa.String(16), nullable=False),
        sa.Column("model_version", sa.Integer()),
        sa.Column("score", sa.Float()),
        sa.Column("editor", sa.Text(), nullable=False, server_default=""),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("set_by IN ('model', 'editor')", name="ck_document_topics_set_by"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_topics_document_id_documents"
        ),
        sa.PrimaryKeyConstraint("document_id", "topic", name="pk_document_topics"),
    )
    op.create_index("ix_document_topics_topic", "document_topics", ["topic"], unique=False)
    op.create_table(
        "topic_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("editor", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("edited_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_topic_edits_document_id_documents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_topic_edits"),
    )
    op.create_index("ix_topic_edits_document_id", "topic_edits", ["document_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_topic_edits_document_id", table_name="topic_edits")
    op.drop_table("topic_edits")
    op.drop_index("ix_document_topics_topic", table_name="document_topics")
    op.drop_table("document_topics")
    op.drop_table("classifications")
    op.drop_index("ix_classifier_models_embedder", table_name="classifier_models")
    op.drop_table("classifier_models")
    op.drop_table("topics")
