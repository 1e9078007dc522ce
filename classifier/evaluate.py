"""Measuring the classifier: precision, recall and F1 per topic, micro and macro, by language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifier.head import fold_ids
from classifier.model import Example, TrainedModel
from classifier.training import TrainingParams, fit, groups_of, label_matrix
from model.topics import Topic

ALL = "all"


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
        }


def _scores(tp: int, fp: int, fn: int) -> Scores:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp + fn)


@dataclass
class Report:
    """Scores of one slice (all items, or one language)."""

    items: int
    topics: dict[str, Scores] = field(default_factory=dict)
    micro: Scores = Scores(0, 0, 0, 0)
    macro: Scores = Scores(0, 0, 0, 0)
    exact: float = 0.0
    """Share of items whose whole label set was right (no topic counts too)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "micro": self.micro.as_dict(),
            "macro": self.macro.as_dict(),
            "exact_match": round(self.exact, 4),
            "topics": {t: s.as_dict() for t, s in self.topics.items()},
        }


def report(
    gold: Sequence[set[str]], predicted: Sequence[set[str]], topics: Sequence[str]
) -> Report:
    """Per-topic and averaged scores. Macro averages the topics that have gold items."""
    out = Report(items=len(gold))
    totals = [0, 0, 0]
    for topic in topics:
        tp = sum(topic in g and topic in p for g, p in zip(gold, predicted, strict=True))
        fp = sum(topic not in g and topic in p for g, p in zip(gold, predicted, strict=True))
        fn = sum(topic in g and topic not in p for g, p in zip(gold, predicted, strict=True))
        out.topics[topic] = _scores(tp, fp, fn)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    out.micro = _scores(*totals)
    present = [s for s in out.topics.values() if s.support]
    if present:
        out.macro = Scores(
            float(np.mean([s.precision for s in present])),
            float(np.mean([s.recall for s in present])),
            float(np.mean([s.f1 for s in present])),
            sum(s.support for s in present),
        )
    if gold:
        out.exact = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    return out


def evaluate(
    gold: Sequence[set[str]],
    predicted: Sequence[set[str]],
    langs: Sequence[str],
    topics: Sequence[str],
) -> dict[str, Report]:
    """Reports for all items and for each language present."""
    out = {ALL: report(gold, predicted, topics)}
    for lang in sorted(set(langs)):
        idx = [i for i, x in enumerate(langs) if x == lang]
        out[lang] = report([gold[i] for i in idx], [predicted[i] for i in idx], topics)
    return out


def predict_sets(
    model: TrainedModel, vectors: np.ndarray, examples: Sequence[Example]
) -> list[set[str]]:
    items = [e.item() for e in examples]
    return [set(c.labels) for c in model.classify(vectors, items)]


def cross_validate(
    vectors: np.ndarray,
    examples: Sequence[Example],
    descriptions: list[np.ndarray],
    topics: Sequence[Topic],
    *,
    folds: int = 5,
    params: TrainingParams = TrainingParams(),
    seed: int = 7,
) -> list[set[str]]:
    """Out-of-fold predictions: each fold predicted by a model trained on the others.

    Calibration and keyword pruning happen inside each training part, so the held-out fold
    never informs its own predictions. Bilingual pairs of a document share a fold.
    """
    keys = [t.key for t in topics]
    fold = fold_ids(groups_of(examples), label_matrix(examples, keys), folds, seed=seed)
    predicted: list[set[str]] = [set() for _ in examples]
    for k in range(folds):
        test = [int(i) for i in np.flatnonzero(fold == k)]
        train = [int(i) for i in np.flatnonzero(fold != k)]
        model = fit(
            vectors[train], [examples[i] for i in train], descriptions, topics, "cv", params
        )
        for i, labels in zip(
            test, predict_sets(model, vectors[test], [examples[i] for i in test]), strict=True
        ):
            predicted[i] = labels
    return predicted


def format_reports(reports: dict[str, Report], topics: Sequence[str]) -> str:
    """A plain-text table: one block per slice, a row per topic, then micro and macro."""
    lines = []
    for name, rep in reports.items():
        lines.append(f"{name} ({rep.items} items)")
        lines.append(f"  {'topic':<22}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}")
        rows = [(t, rep.topics[t]) for t in topics] + [("micro", rep.micro), ("macro", rep.macro)]
        for label, s in rows:
            lines.append(
                f"  {label:<22}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>8.3f}{s.support:>9}"
            )
        lines.append(f"  {'exact match':<22}{rep.exact:>10.3f}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
