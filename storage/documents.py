"""Storing crawled documents: identity across URLs and sources, sightings, versions, withdrawals.

Identity, in order: a URL already sighted (aliases meet through ``url_key``); the normalised
文号; the normalised instrument title with a shared issuer and publication dates within the
window. A changed sighting (main-text hash, title or date) adds a version and flags the
document ``amended``; cosmetic changes hash the same and change nothing. Nothing is deleted.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from model.document import BEIJING, Attachment, Document, StoreResult
from model.identity import (
    canonical_url,
    content_hash,
    instrument_title,
    normalize_doc_number,
    normalize_issuer,
    url_key,
)
from model.status import AMENDED, NEW, PENDING, SIGHTED, UNCHANGED
from storage.engine import lock_for_writes
from storage.schema import attachments, document_versions, documents, sightings
from storage.search import index_document


def fingerprint(doc: Document) -> str:
    """What a sighting's change detection compares: body hash, title and publication time."""
    published = doc.published_at.isoformat() if doc.published_at else ""
    key = "\x1f".join(
        (
            doc.content_hash or content_hash(doc.body_text),
            instrument_title(doc.title),
            doc.title.strip(),
            published,
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def save_document(
    conn: Connection, doc: Document, *, seen_at: datetime, window_days: int = 180
) -> StoreResult:
    """Store one crawled document, deciding whether it is new, a sighting or an amendment."""
    lock_for_writes(conn)
    doc = replace(
        doc,
        url=canonical_url(doc.url),
        content_hash=doc.content_hash or content_hash(doc.body_text),
    )
    sighting = conn.execute(
        select(sightings).where(sightings.c.url_key == url_key(doc.url))
    ).first()
    if sighting is not None:
        return _seen_again(conn, doc, sighting, seen_at)
    existing = _find_by_doc_number(conn, doc) or _find_by_title(conn, doc, window_days)
    if existing is not None:
        _add_sighting(conn, existing, doc, seen_at)
        _enrich(conn, existing, doc, seen_at)
        return StoreResult(existing, SIGHTED, _version_of(conn, existing))
    return _insert(conn, doc, seen_at)


def _find_by_doc_number(conn: Connection, doc: Document) -> int | None:
    key = normalize_doc_number(doc.doc_number)
    if not key:
        return None
    return conn.execute(select(documents.c.id).where(documents.c.doc_number_key == key)).scalar()


def _find_by_title(conn: Connection, doc: Document, window_days: int) -> int | None:
    query = select(documents.c.id, documents.c.issuers, documents.c.published_at).where(
        documents.c.title_key == instrument_title(doc.title)
    )
    window = timedelta(days=window_days)
    mine = {normalize_issuer(i) for i in doc.issuers}
    best: tuple[timedelta, int] | None = None
    for row in conn.execute(query):
        theirs = {normalize_issuer(i) for i in row.issuers}
        if mine and theirs and not mine & theirs:
            continue
        gap = (
            abs(row.published_at - doc.published_at)
            if (row.published_at and doc.published_at)
            else timedelta(0)
        )
        if gap <= window and (best is None or gap < best[0]):
            best = (gap, row.id)
    return best[1] if best else None


def _insert(conn: Connection, doc: Document, seen_at: datetime) -> StoreResult:
    values = _document_values(doc) | {
        "url": doc.url,
        "source": doc.source,
        "version": 1,
        "review_status": PENDING,
        "amended": False,
        "withdrawn": False,
        "untagged": True,
        "first_seen": seen_at,
        "last_seen": seen_at,
    }
    doc_id = conn.execute(insert(documents).values(values).returning(documents.c.id)).scalar_one()
    _add_sighting(conn, doc_id, doc, seen_at)
    _add_version(conn, doc_id, 1, doc, seen_at)
    _merge_attachments(conn, doc_id, doc.attachments)
    index_document(conn, doc_id, doc.title, doc.body_text)
    return StoreResult(doc_id, NEW, 1)


def _document_values(doc: Document) -> dict[str, Any]:
    return {
        "title": doc.title,
        "title_key": instrument_title(doc.title),
        "lang": doc.lang,
        "published_at": doc.published_at,
        "issuers": list(doc.issuers),
        "doc_number": doc.doc_number,
        "doc_number_key": normalize_doc_number(doc.doc_number) or None,
        "doc_type": doc.doc_type,
        "is_draft_for_comment": doc.is_draft_for_comment,
        "comment_deadline": doc.comment_deadline,
        "effective_date": doc.effective_date,
        "written_on": doc.written_on,
        "publisher": doc.publisher,
        "subject": doc.subject,
        "body_text": doc.body_text,
        "content_hash": doc.content_hash,
    }


def _add_sighting(conn: Connection, doc_id: int, doc: Document, seen_at: datetime) -> None:
    conn.execute(
        insert(sightings).values(
            document_id=doc_id,
            source=doc.source,
            url=doc.url,
            url_key=url_key(doc.url),
            fingerprint=fingerprint(doc),
            first_seen=seen_at,
            last_seen=seen_at,
        )
    )


def _add_version(
    conn: Connection, doc_id: int, version: int, doc: Document, seen_at: datetime
) -> None:
    conn.execute(
        insert(document_versions).values(
            document_id=doc_id,
            version=version,
            content_hash=doc.content_hash,
            title=doc.title,
            published_at=doc.published_at,
            body_text=doc.body_text,
            seen_at=seen_at,
        )
    )


def _seen_again(
    conn: Connection, doc: Document, sighting: Row[Any], seen_at: datetime
) -> StoreResult:
    if doc.published_at is None:  # a re-check without its list entry: not a date change
        stored = select(documents.c.published_at).where(documents.c.id == sighting.document_id)
        known = conn.execute(stored).scalar()
        doc = replace(doc, published_at=known.astimezone(BEIJING) if known else None)
    now = fingerprint(doc)
    conn.execute(
        update(sightings)
        .where(sightings.c.id == sighting.id)
        .values(last_seen=seen_at, gone_at=None, fingerprint=now)
    )
    conn.execute(
        update(documents)
        .where(documents.c.id == sighting.document_id)
        .values(withdrawn=False, last_seen=seen_at)
    )
    if sighting.fingerprint == now:
        _enrich(conn, sighting.document_id, doc, seen_at)
        return StoreResult(sighting.document_id, UNCHANGED, _version_of(conn, sighting.document_id))
    return _amend(conn, sighting.document_id, doc, seen_at)


def _amend(conn: Connection, doc_id: int, doc: Document, seen_at: datetime) -> StoreResult:
    version = _version_of(conn, doc_id) + 1
    values = _document_values(doc) | {
        "version": version,
        "amended": True,
        "review_status": PENDING,
        "last_seen": seen_at,
        "revision": documents.c.revision + 1,  # an editor's open form is now out of date
    }
    for name in (
        "doc_number",
        "doc_number_key",
        "doc_type",
        "issuers",
        "comment_deadline",
        "effective_date",
        "written_on",
        "publisher",
        "subject",
        "published_at",
    ):
        if not values[name]:
            values.pop(name)  # a sighting that lacks a fact does not erase it
    if _number_taken(conn, doc, doc_id):
        values.pop("doc_number_key", None)
    conn.execute(update(documents).where(documents.c.id == doc_id).values(values))
    _add_version(conn, doc_id, version, doc, seen_at)
    _merge_attachments(conn, doc_id, doc.attachments)
    index_document(conn, doc_id, doc.title, doc.body_text)
    return StoreResult(doc_id, AMENDED, version)


def _number_taken(conn: Connection, doc: Document, doc_id: int) -> bool:
    key = normalize_doc_number(doc.doc_number)
    if not key:
        return False
    owner = conn.execute(select(documents.c.id).where(documents.c.doc_number_key == key)).scalar()
    return owner is not None and owner != doc_id


_FILLABLE = (
    "doc_number",
    "doc_type",
    "comment_deadline",
    "effective_date",
    "published_at",
    "written_on",
    "publisher",
    "subject",
)


def _enrich(conn: Connection, doc_id: int, doc: Document, seen_at: datetime) -> None:
    """Fill fields the stored document lacks from another sighting; never overwrite."""
    row = conn.execute(select(documents).where(documents.c.id == doc_id)).one()
    values: dict[str, Any] = {"last_seen": seen_at}
    for name in _FILLABLE:
        if not getattr(row, name) and getattr(doc, name):
            values[name] = getattr(doc, name)
    if "doc_number" in values and not _number_taken(conn, doc, doc_id):
        values["doc_number_key"] = normalize_doc_number(doc.doc_number)
    issuers = list(dict.fromkeys([*row.issuers, *doc.issuers]))
    if issuers != list(row.issuers):
        values["issuers"] = issuers
    if doc.is_draft_for_comment and not row.is_draft_for_comment:
        values["is_draft_for_comment"] = True
    conn.execute(update(documents).where(documents.c.id == doc_id).values(values))
    _merge_attachments(conn, doc_id, doc.attachments)


def _merge_attachments(conn: Connection, doc_id: int, items: list[Attachment]) -> None:
    """Add attachments not stored yet (by URL) and complete ones stored without content."""
    stored = {
        r.url: r
        for r in conn.execute(select(attachments).where(attachments.c.document_id == doc_id))
    }
    position = len(stored)
    for item in items:
        values = {
            "name": item.name,
            "extension": item.extension,
            "size": item.size,
            "sha256": item.sha256,
            "text": item.text,
            "error": item.error,
        }
        old = stored.get(item.url)
        if old is None:
            conn.execute(
                insert(attachments).values(
                    values | {"document_id": doc_id, "url": item.url, "position": position}
                )
            )
            position += 1
        elif item.sha256 and item.sha256 != old.sha256:
            conn.execute(update(attachments).where(attachments.c.id == old.id).values(values))


def _version_of(conn: Connection, doc_id: int) -> int:
    version = conn.execute(select(documents.c.version).where(documents.c.id == doc_id))
    return int(version.scalar_one())


def mark_gone(conn: Connection, url: str, *, at: datetime) -> int | None:
    """Record that a page disappeared; the document is withdrawn once all its pages are gone."""
    lock_for_writes(conn)
    row = conn.execute(select(sightings).where(sightings.c.url_key == url_key(url))).first()
    if row is None:
        return None
    conn.execute(update(sightings).where(sightings.c.id == row.id).values(gone_at=at))
    still_up = conn.execute(
        select(func.count())
        .select_from(sightings)
        .where(sightings.c.document_id == row.document_id, sightings.c.gone_at.is_(None))
    ).scalar_one()
    if still_up == 0:
        conn.execute(
            update(documents).where(documents.c.id == row.document_id).values(withdrawn=True)
        )
    return int(row.document_id)
