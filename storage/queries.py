"""Reading documents back into model objects, listing with filters, and review decisions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, select, update

from model.document import BEIJING, Attachment, Document, DocumentVersion, Sighting
from model.status import AMENDED, FLAGS, UNTAGGED, WITHDRAWN, check_review_status
from storage.schema import attachments, document_topics, document_versions, documents, sightings
from storage.topics import document_topics_of


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents to list; every field is optional."""

    review_status: str | None = None
    source: str | None = None
    flag: str | None = None
    topic: str | None = None
    published_from: datetime | None = None
    published_until: datetime | None = None
    limit: int | None = None
    offset: int = 0


def _beijing(value: datetime | None) -> datetime | None:
    return value.astimezone(BEIJING) if value else None


def _flags(row: Row[Any]) -> frozenset[str]:
    return frozenset(f for f in (AMENDED, WITHDRAWN, UNTAGGED) if getattr(row, f))


def _document(row: Row[Any], related: dict[str, list[Any]]) -> Document:
    return Document(
        id=row.id,
        url=row.url,
        source=row.source,
        title=row.title,
        lang=row.lang,
        published_at=_beijing(row.published_at),
        issuers=list(row.issuers),
        doc_number=row.doc_number,
        doc_type=row.doc_type,
        is_draft_for_comment=row.is_draft_for_comment,
        comment_deadline=row.comment_deadline,
        effective_date=row.effective_date,
        written_on=row.written_on,
        publisher=row.publisher,
        subject=row.subject,
        body_text=row.body_text,
        content_hash=row.content_hash,
        version=row.version,
        review_status=row.review_status,
        flags=_flags(row),
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        sightings=related["sightings"],
        attachments=related["attachments"],
        versions=related["versions"],
        topics=related["topics"],
    )


def _related(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, list[Any]]]:
    out: dict[int, dict[str, list[Any]]] = {
        i: {"sightings": [], "attachments": [], "versions": [], "topics": []} for i in ids
    }
    for r in conn.execute(
        select(sightings)
        .where(sightings.c.document_id.in_(ids))
        .order_by(sightings.c.first_seen, sightings.c.id)
    ):
        out[r.document_id]["sightings"].append(
            Sighting(r.source, r.url, r.first_seen, r.last_seen, r.gone_at)
        )
    for r in conn.execute(
        select(attachments)
        .where(attachments.c.document_id.in_(ids))
        .order_by(attachments.c.position)
    ):
        out[r.document_id]["attachments"].append(
            Attachment(r.name, r.url, r.extension, r.size, r.sha256, r.text, r.error)
        )
    for r in conn.execute(
        select(document_versions)
        .where(document_versions.c.document_id.in_(ids))
        .order_by(document_versions.c.version)
    ):
        out[r.document_id]["versions"].append(
            DocumentVersion(
                r.version, r.content_hash, r.body_text, r.seen_at, r.title, _beijing(r.published_at)
            )
        )
    for doc_id, assigned in document_topics_of(conn, ids).items():
        out[doc_id]["topics"] = assigned
    return out


def _documents(conn: Connection, query: Select[Any]) -> list[Document]:
    rows = conn.execute(query).all()
    related = _related(conn, [r.id for r in rows])
    return [_document(r, related[r.id]) for r in rows]


def get_document(conn: Connection, doc_id: int) -> Document | None:
    """One document with its sightings, attachments and versions, or None."""
    found = _documents(conn, select(documents).where(documents.c.id == doc_id))
    return found[0] if found else None


def _filtered(flt: DocumentFilter) -> Select[Any]:
    query = select(documents)
    if flt.review_status:
        query = query.where(documents.c.review_status == check_review_status(flt.review_status))
    if flt.source:
        query = query.where(
            documents.c.id.in_(
                select(sightings.c.document_id).where(sightings.c.source == flt.source)
            )
        )
    if flt.flag:
        if flt.flag not in FLAGS:
            raise ValueError(f"unknown flag {flt.flag!r}; expected one of {FLAGS}")
        query = query.where(documents.c[flt.flag].is_(True))
    if flt.topic:
        query = query.where(
            documents.c.id.in_(
                select(document_topics.c.document_id).where(document_topics.c.topic == flt.topic)
            )
        )
    if flt.published_from:
        query = query.where(documents.c.published_at >= flt.published_from)
    if flt.published_until:
        query = query.where(documents.c.published_at < flt.published_until)
    return query.order_by(documents.c.published_at.desc().nulls_last(), documents.c.id.desc())


def list_documents(conn: Connection, flt: DocumentFilter = DocumentFilter()) -> list[Document]:
    """Documents matching the filter, newest publication first."""
    return _documents(conn, _filtered(flt).limit(flt.limit).offset(flt.offset))


def iter_documents(
    conn: Connection, flt: DocumentFilter = DocumentFilter(), batch: int = 200
) -> Iterator[Document]:
    """Every matching document, fetched in batches (for exports of any size)."""
    offset = flt.offset
    while True:
        page = _documents(conn, _filtered(flt).limit(batch).offset(offset))
        yield from page
        if len(page) < batch:
            return
        offset += batch


def set_review_status(conn: Connection, ids: Iterable[int], status: str) -> list[int]:
    """Set the review status of documents; returns the ids that do not exist."""
    check_review_status(status)
    ids = list(ids)
    known = set(conn.execute(select(documents.c.id).where(documents.c.id.in_(ids))).scalars())
    conn.execute(update(documents).where(documents.c.id.in_(known)).values(review_status=status))
    return [i for i in ids if i not in known]
