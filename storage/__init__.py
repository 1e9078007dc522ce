"""The only package that talks to the database (SQLAlchemy Core, Alembic migrations)."""

from storage.migrate import SchemaOutOfDate, current_revision, head_revision, upgrade
from storage.queries import DocumentFilter
from storage.store import Store

__all__ = [
    "DocumentFilter",
    "SchemaOutOfDate",
    "Store",
    "current_revision",
    "head_revision",
    "upgrade",
]
