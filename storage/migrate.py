"""Schema migrations: Alembic, in one transaction, so a killed upgrade leaves nothing half-done."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from storage.engine import is_sqlite, read_transaction, write_transaction

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATE_LOCK_ID = 0x72656777  # PostgreSQL advisory lock held while migrating


class SchemaOutOfDate(RuntimeError):
    """The database holds an older schema than this version of regwatch needs."""


def _config(extra_locations: Sequence[Path] = ()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    locations = [MIGRATIONS / "versions", *extra_locations]
    cfg.set_main_option("version_locations", ":".join(str(p) for p in locations))
    return cfg


def head_revision(extra_locations: Sequence[Path] = ()) -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(_config(extra_locations)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with read_transaction(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "heads", extra_locations: Sequence[Path] = ()) -> None:
    """Bring the schema to ``revision`` inside a single transaction."""
    cfg = _config(extra_locations)
    with write_transaction(engine) as conn:
        if not is_sqlite(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATE_LOCK_ID})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to run on an out-of-date one."""
    current = current_revision(engine)
    if current is None:
        upgrade(engine)
    elif current != head_revision():
        raise SchemaOutOfDate(
            f"the database is at schema {current}, this regwatch needs {head_revision()}: "
            "run `regwatch db upgrade` (back the database up first)"
        )
