"""A trained classifier: the head, the keyword rules it kept, and the examples that explain it.

A model is stored as one blob (numpy's ``.npz``, no pickles) together with its version in the
database; :meth:`TrainedModel.to_bytes` and :meth:`TrainedModel.from_bytes` convert.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifier.head import Head
from classifier.rules import KeywordRules
from classifier.text import classifier_input, detect_lang
from model.topics import Classification, Neighbour

FORMAT = 1
NEIGHBOURS = 3


class ModelError(RuntimeError):
    """A stored model cannot be read (corrupt, or written by an incompatible version)."""


@dataclass(frozen=True)
class Example:
    """A labelled text: a bundled training item or a document an editor decided."""

    title: str
    labels: tuple[str, ...]
    lang: str = ""
    summary: str = ""
    source: str = ""
    group: str = ""
    """Items sharing a group (the Chinese and English titles of one document) share a fold."""

    def item(self) -> Item:
        """The example as a text to classify (its summary as the lead)."""
        return Item(self.title, self.summary, self.lang)

    def text(self) -> str:
        return self.item().text()

    def language(self) -> str:
        return self.item().language()


@dataclass(frozen=True)
class Item:
    """A text to classify."""

    title: str
    lead: str = ""
    lang: str = ""

    def language(self) -> str:
        return self.lang or detect_lang(self.title + " " + self.lead[:200])

    def text(self) -> str:
        return classifier_input(self.title, self.lead, self.language())


@dataclass
class TrainedModel:
    """Everything needed to classify with one embedder, and to explain each verdict."""

    embedder: str
    head: Head
    rules: KeywordRules
    rule_precision: dict[str, float]
    """Per topic, the measured precision of its kept keywords: the score a keyword hit gives."""
    examples: list[Example]
    example_vectors: np.ndarray
    """Centred embeddings of ``examples`` (float16), for the nearest-example explanations."""
    metrics: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    """Set when the model is stored."""

    @property
    def topics(self) -> list[str]:
        return self.head.topics

    def classify(self, vectors: np.ndarray, items: Sequence[Item]) -> list[Classification]:
        """Verdicts for ``items`` whose embeddings are ``vectors``."""
        centred = self.head.centre(vectors)
        probabilities = self.head.probabilities(centred)
        kept = self.head.labels(probabilities)
        similarity = centred @ self.example_vectors.astype(np.float32).T
        results = []
        for i, item in enumerate(items):
            scores = {t: float(probabilities[i, j]) for j, t in enumerate(self.topics)}
            labels = {t for j, t in enumerate(self.topics) if kept[i, j]}
            hits = {t: w for t, w in self.rules.hits(item.title).items() if t in scores}
            for topic in hits:
                labels.add(topic)
                scores[topic] = max(scores[topic], self.rule_precision.get(topic, 0.0))
            results.append(
                Classification(
                    model_version=self.version,
                    scores={t: round(v, 4) for t, v in scores.items()},
                    labels=tuple(t for t in self.topics if t in labels),
                    lang=item.language(),
                    neighbours=self._neighbours(similarity[i]),
                    rule_hits=hits,
                )
            )
        return results

    def _neighbours(self, similarity: np.ndarray) -> tuple[Neighbour, ...]:
        if not len(similarity):
            return ()
        count = min(NEIGHBOURS, len(similarity))
        best = np.argpartition(-similarity, count - 1)[:count]
        best = best[np.argsort(-similarity[best])]
        return tuple(
            Neighbour(
                self.examples[k].title,
                self.examples[k].labels,
                round(float(similarity[k]), 4),
                self.examples[k].source,
            )
            for k in best
        )

    def to_bytes(self) -> bytes:
        """The model as an ``.npz`` blob."""
        meta = {
            "format": FORMAT,
            "embedder": self.embedder,
            "topics": self.head.topics,
            "kinds": self.head.kinds,
            "scale": self.head.scale,
            "rules": {t: list(w) for t, w in self.rules.keywords.items()},
            "ignore": list(self.rules.ignore),
            "rule_precision": self.rule_precision,
            "examples": [
                {"title": e.title, "labels": list(e.labels), "lang": e.lang, "source": e.source}
                for e in self.examples
            ],
            "metrics": self.metrics,
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
            mean=self.head.mean,
            weights=self.head.weights,
            bias=self.head.bias,
            platt=self.head.platt,
            thresholds=self.head.thresholds,
            example_vectors=self.example_vectors.astype(np.float16),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, *, version: int = 0) -> TrainedModel:
        """Read a model blob; a damaged or foreign blob raises :class:`ModelError`."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                meta = json.loads(arrays["meta"].tobytes().decode())
                if meta.get("format") != FORMAT:
                    raise ModelError(f"model format {meta.get('format')!r} is not {FORMAT}")
                head = Head(
                    topics=list(meta["topics"]),
                    mean=arrays["mean"],
                    kinds=list(meta["kinds"]),
                    weights=arrays["weights"],
                    bias=arrays["bias"],
                    platt=arrays["platt"],
                    thresholds=arrays["thresholds"],
                    scale=float(meta["scale"]),
                )
                vectors = arrays["example_vectors"]
        except ModelError:
            raise
        except Exception as exc:  # zip, npz, JSON and key errors all mean a damaged blob
            raise ModelError(
                f"stored model {version or ''} is damaged ({exc.__class__.__name__}: {exc}); "
                "run `regwatch classifier train` to make a new one"
            ) from exc
        examples = [
            Example(e["title"], tuple(e["labels"]), e.get("lang", ""), source=e.get("source", ""))
            for e in meta["examples"]
        ]
        return cls(
            embedder=meta["embedder"],
            head=head,
            rules=KeywordRules(
                {t: tuple(w) for t, w in meta["rules"].items()}, tuple(meta.get("ignore", []))
            ),
            rule_precision={t: float(p) for t, p in meta["rule_precision"].items()},
            examples=examples,
            example_vectors=vectors,
            metrics=meta.get("metrics", {}),
            version=version,
        )
