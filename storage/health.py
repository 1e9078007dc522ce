"""Reading and writing source health (one row per source channel)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from model.health import ChannelHealth
from storage.schema import documents, source_health

_FIELDS = [f.name for f in dataclasses.fields(ChannelHealth)]


def channel_health(conn: Connection, source: str | None = None) -> list[ChannelHealth]:
    """Stored health rows, of one source or of all, ordered by source and channel."""
    query = select(source_health).order_by(source_health.c.source, source_health.c.channel)
    if source is not None:
        query = query.where(source_health.c.source == source)
    return [
        ChannelHealth(**{name: getattr(row, name) for name in _FIELDS})
        for row in conn.execute(query)
    ]


def save_health(conn: Connection, rows: list[ChannelHealth]) -> None:
    """Replace the stored rows of these channels."""
    for row in rows:
        conn.execute(
            delete(source_health).where(
                source_health.c.source == row.source, source_health.c.channel == row.channel
            )
        )
        conn.execute(insert(source_health).values(**dataclasses.asdict(row)))


def reset_health(conn: Connection, source: str, channel: str | None = None) -> int:
    """Forget the state of a source (or one channel of it); returns rows removed."""
    query = delete(source_health).where(source_health.c.source == source)
    if channel is not None:
        query = query.where(source_health.c.channel == channel)
    return conn.execute(query).rowcount or 0


def published_dates(conn: Connection, source: str, limit: int = 60) -> list[datetime]:
    """Publication times of the source's latest documents, newest first."""
    query = (
        select(documents.c.published_at)
        .where(documents.c.source == source, documents.c.published_at.is_not(None))
        .order_by(documents.c.published_at.desc())
        .limit(limit)
    )
    return list(conn.execute(query).scalars())
