"""Recall@20 of the vector index against exact (brute-force) cosine search over the very same
embeddings, with and without filters, at 15k and 100k mentions.

Rows: 'chroma' is Chroma's HNSW alone (filters passed as `where`); 'hark' is Hark's search,
which scores small filtered sets exactly. Ties (identical texts resampled into the 100k set)
count as hits when the score reaches the 20th exact score.

    python -m evals.index_recall [--home DIR]   # reuses the benchmark's home if built
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from benchmarks.corpus import WS_15K, WS_100K, build_100k, ingest_15k, queries
from benchmarks.filters import filter_mix
from hark.domain import SearchFilters
from hark.runtime import Runtime
from hark.settings import Settings
from retrieval.search import search_mentions
from store import embeddings as embedding_cache
from store import mentions as mention_store

K = 20
DEFAULT_HOME = Path(__file__).resolve().parents[1] / "benchmarks" / "out" / "home"


def _exact_space(
    rt: Runtime, workspace: str, filters: SearchFilters | None
) -> tuple[np.ndarray, np.ndarray]:
    with rt.engine.connect() as conn:
        rows = mention_store.filtered_content(
            conn, workspace=workspace, filters=filters or SearchFilters(), limit=10**9
        )
        vecs = embedding_cache.get_vectors(
            conn, model=rt.embedder.name, content_hashes=[h for _, h in rows]
        )
    ids = np.array([i for i, _ in rows], dtype=np.int64)
    matrix = (
        np.stack([vecs[h] for _, h in rows]) if rows else np.zeros((0, rt.embedder.dim), np.float32)
    )
    return ids, matrix


def recall(
    rt: Runtime, workspace: str, filters: list[SearchFilters | None], hark_path: bool
) -> dict[str, float]:
    qs = queries(len(filters))
    full_ids, full_matrix = _exact_space(rt, workspace, None)
    scores_all: list[float] = []
    sizes: list[int] = []
    for q, f in zip(qs, filters, strict=True):
        qv = rt.embedder.embed_query(q)
        ids, matrix = (full_ids, full_matrix) if f is None else _exact_space(rt, workspace, f)
        if len(ids) == 0:
            continue
        sizes.append(len(ids))
        exact_scores = matrix @ qv
        k = min(K, len(ids))
        kth = np.sort(exact_scores)[-k]
        score_of = dict(zip(ids.tolist(), exact_scores.tolist(), strict=True))
        if hark_path:
            got = rt.search(workspace, q, f, k=K)
        else:
            got = search_mentions(
                rt.engine,
                workspace=workspace,
                embedder=rt.embedder,
                index=rt.index(workspace),
                query=q,
                filters=f,
                k=K,
                exact_max=0,
            )
        hits = [h.mention.id for h in got.hits][:k]
        good = sum(1 for i in hits if score_of.get(i, -2.0) >= kth - 1e-5)
        scores_all.append(good / k)
    return {
        "recall@20": round(float(np.mean(scores_all)), 4),
        "min": round(float(np.min(scores_all)), 3),
        "median_candidates": int(np.median(sizes)),
    }


def run(rt: Runtime, workspace: str, n: int) -> dict[str, object]:
    mix = filter_mix(rt.engine, workspace, n)
    return {
        "no_filter": recall(rt, workspace, [None] * n, hark_path=False),
        "filtered_chroma": recall(rt, workspace, mix, hark_path=False),
        "filtered_hark": recall(rt, workspace, mix, hark_path=True),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-100k", action="store_true")
    args = parser.parse_args()
    rt = Runtime(Settings(home=args.home, _env_file=None))  # type: ignore[call-arg]
    ingest_15k(rt)  # no-op when the benchmark already built it
    out: dict[str, object] = {"15k": run(rt, WS_15K, args.queries)}
    if not args.skip_100k:
        build_100k(rt)
        out["100k"] = run(rt, WS_100K, args.queries)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
