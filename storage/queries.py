"""Reading documents back into model objects, listing with filters, and review decisions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select

from model.document import BEIJING, Attachment, Document, DocumentVersion, Sighting
from model.review import Editorial
from model.status import (
    AMENDED,
    FLAGS,
    REVIEW_STATUSES,
    UNTAGGED,
    WITHDRAWN,
    check_review_status,
)
from storage.review import editorials_of
from storage.schema import attachments, document_topics, document_versions, documents, sightings
from storage.search import search_condition
from storage.topics import document_topics_of

NO_TOPIC = "(none)"
"""The topic filter's value for documents that carry no topic."""
SORTS = {
    "newest": "newest publication first",
    "oldest": "oldest publication first",
    "deadline": "soonest comment deadline first",
    "seen": "most recently found first",
}


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents to list; every field is optional."""

    review_status: str | None = None
    source: str | None = None
    flag: str | None = None
    topic: str | None = None
    """A topic key, or :data:`NO_TOPIC` for documents without any."""
    draft: bool | None = None
    """Only drafts for comment (True) or only other documents (False)."""
    deadline_from: date | None = None
    """Only documents whose comment deadline is on or after this day (open for comment)."""
    published_from: datetime | None = None
    published_until: datetime | None = None
    text: str = ""
    """Words that must all occur in the title or body."""
    sort: str = "newest"
    limit: int | None = None
    offset: int = 0


def _beijing(value: datetime | None) -> datetime | None:
    return value.astimezone(BEIJING) if value else None


def _flags(row: Row[Any]) -> frozenset[str]:
    return frozenset(f for f in (AMENDED, WITHDRAWN, UNTAGGED) if getattr(row, f))


def _document(row: Row[Any], related: dict[str, Any]) -> Document:
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
        editorial=related["editorial"],
        revision=row.revision,
    )


def _related(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {
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
    texts = editorials_of(conn, ids)
    for doc_id in ids:
        out[doc_id]["editorial"] = texts.get(doc_id, Editorial())
    return out


def fetch_documents(conn: Connection, query: Select[Any]) -> list[Document]:
    """The documents a ``select(documents)`` query finds, with everything related to them."""
    return _documents(conn, query)


def _documents(conn: Connection, query: Select[Any]) -> list[Document]:
    rows = conn.execute(query).all()
    related = _related(conn, [r.id for r in rows])
    return [_document(r, related[r.id]) for r in rows]


def get_document(conn: Connection, doc_id: int) -> Document | None:
    """One document with its sightings, attachments and versions, or None."""
    found = _documents(conn, select(documents).where(documents.c.id == doc_id))
    return found[0] if found else None


def _conditions(flt: DocumentFilter, dialect: str) -> list[Any]:
    conditions: list[Any] = []
    if flt.review_status:
        conditions.append(documents.c.review_status == check_review_status(flt.review_status))
    if flt.source:
        in_source = select(sightings.c.document_id).where(sightings.c.source == flt.source)
        conditions.append(documents.c.id.in_(in_source))
    if flt.flag:
        if flt.flag not in FLAGS:
            raise ValueError(f"unknown flag {flt.flag!r}; expected one of {FLAGS}")
        conditions.append(documents.c[flt.flag].is_(True))
    if flt.topic:
        tagged = select(document_topics.c.document_id)
        if flt.topic == NO_TOPIC:
            conditions.append(documents.c.id.not_in(tagged))
        else:
            tagged = tagged.where(document_topics.c.topic == flt.topic)
            conditions.append(documents.c.id.in_(tagged))
    if flt.draft is not None:
        conditions.append(documents.c.is_draft_for_comment.is_(flt.draft))
    if flt.deadline_from:
        conditions.append(documents.c.comment_deadline >= flt.deadline_from)
    if flt.published_from:
        conditions.append(documents.c.published_at >= flt.published_from)
    if flt.published_until:
        conditions.append(documents.c.published_at < flt.published_until)
    if flt.text.strip():
        conditions.append(search_condition(dialect, flt.text))
    return conditions


def _order(sort: str) -> list[Any]:
    newest = [documents.c.published_at.desc().nulls_last(), documents.c.id.desc()]
    if sort == "newest":
        return newest
    if sort == "oldest":
        return [documents.c.published_at.asc().nulls_last(), documents.c.id.asc()]
    if sort == "deadline":
        return [documents.c.comment_deadline.asc().nulls_last(), *newest]
    if sort == "seen":
        return [documents.c.first_seen.desc(), documents.c.id.desc()]
    raise ValueError(f"unknown sort {sort!r}; expected one of {', '.join(SORTS)}")


def _filtered(flt: DocumentFilter, dialect: str) -> Select[Any]:
    return select(documents).where(*_conditions(flt, dialect)).order_by(*_order(flt.sort))


def count_documents(conn: Connection, flt: DocumentFilter = DocumentFilter()) -> int:
    """How many documents match the filter (its limit and offset ignored)."""
    query = select(func.count()).select_from(documents).where(*_conditions(flt, _dialect(conn)))
    return int(conn.execute(query).scalar_one())


def status_counts(conn: Connection, flt: DocumentFilter = DocumentFilter()) -> dict[str, int]:
    """How many documents matching the filter (its review status aside) are in each status."""
    conditions = _conditions(replace(flt, review_status=None), _dialect(conn))
    query = (
        select(documents.c.review_status, func.count())
        .where(*conditions)
        .group_by(documents.c.review_status)
    )
    counts = dict.fromkeys(REVIEW_STATUSES, 0)
    counts.update({status: int(n) for status, n in conn.execute(query).all()})
    return counts


def _dialect(conn: Connection) -> str:
    return conn.dialect.name


def list_documents(conn: Connection, flt: DocumentFilter = DocumentFilter()) -> list[Document]:
    """Documents matching the filter, newest publication first."""
    return _documents(conn, _filtered(flt, _dialect(conn)).limit(flt.limit).offset(flt.offset))


def iter_documents(
    conn: Connection, flt: DocumentFilter = DocumentFilter(), batch: int = 200
) -> Iterator[Document]:
    """Every matching document, fetched in batches (for exports of any size)."""
    offset = flt.offset
    while True:
        page = _documents(conn, _filtered(flt, _dialect(conn)).limit(batch).offset(offset))
        yield from page
        if len(page) < batch:
            return
        offset += batch
