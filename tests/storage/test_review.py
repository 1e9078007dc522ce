"""Editors' saves on SQLite and PostgreSQL: text, decisions, topics, conflicts, audit, filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from model import APPROVED, BEIJING, PENDING, REJECTED, Document
from model.review import EDITED, REOPENED, TOPICS, EditConflict, Editorial
from storage import DocumentFilter, Store
from storage.queries import NO_TOPIC

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _doc(n: int, **fields: object) -> Document:
    values: dict[str, object] = {
        "url": f"https://www.miit.gov.cn/zwgk/{n}.html",
        "source": "miit",
        "title": f"关于第{n}号文件的通知",
        "body_text": f"正文{n}。" * 50,
        "published_at": datetime(2026, 3, n, 9, tzinfo=BEIJING),
    }
    return Document(**(values | fields))  # type: ignore[arg-type]


def _add(store: Store, n: int, **fields: object) -> int:
    return store.save_document(_doc(n, **fields), seen_at=T0).document_id


def test_a_save_stores_text_topics_and_decision_and_logs_each(store: Store) -> None:
    doc_id = _add(store, 1)
    text = Editorial("MIIT issues a notice", "On March 1, 2026, MIIT issued ...", "Sum.", ("a", ""))
    revision = store.review(
        doc_id, 0, user="ana", editorial=text, topics=["minors"], status=APPROVED, at=T0
    )
    doc = store.get_document(doc_id)
    assert doc is not None
    assert revision == doc.revision == 1
    assert doc.editorial == Editorial(text.headline, text.lead, "Sum.", ("a",))
    assert doc.review_status == APPROVED and doc.topic_keys() == ["minors"]
    events = store.review_events(doc_id)
    assert [e.action for e in events] == [EDITED, TOPICS, APPROVED]
    assert all(e.user == "ana" for e in events)
    assert events[0].changes["headline"] == ["", "MIIT issues a notice"]
    assert events[1].changes == {"topics": [[], ["minors"]]}
    assert events[2].changes == {"review_status": [PENDING, APPROVED]}


def test_the_second_save_from_the_same_revision_is_refused(store: Store) -> None:
    doc_id = _add(store, 2)
    store.review(doc_id, 0, user="ana", editorial=Editorial("Ana's headline"))
    with pytest.raises(EditConflict, match="changed since you opened it"):
        store.review(doc_id, 0, user="ben", editorial=Editorial("Ben's headline"), status=REJECTED)
    doc = store.get_document(doc_id)
    assert doc is not None
    assert doc.editorial.headline == "Ana's headline" and doc.review_status == PENDING
    assert [e.user for e in store.review_events(doc_id)] == ["ana"]


def test_a_crawler_amendment_outdates_an_open_form(store: Store) -> None:
    doc_id = _add(store, 3)
    store.save_document(_doc(3, body_text="修改后的正文。" * 40), seen_at=T0 + timedelta(days=1))
    with pytest.raises(EditConflict):
        store.review(doc_id, 0, user="ana", status=APPROVED)


def test_an_unchanged_save_logs_nothing_and_a_missing_document_is_an_error(store: Store) -> None:
    doc_id = _add(store, 4)
    store.review(doc_id, 0, user="ana", editorial=Editorial(), topics=[], status=PENDING)
    assert store.review_events(doc_id) == []
    with pytest.raises(LookupError):
        store.review(999, 0, user="ana", status=APPROVED)


def test_command_line_decisions_are_logged_and_bump_the_revision(store: Store) -> None:
    doc_id = _add(store, 5)
    assert store.set_review_status([doc_id, 999], REJECTED, user="ops") == [999]
    store.set_review_status([doc_id], PENDING, user="ops")
    assert [e.action for e in store.review_events(doc_id)] == [REJECTED, REOPENED]
    doc = store.get_document(doc_id)
    assert doc is not None and doc.revision == 2


def test_filters_counts_and_sorts(store: Store) -> None:
    a = _add(store, 6, is_draft_for_comment=True, comment_deadline=date(2026, 4, 1))
    b = _add(store, 7, is_draft_for_comment=True, comment_deadline=date(2026, 3, 20))
    c = _add(store, 8)
    store.set_topics(c, ["minors"], editor="ana")
    store.set_review_status([b], APPROVED, user="ana")
    assert store.status_counts(DocumentFilter(draft=True)) == {
        PENDING: 1,
        APPROVED: 1,
        REJECTED: 0,
    }
    assert store.count_documents(DocumentFilter(review_status=PENDING)) == 2
    assert [d.id for d in store.list_documents(DocumentFilter(topic=NO_TOPIC))] == [b, a]
    assert [d.id for d in store.list_documents(DocumentFilter(topic="minors"))] == [c]
    assert [d.id for d in store.list_documents(DocumentFilter(draft=False))] == [c]
    open_on = DocumentFilter(deadline_from=date(2026, 3, 25))
    assert [d.id for d in store.list_documents(open_on)] == [a]
    soonest = store.list_documents(DocumentFilter(sort="deadline"))
    assert [d.id for d in soonest] == [b, a, c]
    assert [d.id for d in store.list_documents(DocumentFilter(sort="oldest"))] == [a, b, c]
    with pytest.raises(ValueError, match="unknown sort"):
        store.list_documents(DocumentFilter(sort="random"))
