"""Migrations from empty, matching the table definitions, and refusing stale schemas."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage import SchemaOutOfDate, Store, current_revision, head_revision, upgrade
from storage.engine import make_engine, write_transaction
from storage.schema import metadata


def test_upgrade_from_empty_creates_the_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert {"documents", "sightings", "attachments", "document_versions"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_migrations_match_the_table_definitions(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _not_search_index})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def _not_search_index(name: str | None, kind: str, parent: object) -> bool:
    """The search index (an FTS5 table and its shadow tables on SQLite) is storage.search's own
    DDL, not a table definition."""
    return not (kind == "table" and (name or "").startswith("document_search"))


def test_upgrade_twice_is_harmless(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_store_refuses_an_out_of_date_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with write_transaction(engine) as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    engine.dispose()
    with pytest.raises(SchemaOutOfDate, match="regwatch db upgrade"):
        Store.open(db_url)


def test_sqlite_runs_in_wal_with_a_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", busy_timeout=7)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_upgrade_keeps_existing_documents(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0002_fetch_state")
    with write_transaction(engine) as conn:
        conn.execute(
            text(
                "INSERT INTO documents (url, source, title, title_key, issuers, content_hash, "
                "first_seen, last_seen) VALUES ('https://www.gov.cn/a.htm', 'gov_cn', '旧文件', "
                "'旧文件', '[]', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(engine)
    engine.dispose()
    with Store.open(db_url) as store:
        [doc] = store.list_documents()
    assert (doc.title, doc.publisher, doc.written_on) == ("旧文件", "", None)
