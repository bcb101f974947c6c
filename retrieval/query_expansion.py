"""Query expansion (Rocchio): a query vector moved towards vectors that say what it means.

Why: e5 places a question and a mention of the same meaning closer when they share a
language, so a Russian or Kazakh question over English tweets lands on the right region only
roughly (precision@5 by labelled reason on ``python -m evals.cross_language``: 0.60 for English
queries, 0.24-0.42 for the same meanings in ru/kk/ar/fa). Two sources of expansion:

- anchors (``expand_with_anchors``): the phrases of the taxonomy topic the question was
  matched to (ask.topic_match.topic_anchor). They are written in the workspace's language and
  wording, so folding them in carries a foreign question to where the mentions are: ru/kk/ar/
  fa 0.33 -> 0.62 mean precision@5, English 0.60 -> 0.75 (ANCHOR_BETA, chosen on that eval).
- pseudo-relevance feedback (``expand_query``): the query's own first hits. Measured on the
  same eval it does NOT help a foreign query (k=10, beta=1: ru/kk/ar/fa 0.33 -> 0.30; no k in
  3..30 or beta in 0.5..3 gained more than 0.01): its first hits are mostly wrong, and their
  centroid drags the query further off. It helps English a little (0.60 -> 0.65), which is
  why search keeps it behind a parameter that defaults to off.
"""

from __future__ import annotations

import numpy as np

# Chosen on evals/cross_language.py (precision@5 by labelled reason over the airline tweets,
# en/ru/kk/ar/fa queries; the module prints the grid). Anchor weight: 1.0 gave 0.58 (non-en
# mean), 1.5 0.62, 2.0 0.64; 1.5 leaves the question's own words a larger share for a small
# loss. Feedback: the best English setting (k=10, beta=1), used only when asked for.
ANCHOR_BETA = 1.5
FEEDBACK_K = 10
ALPHA = 1.0
BETA = 1.0


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def rocchio(
    query: np.ndarray,
    feedback: np.ndarray,
    *,
    alpha: float = ALPHA,
    beta: float = BETA,
) -> np.ndarray:
    """``alpha * q + beta * mean(unit feedback rows)``, unit length (float32).

    Both parts are unit vectors first, so ``beta / alpha`` is the feedback's share whatever
    the embedder's norms; with no feedback rows the (normalised) query comes back unchanged.
    """
    q = _unit(np.asarray(query, dtype=np.float32).ravel())
    rows = np.asarray(feedback, dtype=np.float32).reshape(-1, q.shape[0])
    if not len(rows) or beta == 0.0:
        return q
    rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return _unit(alpha * q + beta * _unit(rows.mean(axis=0))).astype(np.float32)


def expand_query(
    query: np.ndarray,
    hit_vectors: np.ndarray,
    *,
    k: int = FEEDBACK_K,
    alpha: float = ALPHA,
    beta: float = BETA,
) -> np.ndarray:
    """The query expanded with its first ``k`` hits (rows of ``hit_vectors``, best first,
    from the same collection the second pass will search)."""
    return rocchio(query, np.asarray(hit_vectors)[:k], alpha=alpha, beta=beta)


def expand_with_anchors(
    query: np.ndarray, anchors: np.ndarray, *, beta: float = ANCHOR_BETA
) -> np.ndarray:
    """The query moved towards ``anchors`` (rows: unit vectors of what the question was
    matched to, e.g. a taxonomy topic's phrases), their mean weighted ``beta``."""
    return rocchio(query, anchors, alpha=ALPHA, beta=beta)
