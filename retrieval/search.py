"""Semantic search over a workspace's mentions with metadata filters.

HNSW gives poor recall when a filter keeps only a small share of the collection (the graph
walk runs out of allowed neighbours), so a filtered set small enough to score exactly is
scored exactly, from the embedding cache, with the very filters the SQL store applies.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine

from hark.domain import SearchFilters, SearchHit, SearchResult
from hark.errors import ErrorCode, HarkError
from retrieval.embedders import Embedder
from retrieval.vector_index import VectorHit, VectorIndex
from store import embeddings as embedding_cache
from store import mentions as mention_store

MAX_K = 200


def exact_top_k(query: np.ndarray, ids: list[int], matrix: np.ndarray, k: int) -> list[VectorHit]:
    if not ids:
        return []
    scores = matrix @ query.astype(np.float32)
    k = min(k, len(ids))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [VectorHit(ids[i], float(scores[i])) for i in top]


def search_mentions(
    engine: Engine,
    *,
    workspace: str,
    embedder: Embedder,
    index: VectorIndex,
    query: str,
    filters: SearchFilters | None = None,
    k: int = 20,
    exact_max: int = 5000,
) -> SearchResult:
    query = query.strip()
    if not query:
        raise HarkError(ErrorCode.VALIDATION, "the query is empty")
    if not 1 <= k <= MAX_K:
        raise HarkError(ErrorCode.VALIDATION, f"k must be between 1 and {MAX_K}")
    filters = filters or SearchFilters()
    qvec = embedder.embed_query(query)

    hits: list[VectorHit]
    candidates: int | None = None
    method = "hnsw"
    if not filters.is_empty() and exact_max > 0:
        with engine.connect() as conn:
            rows = mention_store.filtered_content(
                conn, workspace=workspace, filters=filters, limit=exact_max
            )
            if len(rows) <= exact_max:
                vectors = embedding_cache.get_vectors(
                    conn, model=embedder.name, content_hashes=[h for _, h in rows]
                )
        if len(rows) <= exact_max:
            method, candidates = "exact", len(rows)
            usable = [(i, h) for i, h in rows if h in vectors]
            matrix = (
                np.stack([vectors[h] for _, h in usable])
                if usable
                else np.zeros((0, qvec.shape[0]), np.float32)
            )
            hits = exact_top_k(qvec, [i for i, _ in usable], matrix, k)
    if method == "hnsw":
        hits = index.query(qvec, k, filters if not filters.is_empty() else None)

    with engine.connect() as conn:
        found = mention_store.get_mentions(conn, workspace=workspace, ids=[h.id for h in hits])
    by_id = {m.id: m for m in found}
    return SearchResult(
        query=query,
        hits=[
            SearchHit(mention=by_id[h.id], score=round(h.score, 6)) for h in hits if h.id in by_id
        ],
        method=method,
        candidates=candidates,
    )
