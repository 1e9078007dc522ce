"""Monthly digests: their status, introduction and layout, and the entries a closed one froze.

A draft's ``digest_entries`` rows are the editor's layout. Closing a digest (approving it)
replaces them with what it holds: each document at its version, why it is there, and the
entry's text as approved. A document is offered to a later digest again only once it has a
version newer than the one a closed digest froze.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from model.digest import (
    APPROVED,
    CLOSED_STATUSES,
    DRAFT,
    DigestError,
    DigestRecord,
    Entry,
    FrozenEntry,
    Month,
    Placement,
)
from model.document import Document
from model.review import APPROVED as APPROVED_ACTION
from model.status import APPROVED as DOC_APPROVED
from model.status import PENDING
from storage.queries import fetch_documents
from storage.schema import digest_entries, digests, document_topics, documents, review_events


@dataclass(frozen=True)
class DigestCandidate:
    """An approved document a digest may hold, with its history in closed digests."""

    document: Document
    approved_by: str
    closed_month: Month | None = None
    """The latest closed digest that held it, if any."""
    closed_version: int | None = None
    """The version that digest froze."""


class DigestConflict(DigestError):
    """The digest changed since the editor opened it; nothing was saved."""


def _record(row: Any, rows: Sequence[Any]) -> DigestRecord:
    closed = row.status in CLOSED_STATUSES
    return DigestRecord(
        month=Month.parse(row.month),
        status=row.status,
        introduction=row.introduction,
        revision=row.revision,
        placements=tuple(Placement(r.document_id, r.section, r.position) for r in rows),
        frozen=tuple(_frozen(r) for r in rows) if closed else (),
        demo=row.demo,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        updated_at=row.updated_at,
    )


def _frozen(r: Any) -> FrozenEntry:
    entry = _entry(r.content) if r.content else None
    return FrozenEntry(r.document_id, r.version or 0, r.kind or "", r.section, r.position, entry)


def _entry(data: dict[str, Any]) -> Entry:
    day = data.get("published_on")
    return Entry(
        **{
            k: v
            for k, v in data.items()
            if k not in ("bullets", "links", "changes", "published_on")
        },
        bullets=tuple(data.get("bullets", ())),
        links=tuple(data.get("links", ())),
        changes=tuple(data.get("changes", ())),
        published_on=date.fromisoformat(day) if day else None,
    )


def _content(entry: Entry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    data = asdict(entry)
    data["published_on"] = entry.published_on.isoformat() if entry.published_on else None
    return data


def get_digest(conn: Connection, month: Month) -> DigestRecord | None:
    """The stored digest of a month, with its layout or frozen entries, or None."""
    row = conn.execute(select(digests).where(digests.c.month == str(month))).first()
    if row is None:
        return None
    entries = conn.execute(
        select(digest_entries)
        .where(digest_entries.c.digest_id == row.id)
        .order_by(digest_entries.c.section, digest_entries.c.position)
    ).all()
    return _record(row, entries)


def list_digests(conn: Connection, status: str | None = None) -> list[DigestRecord]:
    """Every stored digest (without its entries), newest month first."""
    query = select(digests).order_by(digests.c.month.desc())
    if status:
        query = query.where(digests.c.status == status)
    return [_record(row, ()) for row in conn.execute(query)]


def _ensure(conn: Connection, month: Month, at: datetime) -> Any:
    """The digest row of the month, created as an empty draft when missing."""
    row = conn.execute(select(digests).where(digests.c.month == str(month))).first()
    if row is None:
        conn.execute(insert(digests).values(month=str(month), created_at=at, updated_at=at))
        row = conn.execute(select(digests).where(digests.c.month == str(month))).one()
    return row


def _claim(conn: Connection, row: Any, expected: int, at: datetime, **values: Any) -> int:
    bumped = conn.execute(
        update(digests)
        .where(digests.c.id == row.id, digests.c.revision == expected)
        .values(revision=digests.c.revision + 1, updated_at=at, **values)
    )
    if bumped.rowcount != 1:
        raise DigestConflict(
            f"the {row.month} digest changed since you opened it: nothing was saved; reload it"
        )
    return expected + 1


def save_layout(
    conn: Connection,
    month: Month,
    expected_revision: int,
    at: datetime,
    *,
    introduction: str,
    placements: Sequence[Placement],
) -> int:
    """Store a draft's introduction and layout; returns the new revision."""
    row = _ensure(conn, month, at)
    if row.status != DRAFT:
        raise DigestError(f"the {month} digest is {row.status}: reopen it to edit it")
    revision = _claim(conn, row, expected_revision, at, introduction=introduction)
    conn.execute(delete(digest_entries).where(digest_entries.c.digest_id == row.id))
    rows = [
        {"digest_id": row.id, "document_id": p.document_id, "section": p.section}
        | {"position": p.position}
        for p in placements
    ]
    if rows:
        conn.execute(insert(digest_entries), rows)
    return revision


