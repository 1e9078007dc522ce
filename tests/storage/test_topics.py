"""Topics in storage, on SQLite and PostgreSQL: models, verdicts, editors' decisions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from model import UNTAGGED, Classification, Document, ModelInfo, Neighbour, Topic
from model.topics import EDITOR, MODEL, TaxonomyError
from storage import DocumentFilter, Store

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _doc(n: int, title: str = "") -> Document:
    return Document(
        url=f"https://www.cac.gov.cn/2026-03/0{n}/c_{n}.htm",
        source="cac",
        title=title or f"关于第{n}号文件的通知",
        body_text="正文" * 400,
    )


def _model(store: Store, embedder: str = "test/1") -> int:
    info = ModelInfo(0, embedder, T0, ("cross_border", "minors"), 10, 0, {"cv_all_micro_f1": 0.9})
    return store.save_model(info, b"weights")


def _verdict(doc_id: int, version: int, labels: tuple[str, ...]) -> Classification:
    return Classification(
        model_version=version,
        scores={"cross_border": 0.91, "minors": 0.02},
        labels=labels,
        lang="zh",
        neighbours=(Neighbour("数据出境安全评估办法", ("cross_border",), 0.83, "https://x"),),
        rule_hits={"cross_border": ["数据出境"]} if labels else {},
        document_id=doc_id,
    )


def test_models_are_versioned_per_embedder(store: Store) -> None:
    first = _model(store)
    second = _model(store)
    other = _model(store, "other/2")
    assert first < second < other
    latest = store.latest_model("test/1")
    assert latest is not None
    info, data = latest
    assert (info.version, data, info.metrics) == (second, b"weights", {"cv_all_micro_f1": 0.9})
    assert store.latest_model("never/0") is None
    assert [m.version for m in store.models()] == [other, second, first]


def test_pending_documents_are_the_untagged_ones_with_a_lead(store: Store) -> None:
    ids = [store.save_document(_doc(n)).document_id for n in (1, 2, 3)]
    pending = store.pending_classification(limit=2)
    assert [p.id for p in pending] == ids[:2]
    assert len(pending[0].lead) == 600 and pending[0].lang == "zh"
    assert [p.id for p in store.pending_classification(after_id=ids[1])] == [ids[2]]
    assert store.count_pending_classification() == 3


def test_a_verdict_is_stored_once_and_replaced_never_duplicated(store: Store) -> None:
    doc_id = store.save_document(_doc(1)).document_id
    v1 = _model(store)
    assert store.save_classifications([_verdict(doc_id, v1, ("cross_border",))]) == 1
    v2 = _model(store)
    store.save_classifications([_verdict(doc_id, v2, ())])
    verdict = store.classification(doc_id)
    assert verdict is not None and verdict.model_version == v2 and verdict.labels == ()
    assert verdict.neighbours[0].title == "数据出境安全评估办法"
    doc = store.get_document(doc_id)
    assert doc is not None and doc.topics == [] and UNTAGGED not in doc.flags
    assert store.count_pending_classification() == 0


def test_model_topics_carry_version_and_score(store: Store) -> None:
    doc_id = store.save_document(_doc(1)).document_id
    version = _model(store)
    store.save_classifications([_verdict(doc_id, version, ("cross_border",))])
    doc = store.get_document(doc_id)
    assert doc is not None
    [topic] = doc.topics
    assert (topic.topic, topic.set_by, topic.model_version, topic.score) == (
        "cross_border",
        MODEL,
        version,
        0.91,
    )
    assert [d.id for d in store.list_documents(DocumentFilter(topic="cross_border"))] == [doc_id]
    assert store.list_documents(DocumentFilter(topic="minors")) == []


def test_an_editors_topics_are_never_overwritten_by_the_model(store: Store) -> None:
    doc_id = store.save_document(_doc(1)).document_id
    version = _model(store)
    store.save_classifications([_verdict(doc_id, version, ("cross_border",))])
    store.set_topics(doc_id, ["minors"], editor="alice")
    store.save_classifications([_verdict(doc_id, version, ("cross_border",))])
    doc = store.get_document(doc_id)
    assert doc is not None
    assert [(t.topic, t.set_by, t.editor) for t in doc.topics] == [("minors", EDITOR, "alice")]
    verdict = store.classification(doc_id)
    assert verdict is not None and verdict.labels == ("cross_border",)  # still explained


def test_an_editor_may_decide_no_topic_and_training_sees_the_latest_decision(
    store: Store,
) -> None:
    a = store.save_document(_doc(1, "数据出境安全评估办法")).document_id
    b = store.save_document(_doc(2)).document_id
    store.set_topics(a, ["cross_border", "minors"], editor="alice")
    store.set_topics(a, ["cross_border"], editor="bob")
    store.set_topics(b, [], editor="alice")
    examples = store.editor_examples()
    assert [(e.document_id, e.topics) for e in examples] == [(a, ("cross_border",)), (b, ())]
    assert examples[0].title == "数据出境安全评估办法" and examples[0].url.startswith("https://")
    doc = store.get_document(b)
    assert doc is not None and doc.topics == [] and UNTAGGED not in doc.flags


def test_editor_decisions_are_checked(store: Store) -> None:
    doc_id = store.save_document(_doc(1)).document_id
    with pytest.raises(TaxonomyError, match="unknown topic 'gdpr'"):
        store.set_topics(doc_id, ["gdpr"], editor="alice")
    with pytest.raises(LookupError):
        store.set_topics(doc_id + 1, ["minors"], editor="alice")
    with pytest.raises(ValueError, match="editor"):
        store.set_topics(doc_id, ["minors"], editor=" ")
    assert store.editor_examples() == []


def test_editors_add_topics_with_new_keys_only(store: Store) -> None:
    topic = Topic(
        "telecom",
        "Telecoms",
        "电信",
        "Telecom licensing.",
        "电信业务经营许可。",
        keywords_zh=("电信业务",),
        added_by="alice",
    )
    store.add_topic(topic)
    assert store.editor_topics() == [topic]
    doc_id = store.save_document(_doc(1)).document_id
    store.set_topics(doc_id, ["telecom"], editor="alice")  # now a known topic
    with pytest.raises(TaxonomyError, match="exists already"):
        store.add_topic(topic)
    with pytest.raises(TaxonomyError, match="exists already"):
        store.add_topic(Topic("minors", "M", "未", "d", "d", added_by="bob"))
    with pytest.raises(TaxonomyError, match="lower-case"):
        store.add_topic(Topic("Bad Key", "B", "坏", "d", "d", added_by="bob"))
    with pytest.raises(TaxonomyError, match="editor"):
        store.add_topic(Topic("anonymous", "A", "匿", "d", "d"))


def test_a_vanished_document_is_skipped(store: Store) -> None:
    version = _model(store)
    assert store.save_classifications([_verdict(999, version, ("minors",))]) == 0
