"""The classifier as the other stages use it: get a model, tag stored documents, tag texts.

A document is stored untagged by the crawler; :func:`classify_pending` tags untagged
documents batch by batch, each batch in its own transaction. A crash, a missing model or
an exhausted time budget leaves the rest untagged, and the next run picks them up.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from classifier.embedders import Embedder, load_embedder
from classifier.evaluate import Report, cross_validate, evaluate
from classifier.model import Example, Item, ModelError, TrainedModel
from classifier.training import (
    TrainingParams,
    bundled_examples,
    embed_descriptions,
    embed_examples,
    train,
)
from config import Settings
from model.topics import Classification, ModelInfo, Topic, bundled_topics
from storage import Store

log = logging.getLogger("regwatch.classify")


class ModelUnavailable(RuntimeError):
    """No model can be used: none stored for the embedder and training is switched off."""


def open_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name; raises EmbedderUnavailable with what to do."""
    cfg = settings.classifier
    return load_embedder(cfg.backend, cfg.model, threads=cfg.threads, max_tokens=cfg.max_tokens)


def training_params(settings: Settings) -> TrainingParams:
    """The training knobs the settings control."""
    return TrainingParams(min_rule_precision=settings.classifier.min_rule_precision)


def all_topics(store: Store) -> list[Topic]:
    """The bundled topics, then those editors added."""
    return [*bundled_topics(), *store.editor_topics()]


def training_examples(store: Store, topics: Sequence[Topic]) -> tuple[list[Example], int]:
    """The bundled set plus every document an editor decided; and how many came from editors."""
    keys = [t.key for t in topics]
    examples = bundled_examples(keys)
    edited = [
        Example(
            title=e.title,
            labels=tuple(t for t in e.topics if t in keys),
            lang=e.lang,
            summary=e.lead,
            source=e.url,
            group=f"document:{e.document_id}",
        )
        for e in store.editor_examples()
    ]
    return examples + edited, len(edited)


def train_and_store(
    store: Store,
    embedder: Embedder,
    settings: Settings,
    *,
    metrics: dict[str, float] | None = None,
) -> TrainedModel:
    """Train on the bundled set and editors' decisions; store the model as a new version."""
    topics = all_topics(store)
    examples, from_editors = training_examples(store, topics)
    started = time.monotonic()
    model = train(embedder, topics, examples, training_params(settings))
    log.info(
        "trained on %d examples (%d from editors) in %.1f s",
        len(examples),
        from_editors,
        time.monotonic() - started,
    )
    model.metrics = dict(metrics or {})
    info = ModelInfo(
        version=0,
        embedder=embedder.name,
        created_at=datetime.now(UTC),
        topics=tuple(model.topics),
        examples=len(examples),
        editor_examples=from_editors,
        metrics=model.metrics,
    )
    model.version = store.save_model(info, model.to_bytes())
    return model


def cross_validate_training_set(
    store: Store, embedder: Embedder, settings: Settings
) -> dict[str, Report]:
    """Cross-validated scores on the bundled set plus editors' decisions: all, zh, en."""
    topics = all_topics(store)
    examples, _ = training_examples(store, topics)
    vectors = embed_examples(embedder, examples)
    descriptions = embed_descriptions(embedder, topics)
    predicted = cross_validate(
        vectors, examples, descriptions, topics, params=training_params(settings)
    )
    return evaluate(
        [set(e.labels) for e in examples],
        predicted,
        [e.language() for e in examples],
        [t.key for t in topics],
    )


def current_model(store: Store, embedder: Embedder, settings: Settings) -> TrainedModel:
    """The newest model stored for this embedder; trained first when none is (and allowed)."""
    stored = store.latest_model(embedder.name)
    if stored is not None:
        info, data = stored
        return TrainedModel.from_bytes(data, version=info.version)
    if not settings.classifier.auto_train:
        raise ModelUnavailable(
            f"no classifier model is stored for embedder {embedder.name}: "
            "run `regwatch classifier train`"
        )
    log.info("no model stored for %s: training one from the bundled set", embedder.name)
    return train_and_store(store, embedder, settings)


@dataclass
class Tagger:
    """An embedder and a model trained for it."""

    embedder: Embedder
    model: TrainedModel

    def __post_init__(self) -> None:
        if self.model.embedder != self.embedder.name:
            raise ModelError(
                f"model {self.model.version} was trained for {self.model.embedder}, "
                f"not for {self.embedder.name}"
            )

    def classify(self, items: Sequence[Item]) -> list[Classification]:
        """Verdicts for the items, in order."""
        if not items:
            return []
        return self.model.classify(self.embedder.encode([i.text() for i in items]), items)


def open_tagger(store: Store, settings: Settings) -> Tagger:
    """The configured embedder with its current model (trained on first use)."""
    embedder = open_embedder(settings)
    return Tagger(embedder, current_model(store, embedder, settings))


@dataclass
class ClassifyReport:
    """What one pass over the untagged documents did."""

    model_version: int = 0
    classified: int = 0
    with_topics: int = 0
    left: int = 0
    """Documents still untagged afterwards."""
    stopped: str = ""
    """Why the pass ended early (time budget, error), or empty."""
    topic_counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        counts = ", ".join(f"{t} {n}" for t, n in sorted(self.topic_counts.items()))
        text = (
            f"{self.classified} tagged by model v{self.model_version} "
            f"({self.with_topics} with a topic{': ' + counts if counts else ''}), "
            f"{self.left} left untagged"
        )
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


def classify_pending(
    store: Store,
    tagger: Tagger,
    *,
    batch_size: int = 32,
    time_budget: float = 0.0,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ClassifyReport:
    """Tag every untagged document, a batch per transaction, within ``time_budget`` seconds.

    Documents that vanish meanwhile are skipped. ``progress`` is called with each batch's size.
    """
    report = ClassifyReport(model_version=tagger.model.version)
    deadline = clock() + time_budget if time_budget > 0 else None
    after = 0
    while True:
        if deadline is not None and clock() >= deadline:
            report.stopped = f"time budget of {time_budget:g} s used up"
            break
        batch = store.pending_classification(after_id=after, limit=batch_size)
        if not batch:
            break
        after = batch[-1].id
        results = tagger.classify([Item(d.title, d.lead, d.lang) for d in batch])
        stamped = [
            dataclasses.replace(r, document_id=d.id) for r, d in zip(results, batch, strict=True)
        ]
        report.classified += store.save_classifications(stamped)
        for result in stamped:
            report.with_topics += bool(result.labels)
            for label in result.labels:
                report.topic_counts[label] = report.topic_counts.get(label, 0) + 1
        if progress:
            progress(len(batch))
    report.left = store.count_pending_classification()
    return report
