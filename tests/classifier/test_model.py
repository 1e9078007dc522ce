"""A trained model: its verdicts explain themselves, and it survives storage byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.model import Example, Item, ModelError, TrainedModel
from classifier.training import train
from model.topics import bundled_topics

from .conftest import HashEmbedder

EXAMPLES = [
    *[
        Example(f"关于数据出境安全评估的第{i}号通知", ("cross_border",), "zh", source=f"u{i}")
        for i in range(12)
    ],
    *[
        Example(f"未成年人网络保护第{i}号规定", ("minors",), "zh", source=f"m{i}")
        for i in range(12)
    ],
    *[Example(f"关于农业机械补贴的第{i}号通知", (), "zh") for i in range(12)],
]


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return train(HashEmbedder(), bundled_topics(), EXAMPLES)


def test_verdicts_carry_every_score_labels_rule_hits_and_neighbours(model: TrainedModel) -> None:
    embedder = HashEmbedder()
    items = [Item("数据出境安全评估第99号通知"), Item("关于农业机械补贴的第99号通知")]
    first, second = model.classify(embedder.encode([i.text() for i in items]), items)
    assert set(first.scores) == set(model.topics)
    assert all(0 <= v <= 1 for v in first.scores.values())
    assert "cross_border" in first.labels
    assert first.rule_hits == {"cross_border": ["数据出境", "出境安全评估"]}
    assert first.scores["cross_border"] >= model.rule_precision["cross_border"]
    assert len(first.neighbours) == 3
    assert first.neighbours[0].labels == ("cross_border",)
    assert first.neighbours[0].similarity >= first.neighbours[-1].similarity
    assert second.labels == () and second.lang == "zh"


def test_a_stored_model_gives_the_same_verdicts(model: TrainedModel) -> None:
    embedder = HashEmbedder()
    items = [Item(e.title) for e in EXAMPLES[::5]]
    vectors = embedder.encode([i.text() for i in items])
    again = TrainedModel.from_bytes(model.to_bytes(), version=7)
    assert again.version == 7 and again.embedder == "hash/1"
    for a, b in zip(model.classify(vectors, items), again.classify(vectors, items), strict=True):
        assert a.labels == b.labels
        assert a.scores == pytest.approx(b.scores, abs=2e-3)  # neighbours kept as float16
    assert again.rules.ignore == model.rules.ignore


@pytest.mark.parametrize("damage", [b"", b"not a model", b"PK\x03\x04broken"])
def test_a_damaged_model_is_a_clear_error(damage: bytes) -> None:
    with pytest.raises(ModelError, match=r"damaged.*regwatch classifier train"):
        TrainedModel.from_bytes(damage, version=3)


def test_a_model_of_another_format_is_refused(model: TrainedModel) -> None:
    import io
    import json

    with np.load(io.BytesIO(model.to_bytes())) as arrays:
        parts = dict(arrays)
    meta = json.loads(parts["meta"].tobytes())
    meta["format"] = 99
    parts["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **parts)
    with pytest.raises(ModelError, match="format 99"):
        TrainedModel.from_bytes(buffer.getvalue())
