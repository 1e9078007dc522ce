"""Topics in the database: editors' topics, classifier models, classifications, decisions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from model.topics import (
    BUNDLED_KEYS,
    EDITOR,
    MODEL,
    Classification,
    ModelInfo,
    Neighbour,
    TaxonomyError,
    Topic,
    TopicAssignment,
    check_key,
)
from storage.schema import (
    classifications,
    classifier_models,
    document_topics,
    documents,
    topic_edits,
    topics,
)


@dataclass(frozen=True)
class PendingDocument:
    """What the classifier needs of a stored document that has no topics yet."""

    id: int
    title: str
    lead: str
    lang: str


@dataclass(frozen=True)
class EditorExample:
    """A document whose topics an editor decided: a training example."""

    document_id: int
    title: str
    lead: str
    lang: str
    topics: tuple[str, ...]
    url: str


_TOPIC_TEXT = ("key", "name_en", "name_zh", "description_en", "description_zh", "added_by")
"""The text columns of ``topics``, named as the fields of :class:`Topic`."""


def add_topic(conn: Connection, topic: Topic, at: datetime) -> None:
    """Store an editor's new topic; its key must be new."""
    check_key(topic.key)
    if (
        topic.key in BUNDLED_KEYS
        or conn.execute(select(topics.c.key).where(topics.c.key == topic.key)).first()
    ):
        raise TaxonomyError(f"topic {topic.key!r} exists already")
    if not topic.added_by:
        raise TaxonomyError("a new topic needs the name of the editor who adds it")
    conn.execute(
        insert(topics).values(
            **{name: getattr(topic, name) for name in _TOPIC_TEXT},
            keywords_en=list(topic.keywords_en),
            keywords_zh=list(topic.keywords_zh),
            added_at=at,
        )
    )


def editor_topics(conn: Connection) -> list[Topic]:
    """Topics editors added, oldest first."""
    rows = conn.execute(select(topics).order_by(topics.c.added_at, topics.c.key))
    return [
        Topic(
            **{name: getattr(r, name) for name in _TOPIC_TEXT},
            keywords_en=tuple(r.keywords_en),
            keywords_zh=tuple(r.keywords_zh),
        )
        for r in rows
    ]


def save_model(conn: Connection, info: ModelInfo, data: bytes) -> int:
    """Store a trained model; returns its version (numbers only ever grow)."""
    version = conn.execute(
        insert(classifier_models)
        .values(
            embedder=info.embedder,
            created_at=info.created_at,
            topics=list(info.topics),
            examples=info.examples,
            editor_examples=info.editor_examples,
            metrics=dict(info.metrics),
            data=data,
        )
        .returning(classifier_models.c.version)
    ).scalar_one()
    return int(version)


def _model_info(row: Any) -> ModelInfo:
    return ModelInfo(
        version=row.version,
        embedder=row.embedder,
        created_at=row.created_at,
        topics=tuple(row.topics),
        examples=row.examples,
        editor_examples=row.editor_examples,
        metrics=dict(row.metrics),
    )


def latest_model(conn: Connection, embedder: str) -> tuple[ModelInfo, bytes] | None:
    """The newest model trained for ``embedder``, with its weights, or None."""
    row = conn.execute(
        select(classifier_models)
        .where(classifier_models.c.embedder == embedder)
        .order_by(classifier_models.c.version.desc())
        .limit(1)
    ).first()
    return (_model_info(row), bytes(row.data)) if row else None


def models(conn: Connection) -> list[ModelInfo]:
    """Every stored model, newest first (without weights)."""
    columns = [c for c in classifier_models.c if c.name != "data"]
    rows = conn.execute(select(*columns).order_by(classifier_models.c.version.desc()))
    return [_model_info(r) for r in rows]


def pending_documents(
    conn: Connection, *, after_id: int = 0, limit: int = 64, lead_chars: int = 600
) -> list[PendingDocument]:
    """Documents not classified yet (flag ``untagged``), by id, from ``after_id`` on."""
    rows = conn.execute(
        select(
            documents.c.id,
            documents.c.title,
            func.substr(documents.c.body_text, 1, lead_chars).label("lead"),
            documents.c.lang,
        )
        .where(documents.c.untagged.is_(True), documents.c.id > after_id)
        .order_by(documents.c.id)
        .limit(limit)
    )
    return [PendingDocument(r.id, r.title, r.lead or "", r.lang) for r in rows]


def count_pending(conn: Connection) -> int:
    """How many documents wait for the classifier."""
    query = select(func.count()).select_from(documents).where(documents.c.untagged.is_(True))
    return int(conn.execute(query).scalar_one())


def mark_stale(conn: Connection, current_version: int) -> int:
    """Flag ``untagged`` the documents whose verdict came from an older model; returns how many.

    Documents whose topics an editor decided keep them; they are re-scored all the same.
    """
    older = select(classifications.c.document_id).where(
        classifications.c.model_version < current_version
    )
    result = conn.execute(
        update(documents)
        .where(documents.c.id.in_(older), documents.c.untagged.is_(False))
        .values(untagged=True)
    )
    return int(result.rowcount or 0)


