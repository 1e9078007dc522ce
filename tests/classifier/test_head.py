"""The embedding head on synthetic embeddings: what each part is for, shown on data it must fit."""

from __future__ import annotations

import numpy as np

from classifier.embedders import normalise
from classifier.head import (
    LOGISTIC,
    PROTOTYPE,
    HeadParams,
    best_threshold,
    fit_head,
    fold_ids,
    logistic_regression,
    platt,
)

RNG = np.random.default_rng(3)
D = 32


def clusters(per_topic: dict[int, int], noise: float = 0.35, shared: float = 3.0):  # type: ignore[no-untyped-def]
    """Unit vectors around one centre per topic, all sharing a strong common direction."""
    common = np.zeros(D)
    common[0] = shared
    centres = normalise(RNG.normal(size=(3, D)))
    x, y = [], []
    for topic, count in per_topic.items():
        for _ in range(count):
            x.append(common + centres[topic] + noise * RNG.normal(size=D))
            row = np.zeros(3)
            row[topic] = 1
            y.append(row)
    for _ in range(40):  # items of no topic
        x.append(common + noise * 2 * RNG.normal(size=D))
        y.append(np.zeros(3))
    descriptions = [normalise((common + c)[None, :]) for c in centres]
    return normalise(np.array(x)), np.array(y), descriptions


def test_logistic_regression_separates_and_does_not_shrink_the_bias() -> None:
    x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    w, b = logistic_regression(x + 10, y, c=100.0)  # shifted: only an unshrunk bias fits it
    assert w[0] > 0
    p = 1 / (1 + np.exp(-((x + 10) @ w + b)))
    assert np.all(p[:2] < 0.2) and np.all(p[2:] > 0.8)


def test_platt_is_monotone_and_threshold_is_the_middle_of_the_best_plateau() -> None:
    raw = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    a, b = platt(raw, np.array([0, 0, 0, 1, 1, 1]))
    assert a > 0 and abs(b) < 0.5
    prob = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    assert 0.45 <= best_threshold(prob, np.array([0, 0, 0, 1, 1, 1]), 0.2, 0.8) <= 0.55


def test_folds_keep_groups_together_and_spread_every_topic() -> None:
    groups = [f"g{i // 2}" for i in range(40)]  # pairs
    labels = np.zeros((40, 2))
    labels[:10, 0] = 1
    labels[10:30, 1] = 1
    folds = fold_ids(groups, labels, 5)
    for i in range(0, 40, 2):
        assert folds[i] == folds[i + 1]
    for k in range(5):
        assert labels[folds == k, 0].sum() >= 2 and labels[folds == k, 1].sum() >= 2


def test_a_topic_with_examples_enough_gets_logistic_regression_others_a_prototype() -> None:
    x, y, descriptions = clusters({0: 40, 1: 40, 2: 5})
    head = fit_head(x, y, [f"#{i}" for i in range(len(x))], descriptions, ["a", "b", "c"])
    assert head.kinds == [LOGISTIC, LOGISTIC, PROTOTYPE]
    probabilities = head.probabilities(head.centre(x))
    assert probabilities.min() >= 0 and probabilities.max() <= 1
    predicted = head.labels(probabilities)
    accuracy = (predicted == y.astype(bool)).mean(axis=0)
    assert np.all(accuracy > 0.9), accuracy
    assert np.all((head.thresholds >= 0.2) & (head.thresholds <= 0.8))


def test_centring_removes_the_shared_direction() -> None:
    x, y, descriptions = clusters({0: 30, 1: 30, 2: 30}, noise=0.9, shared=6.0)
    params = HeadParams(min_examples=1000)  # prototypes only: cosine is what centring changes
    head = fit_head(x, y, [f"#{i}" for i in range(len(x))], descriptions, ["a", "b", "c"], params)
    raw_cos = x @ normalise(np.array([x[y[:, t] == 1].mean(axis=0) for t in range(3)])).T
    centred_cos = head.raw(head.centre(x))
    spread_raw = raw_cos[y == 1].mean() - raw_cos[y == 0].mean()
    spread_centred = centred_cos[y == 1].mean() - centred_cos[y == 0].mean()
    assert spread_centred > 2 * spread_raw
