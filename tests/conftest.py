"""Shared fixtures: a fresh store on SQLite and on PostgreSQL for every storage test."""

from __future__ import annotations

import os
import re

# Two test processes share two cores: BLAS threads spinning against each other slow the
# classifier's small matrix work a hundredfold. One BLAS thread per process.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import Store

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "REGWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"
)


def _worker_database() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return "regwatch_test_" + re.sub(r"\W", "_", worker)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test worker's own, created afresh for the session."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = _worker_database()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the message must say what is missing, not just fail
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({exc.__class__.__name__}): "
            "`make test` starts it, or set REGWATCH_TEST_POSTGRES_URL"
        )
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def reset_postgres(url: str) -> None:
    """Empty the public schema of a test database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'regwatch.db'}"
    url: str = request.getfixturevalue("postgres_url")
    reset_postgres(url)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    with Store.open(db_url, busy_timeout=10) as opened:
        yield opened