def _has_editor_decision(conn: Connection, doc_id: int) -> bool:
    query = select(topic_edits.c.id).where(topic_edits.c.document_id == doc_id).limit(1)
    return conn.execute(query).first() is not None


def save_classification(conn: Connection, result: Classification, at: datetime) -> bool:
    """Store the model's verdict on a document; returns False when the document is gone.

    The verdict replaces any earlier one (one row per document, never two). The model's
    topics replace the model's earlier topics; topics an editor decided are left alone.
    """
    doc_id = result.document_id
    if doc_id is None:
        raise ValueError("a classification to store needs its document id")
    found = conn.execute(select(documents.c.id).where(documents.c.id == doc_id)).first()
    if not found:
        return False
    values = {
        "model_version": result.model_version,
        "lang": result.lang,
        "scores": {k: round(v, 4) for k, v in result.scores.items()},
        "labels": list(result.labels),
        "rule_hits": {k: list(v) for k, v in result.rule_hits.items()},
        "neighbours": [
            {
                "title": n.title,
                "labels": list(n.labels),
                "similarity": round(n.similarity, 4),
                "source": n.source,
            }
            for n in result.neighbours
        ],
        "classified_at": at,
    }
    conn.execute(delete(classifications).where(classifications.c.document_id == doc_id))
    conn.execute(insert(classifications).values(document_id=doc_id, **values))
    if not _has_editor_decision(conn, doc_id):
        conn.execute(
            delete(document_topics).where(
                document_topics.c.document_id == doc_id, document_topics.c.set_by == MODEL
            )
        )
        for topic in result.labels:
            conn.execute(
                insert(document_topics).values(
                    document_id=doc_id,
                    topic=topic,
                    set_by=MODEL,
                    model_version=result.model_version,
                    score=round(result.scores.get(topic, 0.0), 4),
                    set_at=at,
                )
            )
    conn.execute(update(documents).where(documents.c.id == doc_id).values(untagged=False))
    return True


def set_editor_topics(
    conn: Connection, doc_id: int, keys: Sequence[str], editor: str, at: datetime
) -> None:
    """An editor decides a document's topics (possibly none): they replace the model's."""
    if not editor.strip():
        raise ValueError("an editor's decision needs the editor's name")
    if not conn.execute(select(documents.c.id).where(documents.c.id == doc_id)).first():
        raise LookupError(f"no document {doc_id}")
    keys = list(dict.fromkeys(keys))
    known = set(BUNDLED_KEYS) | set(conn.execute(select(topics.c.key)).scalars())
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise TaxonomyError(f"unknown topic {', '.join(map(repr, unknown))}; add it first")
    conn.execute(
        insert(topic_edits).values(document_id=doc_id, editor=editor, topics=keys, edited_at=at)
    )
    conn.execute(delete(document_topics).where(document_topics.c.document_id == doc_id))
    for key in keys:
        conn.execute(
            insert(document_topics).values(
                document_id=doc_id, topic=key, set_by=EDITOR, editor=editor, set_at=at
            )
        )
    conn.execute(update(documents).where(documents.c.id == doc_id).values(untagged=False))


def editor_examples(conn: Connection, lead_chars: int = 600) -> list[EditorExample]:
    """Documents whose topics an editor decided, with the latest decision of each."""
    latest = (
        select(topic_edits.c.document_id, func.max(topic_edits.c.id).label("edit_id"))
        .group_by(topic_edits.c.document_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            documents.c.id,
            documents.c.title,
            func.substr(documents.c.body_text, 1, lead_chars).label("lead"),
            documents.c.lang,
            documents.c.url,
            topic_edits.c.topics,
        )
        .join(latest, latest.c.document_id == documents.c.id)
        .join(topic_edits, topic_edits.c.id == latest.c.edit_id)
        .order_by(documents.c.id)
    )
    return [
        EditorExample(r.id, r.title, r.lead or "", r.lang, tuple(r.topics), r.url) for r in rows
    ]


def document_topics_of(conn: Connection, ids: Iterable[int]) -> dict[int, list[TopicAssignment]]:
    """The topics of each document, by topic key."""
    out: dict[int, list[TopicAssignment]] = {}
    rows = conn.execute(
        select(document_topics)
        .where(document_topics.c.document_id.in_(list(ids)))
        .order_by(document_topics.c.document_id, document_topics.c.topic)
    )
    for r in rows:
        out.setdefault(r.document_id, []).append(
            TopicAssignment(r.topic, r.set_by, r.model_version, r.score, r.editor, r.set_at)
        )
    return out


def classification_of(conn: Connection, doc_id: int) -> Classification | None:
    """The model's latest verdict on a document, or None."""
    r = conn.execute(select(classifications).where(classifications.c.document_id == doc_id)).first()
    if r is None:
        return None
    return Classification(
        model_version=r.model_version,
        scores=dict(r.scores),
        labels=tuple(r.labels),
        lang=r.lang,
        neighbours=tuple(
            Neighbour(n["title"], tuple(n["labels"]), n["similarity"], n.get("source", ""))
            for n in r.neighbours
        ),
        rule_hits={k: list(v) for k, v in r.rule_hits.items()},
        document_id=r.document_id,
        classified_at=r.classified_at,
    )
