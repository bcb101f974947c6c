"""Semantic search over a workspace's mentions with metadata filters.

While at most ``exact_max`` mentions pass the filters (all of them, without filters), the
in-memory mirror (retrieval.exact) scores them exactly: at 100k mentions that is ~12 ms of
matrix-vector work on 2 cores, with recall 1.0. HNSW recall fell to 0.92 at 100k, where many
mentions share a text (identical vectors crowd the graph), and Chroma's `where` costs ~80 ms
even at 15k. Past ``exact_max`` the query goes to Chroma's HNSW, filters as ``where``.

The query vector can be expanded first (retrieval.query_expansion), so the question's language
does not decide what is found: ``anchors`` (e.g. the matched taxonomy topic's phrase vector,
ask.topic_match.topic_anchor) pull a Russian or Kazakh question towards the English mentions of
the same meaning; ``feedback=True`` adds pseudo-relevance feedback from the first hits. Both
are off unless asked for: without anchors, nothing changes; feedback helped only English
queries on evals/cross_language.py, and hurt foreign ones.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine

from hark.domain import SearchFilters, SearchHit, SearchResult
from hark.errors import ErrorCode, HarkError
from hark.protocols import Embedder
from retrieval.exact import ExactMirror
from retrieval.query_expansion import ANCHOR_BETA, FEEDBACK_K, expand_query, expand_with_anchors
from retrieval.vector_index import VectorHit, VectorIndex
from store import mentions as mention_store

MAX_K = 200


def search_mentions(
    engine: Engine,
    *,
    workspace: str,
    embedder: Embedder,
    index: VectorIndex,
    query: str,
    filters: SearchFilters | None = None,
    k: int = 20,
    exact_max: int = 100_000,
    mirror: ExactMirror | None = None,
    anchors: np.ndarray | None = None,
    anchor_weight: float = ANCHOR_BETA,
    feedback: bool = False,
) -> SearchResult:
    """The ``k`` mentions closest to the query under the filters.

    ``anchors``: unit vectors (rows) of what the question was matched to, folded into the
    query vector with weight ``anchor_weight`` (query_expansion.expand_with_anchors).
    ``feedback``: a second pass with the query expanded by its first ``FEEDBACK_K`` hits
    (their vectors from the in-memory mirror; skipped without one).
    """
    query = query.strip()
    if not query:
        raise HarkError(ErrorCode.VALIDATION, "the query is empty")
    if not 1 <= k <= MAX_K:
        raise HarkError(ErrorCode.VALIDATION, f"k must be between 1 and {MAX_K}")
    filters = filters or SearchFilters()
    qvec = embedder.embed_query(query)
    if anchors is not None and len(anchors):
        qvec = expand_with_anchors(qvec, np.atleast_2d(anchors), beta=anchor_weight)

    def first_k(vector: np.ndarray, n: int) -> tuple[list[VectorHit], int | None, str]:
        if mirror is not None and exact_max > 0:
            exact = mirror.search(vector, filters, n, exact_max)
            if exact is not None:
                return exact[0], exact[1], "exact"
        return index.query(vector, n, None if filters.is_empty() else filters), None, "hnsw"

    hits, candidates, method = first_k(qvec, max(k, FEEDBACK_K) if feedback else k)
    if feedback and mirror is not None and hits:
        top = [h.id for h in hits[:FEEDBACK_K]]
        fed_ids, vectors = mirror.vectors_for(top)
        row = {int(i): n for n, i in enumerate(fed_ids)}
        ordered = vectors[[row[i] for i in top if i in row]]
        if len(ordered):
            hits, candidates, method = first_k(expand_query(qvec, ordered), k)
    hits = hits[:k]

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
