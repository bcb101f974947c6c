"""Hybrid retrieval: dense (e5) and lexical (BM25) rankings fused by reciprocal rank, then a
diverse top-k (maximal marginal relevance) so quotes are not near-copies of each other.

Used two ways: to search a workspace (the "find examples" questions), and to pick the quotes
that show a driver of a change, where the candidates are the driver's own mentions and
"typical of the group" (closeness to its centroid) joins the fusion so the quotes represent
the group rather than its oddest members.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.lexical import LexicalIndex, tokens

RRF_K = 60
# Two quotes this similar (cosine of e5 vectors) say the same thing: only the first is kept.
NEAR_COPY = 0.95
# The lexical leg's weight when every query term occurs among the candidates; scaled down by
# the share that does (lexical_coverage).
LEXICAL_WEIGHT = 0.5


def rrf(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None
) -> dict[int, float]:
    """Reciprocal rank fusion: robust to the scales of the fused scores, which differ."""
    fused: dict[int, float] = {}
    for r, ranking in enumerate(rankings):
        w = 1.0 if weights is None else weights[r]
        for rank, i in enumerate(ranking):
            fused[i] = fused.get(i, 0.0) + w / (RRF_K + rank + 1)
    return fused


def mmr(
    ranked: Sequence[int], vectors: dict[int, np.ndarray], k: int, *, lam: float = 0.75
) -> list[int]:
    """Greedy maximal marginal relevance over ``ranked`` (best first); near-copies dropped."""
    chosen: list[int] = []
    pool = [i for i in ranked if i in vectors][: max(k * 10, 50)]
    relevance = {i: 1.0 - n / max(len(pool), 1) for n, i in enumerate(pool)}
    while pool and len(chosen) < k:
        best, best_score = None, -np.inf
        for i in pool:
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            if redundancy >= NEAR_COPY:
                continue
            score = lam * relevance[i] - (1 - lam) * redundancy
            if score > best_score:
                best, best_score = i, score
        if best is None:
            break
        chosen.append(best)
        pool.remove(best)
    return chosen


def lexical_coverage(index: LexicalIndex, query_text: str) -> float:
    """Share of the query's distinct terms that occur in the indexed texts.

    Why: a Russian question over English mentions shares at most a name or a loan word
    ("United", "wifi") with them, and BM25 over that one word ranks every mention naming the
    airline first, whatever the complaint; weighting the lexical leg by coverage lets it count
    for a question in the mentions' language and fade to nothing for one in another."""
    terms = list(dict.fromkeys(tokens(query_text)))
    if not terms:
        return 0.0
    return sum(1 for t in terms if len(index.scores(t)[0])) / len(terms)


def _order(ids: np.ndarray, scores: np.ndarray) -> list[int]:
    return [int(ids[i]) for i in np.lexsort((ids, -scores))]


def rank_quotes(
    ids: Sequence[int],
    vectors: np.ndarray,
    texts: Sequence[str],
    *,
    k: int,
    query_vector: np.ndarray | None = None,
    query_text: str = "",
) -> list[int]:
    """The ``k`` best quotes among candidates: typical of the group, relevant to the query
    (dense and lexical) where there is one, and different from each other."""
    if not len(ids):
        return []
    ids_arr = np.asarray(ids, np.int64)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    centroid = unit.mean(axis=0)
    rankings = [_order(ids_arr, unit @ centroid)]
    weights = [1.0]
    if query_vector is not None:
        rankings.append(_order(ids_arr, unit @ query_vector))
        weights.append(1.0)
    if query_text.strip():
        lexical = LexicalIndex(ids, texts)
        lex_ids, lex_scores = lexical.scores(query_text)
        weight = LEXICAL_WEIGHT * lexical_coverage(lexical, query_text) if len(lex_ids) else 0.0
        if weight > 0:
            rankings.append(_order(lex_ids, lex_scores))
            weights.append(weight)
    fused = rrf(rankings, weights)
    ranked = sorted(fused, key=lambda i: (-fused[i], i))
    return mmr(ranked, dict(zip(ids, unit, strict=True)), k)
