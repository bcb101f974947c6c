"""Recall@20 of the vector index against exact (brute-force) cosine search over the very same
embeddings, with and without filters, at 15k and 100k mentions.

Rows: 'chroma' is Chroma's HNSW alone (filters passed as `where`); 'hark' is Hark's search,
which scores exactly whenever at most HARK_EXACT_SEARCH_MAX mentions pass the filters.
Ties (identical texts resampled into the 100k set) count as hits when the score reaches the
20th exact score.

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
from hark.settings import Settings
from services.container import Container
from store import embeddings as embedding_cache
from store import mentions as mention_store

K = 20
DEFAULT_HOME = Path(__file__).resolve().parents[1] / "benchmarks" / "out" / "home"


class ExactTruth:
    """Brute-force cosine over every canonical mention's cached vector; filters via SQL, so
    the truth shares no code with the in-memory mirror it judges."""

    def __init__(self, rt: Container, workspace: str) -> None:
        self.rt, self.workspace = rt, workspace
        with rt.engine.connect() as conn:
            rows = mention_store.filtered_content(
                conn, workspace=workspace, filters=SearchFilters(), limit=10**9
            )
            vecs = embedding_cache.get_vectors(
                conn, model=rt.embedder.name, content_hashes=[h for _, h in rows]
            )
        self.ids = np.array([i for i, _ in rows], dtype=np.int64)
        self.matrix = np.stack([vecs[h] for _, h in rows])

    def candidates(self, filters: SearchFilters | None) -> np.ndarray:
        if filters is None:
            return np.ones(len(self.ids), dtype=bool)
        with self.rt.engine.connect() as conn:
            rows = mention_store.filtered_content(
                conn, workspace=self.workspace, filters=filters, limit=10**9
            )
        return np.isin(self.ids, [i for i, _ in rows])


def recall(
    rt: Container, truth: ExactTruth, filters: list[SearchFilters | None], hark_path: bool
) -> dict[str, float]:
    workspace = truth.workspace
    qs = queries(len(filters))
    per_query: list[float] = []
    sizes: list[int] = []
    for q, f in zip(qs, filters, strict=True):
        qv = rt.embedder.embed_query(q)
        mask = truth.candidates(f)
        if not mask.any():
            continue
        sizes.append(int(mask.sum()))
        scores = truth.matrix[mask] @ qv
        k = min(K, len(scores))
        kth = np.sort(scores)[-k]
        score_of = dict(zip(truth.ids[mask].tolist(), scores.tolist(), strict=True))
        got = rt.search.query(workspace, q, f, k=K, exact=hark_path)
        hits = [h.mention.id for h in got.hits][:k]
        per_query.append(sum(1 for i in hits if score_of.get(i, -2.0) >= kth - 1e-5) / k)
    return {
        "recall@20": round(float(np.mean(per_query)), 4),
        "min": round(float(np.min(per_query)), 3),
        "median_candidates": int(np.median(sizes)),
    }


def run(rt: Container, workspace: str, n: int) -> dict[str, object]:
    mix = filter_mix(rt.engine, workspace, n)
    truth = ExactTruth(rt, workspace)
    return {
        "no_filter_chroma": recall(rt, truth, [None] * n, hark_path=False),
        "no_filter_hark": recall(rt, truth, [None] * n, hark_path=True),
        "filtered_chroma": recall(rt, truth, mix, hark_path=False),
        "filtered_hark": recall(rt, truth, mix, hark_path=True),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-100k", action="store_true")
    args = parser.parse_args()
    rt = Container(Settings(home=args.home, _env_file=None))  # type: ignore[call-arg]
    ingest_15k(rt)  # no-op when the benchmark already built it
    out: dict[str, object] = {"15k": run(rt, WS_15K, args.queries)}
    if not args.skip_100k:
        build_100k(rt)
        out["100k"] = run(rt, WS_100K, args.queries)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
