"""search: a text index over documents' titles and bodies, filled from the stored documents

SQLite: an FTS5 table whose rowid is the document id. PostgreSQL: a table of the same
segmented text with its 'simple' tsvector, stored (a generated column) and GIN-indexed: an
expression index would leave a query matching most rows to a sequential scan that runs
to_tsvector on every row, seconds for 20,000 documents. storage/search.py reads and writes
it; storage.schema does not declare it (an FTS5 table cannot be declared there).

Revision ID: 0008_search
Revises: 0007_review
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.search import index_terms

revision = "0008_search"
down_revision = "0007_review"
branch_labels = None
depends_on = None

BATCH = 200


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        try:
            op.execute(
                "CREATE VIRTUAL TABLE document_search USING fts5("
                "title, body, tokenize = 'unicode61 remove_diacritics 0')"
            )
        except sa.exc.OperationalError as exc:
            if "fts5" not in str(exc):
                raise
            raise RuntimeError(
                "this Python's SQLite has no FTS5, which regwatch's search needs"
            ) from exc
        insert = sa.text(
            "INSERT INTO document_search (rowid, title, body) VALUES (:id, :title, :body)"
        )
    else:
        op.create_table(
            "document_search",
            sa.Column("document_id", sa.Integer(), nullable=False),
            sa.Column("title", sa.Text(), nullable=False, server_default=""),
            sa.Column("body", sa.Text(), nullable=False, server_default=""),
            sa.Column(
                "words",
                postgresql.TSVECTOR(),
                sa.Computed("to_tsvector('simple', title || ' ' || body)", persisted=True),
            ),
            sa.ForeignKeyConstraint(
                ["document_id"], ["documents.id"], name="fk_document_search_document_id_documents"
            ),
            sa.PrimaryKeyConstraint("document_id", name="pk_document_search"),
        )
        op.create_index(
            "ix_document_search_words", "document_search", ["words"], postgresql_using="gin"
        )
        insert = sa.text(
            "INSERT INTO document_search (document_id, title, body) VALUES (:id, :title, :body)"
        )
    # The backfill is this migration's own (not storage.search.reindex_all), so that a later
    # change to the table cannot break upgrading through this revision.
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, title, body_text FROM documents WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            break
        values = []
        for row in rows:
            title, body = index_terms(row.title, row.body_text)
            values.append({"id": row.id, "title": title, "body": body})
        bind.execute(insert, values)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_table("document_search")
