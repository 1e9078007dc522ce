"""Tagging stored documents: every one once, a crash loses nothing (RELIABILITY 18), a missing
or slow classifier leaves documents stored and untagged for the next run (19)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from classifier.model import Item, ModelError
from classifier.service import (
    ModelUnavailable,
    Tagger,
    classify_pending,
    current_model,
    train_and_store,
)
from model import Document, Topic
from pipeline import classify_stage
from storage import DocumentFilter, Store
from storage.schema import classifications

from .conftest import HashEmbedder, settings_for

TITLES = [
    "国家互联网信息办公室关于《数据出境安全评估办法（征求意见稿）》公开征求意见的通知",
    "未成年人网络保护条例",
    "国务院关于印发《“十五五”现代综合交通运输体系发展规划》的通知",
    "生成式人工智能服务管理暂行办法",
    "关于进一步加强小麦秋播工作的通知",
    "个人信息出境认证办法",
    "网络安全审查办法",
    "关于开展移动互联网应用程序备案工作的通知",
    "关键信息基础设施安全保护条例",
    "关于促进房车消费的若干措施",
]


def _fill(store: Store, count: int = 10) -> list[int]:
    return [
        store.save_document(
            Document(
                url=f"https://www.cac.gov.cn/2026-01/{n:02d}/c_{n}.htm",
                source="cac",
                title=TITLES[n],
                body_text="第一条 为了规范……" * 20,
            )
        ).document_id
        for n in range(count)
    ]


def _rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(classifications)).scalar_one())


class FailingEmbedder(HashEmbedder):
    """Works for training and the first ``good`` batches, then raises like a crashed model."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good
        self.armed = False

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.armed:
            if self.good == 0:
                raise RuntimeError("inference crashed")
            self.good -= 1
        return super().encode(texts)


@pytest.fixture
def tagger(store: Store, tmp_path: Path) -> Tagger:
    embedder = HashEmbedder()
    model = train_and_store(store, embedder, settings_for(tmp_path / "unused.db"))
    return Tagger(embedder, model)


def test_every_untagged_document_is_tagged_once(store: Store, tagger: Tagger) -> None:
    ids = _fill(store)
    seen: list[int] = []
    report = classify_pending(store, tagger, batch_size=4, progress=seen.append)
    assert (report.classified, report.left, seen) == (10, 0, [4, 4, 2])
    assert report.model_version == tagger.model.version
    assert "10 tagged by model v" in report.line() and "0 left untagged" in report.line()
    assert _rows(store) == 10
    assert classify_pending(store, tagger).classified == 0  # nothing left to do
    verdict = store.classification(ids[0])
    assert verdict is not None and "cross_border" in verdict.labels  # 数据出境 in the title
    assert "数据出境" in verdict.rule_hits["cross_border"]
    assert [d.id for d in store.list_documents(DocumentFilter(topic="cross_border"))]


def test_a_crash_mid_run_loses_nothing_and_tags_nothing_twice(store: Store, tmp_path: Path) -> None:
    _fill(store)
    embedder = FailingEmbedder(good=1)
    model = train_and_store(store, embedder, settings_for(tmp_path / "unused.db"))
    embedder.armed = True
    with pytest.raises(RuntimeError, match="inference crashed"):
        classify_pending(store, Tagger(embedder, model), batch_size=4)
    assert store.count_pending_classification() == 6  # the first batch was committed
    assert len(store.list_documents()) == 10
    report = classify_pending(store, Tagger(HashEmbedder(), model), batch_size=4)
    assert (report.classified, report.left) == (6, 0)
    assert _rows(store) == 10


def test_a_used_up_time_budget_stops_between_batches(store: Store, tagger: Tagger) -> None:
    _fill(store)
    ticks = iter(range(0, 1000, 10))  # every look at the clock: ten seconds later
    report = classify_pending(
        store, tagger, batch_size=3, time_budget=25, clock=lambda: next(ticks)
    )
    assert report.classified == 6 and report.left == 4
    assert report.stopped == "time budget of 25 s used up"
    assert "stopped: time budget" in report.line()


def test_a_model_is_trained_once_and_reused(store: Store, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "unused.db")
    embedder = HashEmbedder()
    first = current_model(store, embedder, settings)
    calls = embedder.calls
    again = current_model(store, embedder, settings)
    assert again.version == first.version and embedder.calls == calls
    assert [m.version for m in store.models()] == [first.version]


def test_without_a_model_and_without_training_the_error_says_what_to_run(
    store: Store, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path / "unused.db", **{"classifier.auto_train": "false"})
    with pytest.raises(ModelUnavailable, match="regwatch classifier train"):
        current_model(store, HashEmbedder(), settings)


def test_a_model_for_another_embedder_is_refused(tagger: Tagger) -> None:
    other = HashEmbedder()
    other.name = "hash/2"
    with pytest.raises(ModelError, match="trained for hash/1"):
        Tagger(other, tagger.model)


def test_editors_decisions_and_topics_are_learned(store: Store, tmp_path: Path) -> None:
    ids = _fill(store, 6)
    store.add_topic(
        Topic(
            "transport",
            "Transport",
            "交通运输",
            "Transport planning.",
            "交通运输规划。",
            keywords_zh=("交通运输",),
            added_by="alice",
        )
    )
    store.set_topics(ids[2], ["transport"], editor="alice")
    model = train_and_store(store, HashEmbedder(), settings_for(tmp_path / "unused.db"))
    assert model.topics[-1] == "transport"
    info = store.models()[0]
    assert (info.editor_examples, info.topics[-1]) == (1, "transport")
    [verdict] = Tagger(HashEmbedder(), model).classify([Item("综合交通运输体系发展规划")])
    assert "transport" in verdict.labels  # the editor's keyword rule


def test_a_missing_model_file_leaves_documents_stored_and_untagged(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with Store.open(str(db)) as store:
        _fill(store, 3)
    broken = settings_for(db, **{"classifier.model": str(tmp_path / "missing-q4.bin")})
    line = classify_stage(broken)
    assert line.startswith("classifier unavailable, 3 documents stay untagged")
    assert "model could not be loaded" in line and "sentence-transformers" in line
    with Store.open(str(db)) as store:
        assert store.count_pending_classification() == 3
        assert len(store.list_documents()) == 3
