"""The embedding head: centred prototypes or logistic regression per topic, calibrated.

Everything here is plain numpy on embedding matrices; nothing knows about documents.

* Embeddings are centred by the training mean and normalised again: multilingual embeddings
  share a large common direction, and removing it lets topics separate.
* A topic with few labelled examples scores by cosine to its prototype (the centred mean of
  its examples and its descriptions). Once it has ``min_examples`` positives and negatives, a
  one-vs-rest logistic regression on scaled centred embeddings takes over.
* Raw scores become probabilities by Platt scaling fitted on out-of-fold scores, and each
  topic gets the threshold that maximises its out-of-fold F1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from classifier.embedders import normalise

LOGISTIC = "logistic"
PROTOTYPE = "prototype"


@dataclass(frozen=True)
class HeadParams:
    """Knobs of the head; defaults chosen by cross-validation on the bundled set."""

    min_examples: int = 20
    """Positives (and negatives) a topic needs before logistic regression replaces its prototype."""
    c: float = 1.0
    """Inverse L2 strength of the logistic regression."""
    description_weight: float = 3.0
    """How many examples each topic description counts as in a prototype."""
    folds: int = 5
    """Folds of the out-of-fold scores that calibration is fitted on."""
    min_threshold: float = 0.2
    max_threshold: float = 0.8


@dataclass
class Head:
    """A fitted head: score = Platt(raw(x)); label when score ≥ threshold."""

    topics: list[str]
    mean: np.ndarray
    kinds: list[str]
    weights: np.ndarray
    bias: np.ndarray
    platt: np.ndarray
    """(T, 2): slope and intercept per topic."""
    thresholds: np.ndarray
    scale: float = field(default=1.0)

    def centre(self, vectors: np.ndarray) -> np.ndarray:
        """Embeddings centred by the training mean, normalised again."""
        return normalise(np.asarray(vectors, dtype=np.float32) - self.mean)

    def raw(self, centred: np.ndarray) -> np.ndarray:
        """(n, T) raw scores: logits for logistic topics, cosines for prototype ones."""
        scaled = np.where(np.array(self.kinds) == LOGISTIC, self.scale, 1.0)
        raw: np.ndarray = (centred @ self.weights.T) * scaled + self.bias
        return raw

    def probabilities(self, centred: np.ndarray) -> np.ndarray:
        """(n, T) calibrated scores in [0, 1]."""
        return _sigmoid(self.raw(centred) * self.platt[:, 0] + self.platt[:, 1])

    def labels(self, probabilities: np.ndarray) -> np.ndarray:
        """(n, T) booleans: the topics kept."""
        return probabilities >= self.thresholds


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def logistic_regression(
    x: np.ndarray, y: np.ndarray, *, c: float, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method; returns weights and bias."""
    n, d = x.shape
    weight = np.ones(n) if sample_weight is None else sample_weight
    design = np.hstack([x, np.ones((n, 1))]).astype(np.float64)
    theta = np.zeros(d + 1)
    penalty = np.full(d + 1, 1.0 / c)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = _sigmoid(design @ theta)
        gradient = design.T @ (weight * (p - y)) + penalty * theta
        curvature = weight * p * (1 - p) + 1e-9
        hessian = (design * curvature[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.max(np.abs(step)) < 1e-6:
            break
    return theta[:-1], float(theta[-1])


def platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept mapping raw scores to probabilities (lightly regularised)."""
    spread = float(np.std(raw)) or 1.0
    a, b = logistic_regression((raw / spread)[:, None], y.astype(np.float64), c=100.0)
    return float(a[0] / spread), b


def best_threshold(prob: np.ndarray, y: np.ndarray, low: float, high: float) -> float:
    """The threshold in [low, high] with the best F1; the middle of the best plateau."""
    grid = np.round(np.arange(low, high + 1e-9, 0.01), 2)
    positives = y.astype(bool)
    scores = []
    for t in grid:
        predicted = prob >= t
        tp = np.sum(predicted & positives)
        denominator = predicted.sum() + positives.sum()
        scores.append(2 * tp / denominator if denominator else 0.0)
    scores_arr = np.array(scores)
    best = np.flatnonzero(scores_arr >= scores_arr.max() - 1e-9)
    return float(grid[best[len(best) // 2]])


def fold_ids(groups: Sequence[str], labels: np.ndarray, folds: int, seed: int = 7) -> np.ndarray:
    """A fold per example; examples sharing a group (a bilingual pair) share a fold.

    Groups are dealt round-robin, rarest label first, so every fold sees every topic.
    """
    names = sorted(set(groups))
    rng = np.random.default_rng(seed)
    rng.shuffle(names)
    index = {name: i for i, name in enumerate(names)}
    member = np.array([index[g] for g in groups])
    group_labels = np.zeros((len(names), labels.shape[1]), dtype=bool)
    np.logical_or.at(group_labels, member, labels.astype(bool))
    frequency = labels.sum(axis=0)
    rarity = np.where(group_labels, frequency, np.inf).min(axis=1)
    order = np.argsort(rarity, kind="stable")
    group_fold = np.empty(len(names), dtype=int)
    group_fold[order] = np.arange(len(names)) % folds
    folds_of: np.ndarray = group_fold[member]
    return folds_of


def choose_kind(y: np.ndarray, params: HeadParams) -> str:
    """Logistic regression once a topic has enough positives and negatives, else prototype."""
    positives = int(y.sum())
    negatives = len(y) - positives
    enough = positives >= params.min_examples and negatives >= params.min_examples
    return LOGISTIC if enough else PROTOTYPE


def _fit_raw(
    centred: np.ndarray,
    y: np.ndarray,
    descriptions: np.ndarray,
    params: HeadParams,
    scale: float,
    kind: str,
) -> tuple[np.ndarray, float]:
    """The raw scorer of one topic: weight vector and bias."""
    if kind == LOGISTIC and 0 < y.sum() < len(y):
        x = np.vstack([centred, descriptions]) * scale
        target = np.concatenate([y, np.ones(len(descriptions))])
        n_pos = target.sum()
        n = len(target)
        balance = np.where(target == 1, n / (2 * n_pos), n / (2 * (n - n_pos)))
        return logistic_regression(x, target, c=params.c, sample_weight=balance)
    prototype = centred[y == 1].sum(axis=0) + params.description_weight * descriptions.mean(axis=0)
    return normalise(prototype[None, :])[0], 0.0


def _fit_raw_all(
    centred: np.ndarray,
    y: np.ndarray,
    descriptions: list[np.ndarray],
    params: HeadParams,
    scale: float,
    kinds: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    fitted = [
        _fit_raw(centred, y[:, t], desc, params, scale, kinds[t])
        for t, desc in enumerate(descriptions)
    ]
    weights = np.array([w for w, _ in fitted], dtype=np.float32)
    return weights, np.array([b for _, b in fitted], dtype=np.float32)


def fit_head(
    vectors: np.ndarray,
    y: np.ndarray,
    groups: Sequence[str],
    descriptions: list[np.ndarray],
    topics: list[str],
    params: HeadParams = HeadParams(),
) -> Head:
    """Fit the head on embeddings ``vectors`` (n, d) with 0/1 labels ``y`` (n, T).

    ``descriptions[t]`` holds the embeddings of topic t's descriptions (k, d).
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    y = np.asarray(y, dtype=np.float64)
    mean = vectors.mean(axis=0)
    centred = normalise(vectors - mean)
    centred_desc = [normalise(np.asarray(d, dtype=np.float32) - mean) for d in descriptions]
    scale = float(np.sqrt(vectors.shape[1]))
    kinds = [choose_kind(y[:, t], params) for t in range(len(topics))]
    weights, bias = _fit_raw_all(centred, y, centred_desc, params, scale, kinds)
    head = Head(
        topics,
        mean,
        kinds,
        weights,
        bias,
        np.tile([1.0, 0.0], (len(topics), 1)),
        np.full(len(topics), 0.5),
        scale,
    )

    # Calibration: out-of-fold raw scores, each from a head fitted without that fold.
    folds = fold_ids(groups, y, params.folds)
    oof = np.zeros_like(y)
    for k in range(params.folds):
        test = folds == k
        if not test.any() or test.all():
            continue
        fold_w, fold_b = _fit_raw_all(centred[~test], y[~test], centred_desc, params, scale, kinds)
        fold_head = Head(topics, mean, kinds, fold_w, fold_b, head.platt, head.thresholds, scale)
        oof[test] = fold_head.raw(centred[test])
    for t in range(len(topics)):
        if 0 < y[:, t].sum() < len(y):
            head.platt[t] = platt(oof[:, t], y[:, t])
        else:
            head.platt[t] = (10.0, -5.0)  # cosine 0.5 ↦ 0.5: no evidence either way
        prob = _sigmoid(oof[:, t] * head.platt[t, 0] + head.platt[t, 1])
        head.thresholds[t] = best_threshold(
            prob, y[:, t], params.min_threshold, params.max_threshold
        )
    return head
