"""What the crawler remembers between polls: HTTP validators, known URLs, re-checks due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from model.identity import url_key
from storage.schema import attachments, documents, fetch_state, sightings


@dataclass(frozen=True)
class Validators:
    """HTTP validators from the last successful fetch of a URL."""

    etag: str = ""
    last_modified: str = ""


def validators(conn: Connection, url: str) -> Validators | None:
    """The validators stored for ``url``, or None."""
    row = conn.execute(select(fetch_state).where(fetch_state.c.url_key == url_key(url))).first()
    return Validators(row.etag, row.last_modified) if row else None


def record_fetch(
    conn: Connection, url: str, *, status: int, etag: str, last_modified: str, at: datetime
) -> None:
    """Remember a fetch of ``url``: its status, validators and when it happened."""
    key = url_key(url)
    conn.execute(delete(fetch_state).where(fetch_state.c.url_key == key))
    conn.execute(
        insert(fetch_state).values(
            url_key=key,
            url=url,
            etag=etag,
            last_modified=last_modified,
            status=status,
            checked_at=at,
        )
    )


def seen_unchanged(conn: Connection, url: str, *, at: datetime) -> None:
    """A page answered 304: its sighting was seen again and is not gone."""
    key = url_key(url)
    conn.execute(
        update(sightings).where(sightings.c.url_key == key).values(last_seen=at, gone_at=None)
    )
    conn.execute(update(fetch_state).where(fetch_state.c.url_key == key).values(checked_at=at))


def known_urls(conn: Connection, urls: Iterable[str]) -> set[str]:
    """Which of ``urls`` are already sighted (under any alias)."""
    by_key = {url_key(u): u for u in urls}
    query = select(sightings.c.url_key).where(sightings.c.url_key.in_(list(by_key)))
    return {by_key[k] for k in conn.execute(query).scalars()}


def due_for_recheck(
    conn: Connection, source: str, *, published_after: datetime, checked_before: datetime
) -> list[str]:
    """URLs of a source's recent documents whose last check is older than ``checked_before``."""
    checked = fetch_state.c.checked_at
    query = (
        select(sightings.c.url)
        .join(documents, documents.c.id == sightings.c.document_id)
        .outerjoin(fetch_state, fetch_state.c.url_key == sightings.c.url_key)
        .where(
            sightings.c.source == source,
            sightings.c.gone_at.is_(None),
            documents.c.published_at >= published_after,
            or_(checked.is_(None), and_(checked < checked_before)),
        )
        .order_by(documents.c.published_at.desc())
    )
    return list(conn.execute(query).scalars())


def known_attachments(conn: Connection, urls: Iterable[str]) -> set[str]:
    """Which of ``urls`` are stored as attachments whose content was read (a hash exists)."""
    wanted = list(set(urls))
    query = select(attachments.c.url).where(
        attachments.c.url.in_(wanted), attachments.c.sha256 != ""
    )
    return set(conn.execute(query).scalars())
