"""The database tables (SQLAlchemy Core). Alembic migrations in storage/migrations create them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from model.status import REVIEW_STATUSES

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC on every backend; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: regwatch stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _review_check() -> CheckConstraint:
    allowed = ", ".join(f"'{s}'" for s in REVIEW_STATUSES)
    return CheckConstraint(f"review_status IN ({allowed})", name="review_status")


documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("source", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("title_key", Text, nullable=False, index=True),
    Column("lang", String(8), nullable=False, server_default="zh"),
    Column("published_at", UTCDateTime, index=True),
    Column("issuers", JSON, nullable=False),
    Column("doc_number", Text, nullable=False, server_default=""),
    Column("doc_number_key", Text, unique=True),
    Column("doc_type", Text, nullable=False, server_default=""),
    Column("is_draft_for_comment", Boolean, nullable=False, server_default="0"),
    Column("comment_deadline", Date),
    Column("effective_date", Date),
    Column("body_text", Text, nullable=False, server_default=""),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("written_on", Date),
    Column("publisher", Text, nullable=False, server_default=""),
    Column("subject", Text, nullable=False, server_default=""),
    Column("review_status", String(16), nullable=False, server_default="pending"),
    Column("amended", Boolean, nullable=False, server_default="0"),
    Column("withdrawn", Boolean, nullable=False, server_default="0"),
    Column("untagged", Boolean, nullable=False, server_default="1"),
    Column("revision", Integer, nullable=False, server_default="0"),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    _review_check(),
)

sightings = Table(
    "sightings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, index=True),
    Column("source", String(40), nullable=False),
    Column("url", Text, nullable=False),
    Column("url_key", Text, nullable=False, unique=True),
    Column("fingerprint", String(64), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("gone_at", UTCDateTime),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("extension", String(16), nullable=False, server_default=""),
    Column("size", Integer),
    Column("sha256", String(64), nullable=False, server_default=""),
    Column("text", Text, nullable=False, server_default=""),
    Column("error", Text, nullable=False, server_default=""),
    UniqueConstraint("document_id", "url"),
)

document_versions = Table(
    "document_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("published_at", UTCDateTime),
    Column("body_text", Text, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    UniqueConstraint("document_id", "version"),
)

Index("ix_documents_review_status", documents.c.review_status)
Index("ix_documents_comment_deadline", documents.c.comment_deadline)
Index("ix_sightings_source_document_id", sightings.c.source, sightings.c.document_id)
Index(
    "ix_documents_review_status_published_at",
    documents.c.review_status,
    documents.c.published_at,
)

fetch_state = Table(
    "fetch_state",
    metadata,
    Column("url_key", Text, primary_key=True),
    Column("url", Text, nullable=False),
    Column("etag", Text, nullable=False, server_default=""),
    Column("last_modified", Text, nullable=False, server_default=""),
    Column("status", Integer, nullable=False),
    Column("checked_at", UTCDateTime, nullable=False),
)

source_health = Table(
    "source_health",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("channel", String(80), primary_key=True),
    Column("state", String(24), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("checked_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_new_at", UTCDateTime),
    Column("last_listed", Integer),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("error_counts", JSON, nullable=False),
    Column("status", Integer),
    Column("body_hash", String(64), nullable=False, server_default=""),
    Column("retry_at", UTCDateTime),
)

# Topics. The bundled taxonomy lives in model/data/topics.toml; editors' topics live here.
topics = Table(
    "topics",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("name_en", Text, nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("description_en", Text, nullable=False),
    Column("description_zh", Text, nullable=False),
    Column("keywords_en", JSON, nullable=False),
    Column("keywords_zh", JSON, nullable=False),
    Column("added_by", Text, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

# Trained classifier models; the id is the model version every classification records.
classifier_models = Table(
    "classifier_models",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("embedder", Text, nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("topics", JSON, nullable=False),
    Column("examples", Integer, nullable=False),
    Column("editor_examples", Integer, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# The latest model output for a document: every topic's score and the examples behind it.
classifications = Table(
    "classifications",
    metadata,
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
    Column("model_version", ForeignKey("classifier_models.version"), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("scores", JSON, nullable=False),
    Column("labels", JSON, nullable=False),
    Column("rule_hits", JSON, nullable=False),
    Column("neighbours", JSON, nullable=False),
    Column("classified_at", UTCDateTime, nullable=False),
)

# The topics a document carries now, with who set them.
document_topics = Table(
    "document_topics",
    metadata,
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
    Column("topic", String(40), primary_key=True, index=True),
    Column("set_by", String(16), nullable=False),
    Column("model_version", Integer),
    Column("score", Float),
    Column("editor", Text, nullable=False, server_default=""),
    Column("set_at", UTCDateTime, nullable=False),
    CheckConstraint("set_by IN ('model', 'editor')", name="set_by"),
)

# Every editor decision on a document's topics (the latest one is what training learns from).
topic_edits = Table(
    "topic_edits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, index=True),
    Column("editor", Text, nullable=False),
    Column("topics", JSON, nullable=False),
    Column("edited_at", UTCDateTime, nullable=False),
)

# People who use the review app; sessions are stored server-side, by the hash of their token.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("email", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="role"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

# Failed logins, per user name and per client address, for rate limiting.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
)

# Editors' English text for a document (the monthly update prints it).
editorials = Table(
    "editorials",
    metadata,
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
    Column("headline", Text, nullable=False, server_default=""),
    Column("lead", Text, nullable=False, server_default=""),
    Column("summary", Text, nullable=False, server_default=""),
    Column("bullets", JSON, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The audit log: every editor action on a document, with what it changed.
review_events = Table(
    "review_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("action", String(16), nullable=False),
    Column("changes", JSON, nullable=False),
)

# The monthly legal update: a row per month, with the editor's introduction and status.
digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("month", String(7), nullable=False, unique=True),
    Column("status", String(16), nullable=False, server_default="draft"),
    Column("introduction", Text, nullable=False, server_default=""),
    Column("demo", Boolean, nullable=False, server_default="0"),
    Column("revision", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("approved_by", Text, nullable=False, server_default=""),
    Column("approved_at", UTCDateTime),
    CheckConstraint("status IN ('draft', 'approved', 'sent')", name="status"),
)

# A draft's rows are the editor's layout (section, position); a closed digest's rows are
# frozen: exactly the documents it held, at which version and why (kind).
digest_entries = Table(
    "digest_entries",
    metadata,
    Column("digest_id", ForeignKey("digests.id"), primary_key=True),
    Column("document_id", ForeignKey("documents.id"), primary_key=True, index=True),
    Column("section", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("version", Integer),
    Column("kind", String(16)),
    Column("content", JSON),
)
