"""Engines for SQLite (the embedded default) and PostgreSQL, with regwatch's transaction rules.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
``BEGIN IMMEDIATE`` so that a transaction that reads and then writes never meets
"database is locked" on upgrading its lock. Reads use a deferred ``BEGIN``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

WRITE_LOCK_ID = 0x7265677761  # PostgreSQL advisory lock taken by document writes
BEGIN_MODES = ("IMMEDIATE", "DEFERRED", "EXCLUSIVE")


def database_url(value: str) -> str:
    """A SQLAlchemy URL from a URL or a plain SQLite file path."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def make_engine(url: str, *, busy_timeout: float = 10.0) -> Engine:
    """An engine for a URL or SQLite path; SQLite gets WAL, a busy timeout, explicit BEGINs."""
    url = database_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout, "check_same_thread": False})
    _configure_sqlite(engine, busy_timeout)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # regwatch issues BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode not in BEGIN_MODES:
            raise ValueError(f"unknown BEGIN mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine | Connection) -> bool:
    """Whether this engine or connection talks to SQLite."""
    return engine.dialect.name == "sqlite"


@contextmanager
def write_transaction(engine: Engine, *, begin: str = "IMMEDIATE") -> Iterator[Connection]:
    """A write transaction: BEGIN IMMEDIATE on SQLite, committed on success."""
    with engine.connect().execution_options(sqlite_begin=begin) as conn, conn.begin():
        yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction (deferred BEGIN on SQLite): one consistent snapshot."""
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn, conn.begin():
        yield conn


def lock_for_writes(conn: Connection) -> None:
    """Serialise document writers on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if not is_sqlite(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": WRITE_LOCK_ID})