def close_digest(
    conn: Connection,
    month: Month,
    expected_revision: int,
    at: datetime,
    *,
    entries: Sequence[FrozenEntry],
    demo: bool,
    user: str,
) -> int:
    """Approve a draft: freeze exactly these entries. Returns the new revision."""
    row = _ensure(conn, month, at)
    if row.status != DRAFT:
        raise DigestError(f"the {month} digest is already {row.status}")
    values = {"status": APPROVED, "demo": demo, "approved_by": user, "approved_at": at}
    revision = _claim(conn, row, expected_revision, at, **values)
    conn.execute(delete(digest_entries).where(digest_entries.c.digest_id == row.id))
    rows = [_frozen_row(row.id, e) for e in entries]
    if rows:
        conn.execute(insert(digest_entries), rows)
    return revision


def _frozen_row(digest_id: int, e: FrozenEntry) -> dict[str, Any]:
    return {
        "digest_id": digest_id,
        "document_id": e.document_id,
        "section": e.section,
        "position": e.position,
        "version": e.version,
        "kind": e.kind,
        "content": _content(e.entry),
    }


def reopen_digest(conn: Connection, month: Month, expected_revision: int, at: datetime) -> int:
    """An approved (not yet sent) digest back to draft; its entries stay as the layout."""
    row = _ensure(conn, month, at)
    if row.status != APPROVED:
        raise DigestError(f"the {month} digest is {row.status}: only an approved one reopens")
    values = {"status": DRAFT, "demo": False, "approved_by": "", "approved_at": None}
    revision = _claim(conn, row, expected_revision, at, **values)
    conn.execute(
        update(digest_entries)
        .where(digest_entries.c.digest_id == row.id)
        .values(version=None, kind=None, content=None)
    )
    return revision


def first_closed_month(conn: Connection) -> Month | None:
    """The month of the earliest closed digest: where the update's record begins."""
    first = conn.execute(
        select(func.min(digests.c.month)).where(digests.c.status.in_(CLOSED_STATUSES))
    ).scalar()
    return Month.parse(first) if first else None


def candidates(conn: Connection, start: datetime | None, end: datetime) -> list[DigestCandidate]:
    """Approved documents published before ``end`` (and from ``start``, or undated) that no
    closed digest holds at their current version."""
    closed = _closed_versions(conn)
    published = documents.c.published_at
    window = published < end if start is None else and_(published >= start, published < end)
    query = (
        select(documents)
        .where(documents.c.review_status == DOC_APPROVED, or_(published.is_(None), window))
        .order_by(published.asc().nulls_last(), documents.c.id.asc())
    )
    found = [d for d in fetch_documents(conn, query) if _open(d, closed)]
    approvers = _approvers(conn, [d.id for d in found if d.id is not None])
    return [
        DigestCandidate(d, approvers.get(d.id or 0, ""), *closed.get(d.id or 0, (None, None)))
        for d in found
    ]


def _open(doc: Document, closed: dict[int, tuple[Month, int]]) -> bool:
    held = closed.get(doc.id or 0)
    return held is None or held[1] < doc.version


def _closed_versions(conn: Connection) -> dict[int, tuple[Month, int]]:
    """Per document, the latest closed digest holding it and the version it froze."""
    query = (
        select(digest_entries.c.document_id, digests.c.month, digest_entries.c.version)
        .join(digests, digests.c.id == digest_entries.c.digest_id)
        .where(digests.c.status.in_(CLOSED_STATUSES))
        .order_by(digests.c.month)
    )
    return {r.document_id: (Month.parse(r.month), r.version or 0) for r in conn.execute(query)}


def _approvers(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """Who approved each document last (its latest approval in the audit log)."""
    out: dict[int, str] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = conn.execute(
            select(review_events.c.document_id, review_events.c.user_name)
            .where(
                review_events.c.document_id.in_(chunk),
                review_events.c.action == APPROVED_ACTION,
            )
            .order_by(review_events.c.at, review_events.c.id)
        )
        out.update({r.document_id: r.user_name for r in rows})
    return out


def demo_candidates(conn: Connection, min_score: float) -> list[int]:
    """Pending documents whose best model-set topic score is at least ``min_score``."""
    best = (
        select(document_topics.c.document_id)
        .group_by(document_topics.c.document_id)
        .having(func.max(document_topics.c.score) >= min_score)
    )
    query = select(documents.c.id).where(
        documents.c.review_status == PENDING, documents.c.id.in_(best)
    )
    return [int(i) for i in conn.execute(query.order_by(documents.c.id)).scalars()]
