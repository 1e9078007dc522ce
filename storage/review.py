"""Editors' work on documents: English text, review decisions, topics, and the audit log.

Every change bumps the document's ``revision``. A save names the revision its form was
opened at; when the document changed since (another editor's save, a crawler amendment),
nothing is written and :class:`~model.review.EditConflict` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from model.review import (
    ADDED,
    APPROVED,
    EDITED,
    REJECTED,
    REOPENED,
    TOPICS,
    EditConflict,
    Editorial,
    ReviewEvent,
)
from model.status import APPROVED as STATUS_APPROVED
from model.status import PENDING, check_review_status
from model.status import REJECTED as STATUS_REJECTED
from storage.schema import documents, editorials, review_events
from storage.topics import document_topics_of, set_editor_topics

STATUS_ACTIONS = {STATUS_APPROVED: APPROVED, STATUS_REJECTED: REJECTED, PENDING: REOPENED}


def claim_revision(conn: Connection, doc_id: int, expected: int) -> int:
    """Move the document from revision ``expected`` to the next; refuse when it moved on."""
    bumped = conn.execute(
        update(documents)
        .where(documents.c.id == doc_id, documents.c.revision == expected)
        .values(revision=documents.c.revision + 1)
    )
    if bumped.rowcount == 1:
        return expected + 1
    current = conn.execute(select(documents.c.revision).where(documents.c.id == doc_id)).scalar()
    if current is None:
        raise LookupError(f"no document {doc_id}")
    raise EditConflict(doc_id, expected, int(current))


def log_event(
    conn: Connection, doc_id: int, user: str, action: str, changes: dict[str, Any], at: datetime
) -> None:
    conn.execute(
        insert(review_events).values(
            document_id=doc_id, at=at, user_name=user, action=action, changes=changes
        )
    )


def editorial_of(conn: Connection, doc_id: int) -> Editorial:
    row = conn.execute(select(editorials).where(editorials.c.document_id == doc_id)).first()
    return _editorial(row) if row else Editorial()


def editorials_of(conn: Connection, ids: Sequence[int]) -> dict[int, Editorial]:
    rows = conn.execute(select(editorials).where(editorials.c.document_id.in_(ids)))
    return {r.document_id: _editorial(r) for r in rows}


def _editorial(row: Any) -> Editorial:
    return Editorial(row.headline, row.lead, row.summary, tuple(row.bullets))


def save_editorial(
    conn: Connection, doc_id: int, text: Editorial, user: str, at: datetime
) -> dict[str, Any]:
    """Store the English text; returns what changed (field → [before, after])."""
    before = editorial_of(conn, doc_id)
    text = text.cleaned()
    changes = {
        name: [_plain(getattr(before, name)), _plain(getattr(text, name))]
        for name in ("headline", "lead", "summary", "bullets")
        if getattr(before, name) != getattr(text, name)
    }
    if not changes:
        return {}
    values = {
        "headline": text.headline,
        "lead": text.lead,
        "summary": text.summary,
        "bullets": list(text.bullets),
        "updated_by": user,
        "updated_at": at,
    }
    updated = conn.execute(
        update(editorials).where(editorials.c.document_id == doc_id).values(values)
    )
    if updated.rowcount == 0:
        conn.execute(insert(editorials).values(values | {"document_id": doc_id}))
    return changes


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def review(
    conn: Connection,
    doc_id: int,
    expected_revision: int,
    user: str,
    at: datetime,
    *,
    editorial: Editorial | None = None,
    topics: Sequence[str] | None = None,
    status: str | None = None,
) -> int:
    """One editor's save: text, topics and decision together; returns the new revision."""
    revision = claim_revision(conn, doc_id, expected_revision)
    if editorial is not None:
        changes = save_editorial(conn, doc_id, editorial, user, at)
        if changes:
            log_event(conn, doc_id, user, EDITED, changes, at)
    if topics is not None:
        before = sorted(t.topic for t in document_topics_of(conn, [doc_id]).get(doc_id, []))
        if sorted(set(topics)) != before:
            set_editor_topics(conn, doc_id, topics, user, at)
            log_event(conn, doc_id, user, TOPICS, {"topics": [before, sorted(set(topics))]}, at)
    if status is not None:
        set_status(conn, doc_id, status, user, at)
    return revision


def set_status(conn: Connection, doc_id: int, status: str, user: str, at: datetime) -> bool:
    """Record a review decision; returns whether the status changed."""
    check_review_status(status)
    before = conn.execute(select(documents.c.review_status).where(documents.c.id == doc_id))
    old = before.scalar()
    if old is None:
        raise LookupError(f"no document {doc_id}")
    if old == status:
        return False
    conn.execute(update(documents).where(documents.c.id == doc_id).values(review_status=status))
    log_event(conn, doc_id, user, STATUS_ACTIONS[status], {"review_status": [old, status]}, at)
    return True


def set_statuses(
    conn: Connection, ids: Sequence[int], status: str, user: str, at: datetime
) -> list[int]:
    """Decide several documents at once (no revision check); returns ids that do not exist."""
    missing = []
    for doc_id in ids:
        try:
            if set_status(conn, doc_id, status, user, at):
                conn.execute(
                    update(documents)
                    .where(documents.c.id == doc_id)
                    .values(revision=documents.c.revision + 1)
                )
        except LookupError:
            missing.append(doc_id)
    return missing


def record_added(conn: Connection, doc_id: int, user: str, how: str, at: datetime) -> None:
    """Log that an editor added a document by hand."""
    log_event(conn, doc_id, user, ADDED, {"how": how}, at)


def events_of(conn: Connection, doc_id: int) -> list[ReviewEvent]:
    """A document's audit log, oldest first."""
    rows = conn.execute(
        select(review_events)
        .where(review_events.c.document_id == doc_id)
        .order_by(review_events.c.at, review_events.c.id)
    )
    return [ReviewEvent(r.at, r.user_name, r.action, dict(r.changes)) for r in rows]
