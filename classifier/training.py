"""Training: the bundled labelled set plus editors' decisions → a :class:`TrainedModel`.

The costly part is embedding; :func:`fit` works on embeddings already made, so that
cross-validation embeds each example once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from classifier.embedders import Embedder
from classifier.head import HeadParams, fit_head
from classifier.model import Example, TrainedModel
from classifier.rules import KeywordRules
from model.topics import Topic

TRAINING_FILE = "data/training.jsonl"
LANGS = ("zh", "en")


class TrainingDataError(ValueError):
    """A line of a labelled file is malformed."""


@dataclass(frozen=True)
class TrainingParams:
    head: HeadParams = field(default_factory=HeadParams)
    min_rule_precision: float = 0.9
    """A keyword whose titles carry its topic less often than this (in training) is dropped."""


def parse_example(raw: Any, known: Iterable[str], where: str) -> Example:
    """An example from one decoded JSON line (``title``, ``labels``, optional rest)."""
    if not isinstance(raw, dict):
        raise TrainingDataError(f"{where}: expected a JSON object")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise TrainingDataError(f"{where}: 'title' must be a non-empty string")
    labels = raw.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise TrainingDataError(f"{where}: 'labels' must be a list of topic keys")
    unknown = sorted(set(labels) - set(known))
    if unknown:
        raise TrainingDataError(f"{where}: unknown topic {', '.join(unknown)}")
    lang = raw.get("lang", "")
    if lang not in ("", *LANGS):
        raise TrainingDataError(f"{where}: 'lang' must be one of {', '.join(LANGS)}")
    summary = raw.get("summary") or ""
    if not isinstance(summary, str):
        raise TrainingDataError(f"{where}: 'summary' must be a string")
    return Example(
        title=title.strip(),
        labels=tuple(dict.fromkeys(labels)),
        lang=lang,
        summary=summary.strip(),
        source=str(raw.get("source", "")),
        group=str(raw.get("group") or raw.get("id") or ""),
    )


def read_examples(lines: Iterable[str], known: Iterable[str], name: str) -> list[Example]:
    """Examples from JSON lines; any bad line raises with its line number."""
    known = list(known)
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"{name} line {number}: not JSON ({exc.msg})") from exc
        out.append(parse_example(raw, known, f"{name} line {number}"))
    return out


def bundled_examples(known: Iterable[str]) -> list[Example]:
    """The bundled training set (real, sourced items), in file order."""
    text = resources.files("classifier").joinpath(TRAINING_FILE).read_text(encoding="utf-8")
    return read_examples(text.splitlines(), known, TRAINING_FILE)


def example_file(path: Path, known: Iterable[str]) -> list[Example]:
    """Examples from a JSON-lines file of one's own."""
    with path.open(encoding="utf-8") as handle:
        return read_examples(handle, known, str(path))


def groups_of(examples: Sequence[Example]) -> list[str]:
    """The fold group of each example: its pair group, else itself."""
    return [e.group or f"#{i}" for i, e in enumerate(examples)]


def label_matrix(examples: Sequence[Example], topics: Sequence[str]) -> np.ndarray:
    """(n, T) 0/1 matrix of the examples' labels."""
    index = {t: j for j, t in enumerate(topics)}
    y = np.zeros((len(examples), len(topics)))
    for i, e in enumerate(examples):
        for label in e.labels:
            if label in index:
                y[i, index[label]] = 1
    return y


def measure_rules(
    rules: KeywordRules, examples: Sequence[Example], min_precision: float
) -> tuple[KeywordRules, dict[str, float], dict[str, dict[str, Any]]]:
    """Keep the keywords precise enough on ``examples``; per topic, the kept rules' precision.

    Returns the kept rules, the smoothed precision of each topic's kept keywords and, per
    keyword, what was measured (hits, correct, kept).
    """
    counts: dict[str, dict[str, list[int]]] = {t: {} for t in rules.keywords}
    hits_of = [rules.hits(e.title) for e in examples]
    for example, found in zip(examples, hits_of, strict=True):
        for topic, words in found.items():
            for word in words:
                tally = counts[topic].setdefault(word, [0, 0])
                tally[0] += 1
                tally[1] += topic in example.labels
    kept: dict[str, list[str]] = {}
    report: dict[str, dict[str, Any]] = {}
    for topic, keywords in rules.keywords.items():
        kept[topic] = []
        for word in keywords:
            hits, correct = counts[topic].get(word, [0, 0])
            ok = hits == 0 or correct / hits >= min_precision
            report[f"{topic}:{word}"] = {"hits": hits, "correct": correct, "kept": ok}
            if ok:
                kept[topic].append(word)
    kept_rules = rules.keeping(kept)
    precision: dict[str, float] = {}
    for topic in rules.keywords:
        fired = [
            e for e, h in zip(examples, hits_of, strict=True) if topic in kept_rules.hits(e.title)
        ]
        correct = sum(topic in e.labels for e in fired)
        precision[topic] = (correct + 1) / (len(fired) + 2) if fired else min_precision
    return kept_rules, precision, report


def fit(
    vectors: np.ndarray,
    examples: Sequence[Example],
    descriptions: list[np.ndarray],
    topics: Sequence[Topic],
    embedder: str,
    params: TrainingParams = TrainingParams(),
) -> TrainedModel:
    """A model from examples already embedded (``vectors``) and topic-description embeddings."""
    keys = [t.key for t in topics]
    y = label_matrix(examples, keys)
    head = fit_head(vectors, y, groups_of(examples), descriptions, keys, params.head)
    rules, precision, _ = measure_rules(
        KeywordRules.from_topics(topics), examples, params.min_rule_precision
    )
    return TrainedModel(
        embedder=embedder,
        head=head,
        rules=rules,
        rule_precision=precision,
        examples=list(examples),
        example_vectors=head.centre(vectors).astype(np.float16),
    )


def embed_descriptions(embedder: Embedder, topics: Sequence[Topic]) -> list[np.ndarray]:
    """Each topic's description embeddings, (k, d) per topic."""
    texts = [d for t in topics for d in t.descriptions()]
    vectors = embedder.encode(texts)
    out, start = [], 0
    for topic in topics:
        k = len(topic.descriptions())
        out.append(vectors[start : start + k])
        start += k
    return out


def embed_examples(embedder: Embedder, examples: Sequence[Example], batch: int = 64) -> np.ndarray:
    """The embeddings of the examples' texts, in batches."""
    texts = [e.text() for e in examples]
    parts = [embedder.encode(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def train(
    embedder: Embedder,
    topics: Sequence[Topic],
    examples: Sequence[Example],
    params: TrainingParams = TrainingParams(),
) -> TrainedModel:
    """Embed the examples and the topic descriptions, then fit."""
    if not examples:
        raise TrainingDataError("no training examples")
    vectors = embed_examples(embedder, examples)
    descriptions = embed_descriptions(embedder, topics)
    return fit(vectors, examples, descriptions, topics, embedder.name, params)
