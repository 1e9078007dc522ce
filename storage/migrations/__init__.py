"""Alembic migrations, run by storage.migrate (``regwatch db upgrade``)."""
