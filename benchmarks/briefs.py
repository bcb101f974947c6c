"""Brief generation time: the template composer (``use_llm=False``), nothing stored
(``save=False``), a week-long period, at 15k and at 100k mentions.

    python -m benchmarks.briefs              # 15k and 100k (builds the 100k workspace once)
    python -m benchmarks.briefs --skip-100k  # 15k only
    python -m benchmarks.briefs --runs 7

Workspaces: 15k is the airline workspace under evals/out/airline (``prepare_airline``:
14.5k tweets, taxonomy and entity catalogs, every derived field current); 100k is
``bench100k`` in the same home, built as ``python -m evals.ask --100k`` builds it
(``benchmarks.corpus.build_100k``: the airline texts resampled to 100k mentions with dates
shifted back 1-12 weeks, vectors from the cache, then the same catalogs and a re-enrich).
Both zones are America/Los_Angeles. "mentions" below counts the canonical ones (the 100k
rows reuse texts, so dedup marks ~20k as copies: 100k rows, ~79k counted).

Each configuration makes the brief of the default period (``period=None``: the last whole
Monday-Sunday week before the latest mention, as a scheduled Monday brief does) against the
week before and the 4-week baseline, once to warm up (reported as "cold") and then in
``--runs`` rounds, each round taking every configuration in turn (so load from elsewhere on
the machine falls on all alike); min/p50/p95 of the wall time of ``BriefService.make`` and
p50/p95 of each section, with the SQL time and, apart, the time of the workspace-wide
first/last-mention query coverage runs (it reads every row of the workspace). Configurations:
all the workspace's mentions, and one brand (``BriefFilters(brands=["United"])``).

Sections: ``Brief.timings_ms`` times the sections built through the ask engine (volume,
sentiment, rising, praise, emerging, spikes, baseline) and the total; the rest of the build
(brands, notable, series, the previous period's share and ratings, key figures) is timed here
by wrapping the builder's methods in this process only, and "service" is what ``make`` spends
outside ``build_brief`` (vocabulary, the last brief's lookup). Ratios (100k over 15k, each
section's share of the total, p50 over the 2 s target) carry across machines better than
milliseconds: this one has 2 cores.

Writes evals/out/briefs_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, cast

import numpy as np
from sqlalchemy import event, func, select

from briefs import content
from briefs.model import Brief, BriefFilters
from evals.common import OUT
from services.container import Container
from store.tables import mentions

TARGET_MS = 2000.0
TZ = "America/Los_Angeles"
WS_15K = "airline"
# Builder methods Brief.timings_ms does not time, timed here.
WRAPPED = ("brands", "notable", "series", "kpis", "actions", "since_last")
CONFIGS: dict[str, list[str]] = {"all": [], "United": ["United"]}


@contextmanager
def timed_builder(sink: dict[str, float]) -> Iterator[None]:
    """Time the builder's untimed methods (and the evidence calls made outside a section)
    into ``sink`` for as long as the context lasts."""
    originals: dict[str, Callable[..., Any]] = {}
    builder: Any = content._Builder
    for name in WRAPPED:
        originals[name] = getattr(builder, name)

        def wrapper(self: Any, *a: Any, _name: str = name, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return originals[_name](self, *a, **kw)
            finally:
                sink[_name] = sink.get(_name, 0.0) + (time.perf_counter() - t0) * 1000

        setattr(builder, name, wrapper)
    original_build = content.build_brief

    def build(*a: Any, **kw: Any) -> Brief:
        t0 = time.perf_counter()
        try:
            return original_build(*a, **kw)
        finally:
            sink["build_brief"] = (time.perf_counter() - t0) * 1000

    content.build_brief = build
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(builder, name, fn)
        content.build_brief = original_build


def period_size(rt: Container, ws: str, brief: Brief, brands: list[str]) -> int:
    m = mentions.c
    q = select(func.count()).where(
        m.workspace == ws,
        m.created_at >= brief.period.start,
        m.created_at < brief.period.end,
        m.duplicate_of.is_(None),
    )
    if brands:
        q = q.where(m.brand.in_(brands))
    with rt.engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


def workspace_size(rt: Container, ws: str) -> int:
    with rt.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    mentions.c.workspace == ws, mentions.c.duplicate_of.is_(None)
                )
            ).scalar_one()
        )


class SqlClock:
    """SQL time while a brief is made: all statements, and the workspace-wide first/last
    mention query (coverage's collection span) apart, since it scans the whole workspace."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.total = self.span = 0.0
        self.span_calls = 0

    def __enter__(self) -> SqlClock:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *a: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *a: Any) -> None:
        ms = (time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())) * 1000
        self.total += ms
        flat = " ".join(statement.split())
        if flat.startswith("SELECT min(mentions.created_at)") and "created_at >=" not in flat:
            self.span += ms
            self.span_calls += 1


def once(rt: Container, ws: str, brands: list[str]) -> tuple[Brief, dict[str, float]]:
    """One brief: wall time, each section's, and the SQL figures (not part of the sum)."""
    sink: dict[str, float] = {}
    with timed_builder(sink), SqlClock(rt.engine) as sql:
        t0 = time.perf_counter()
        brief = rt.briefs.make(ws, filters=BriefFilters(brands=brands), use_llm=False, save=False)
        wall = (time.perf_counter() - t0) * 1000
    sections = {k: v for k, v in brief.timings_ms.items() if k != "total"}
    sections |= {k: round(v, 1) for k, v in sink.items() if k != "build_brief"}
    known = sum(sections.values())
    # What build_brief spent outside every timed section: the previous period's sentiment
    # share and the two rating counts (each a full analysis), headline and summary.
    sections["other_build"] = round(max(sink.get("build_brief", 0.0) - known, 0.0), 1)
    sections["service"] = round(max(wall - sink.get("build_brief", 0.0), 0.0), 1)
    extra = {"sql": sql.total, "sql_collection_span": sql.span, "span_calls": sql.span_calls}
    return brief, {"wall": wall, **sections, **{f"~{k}": v for k, v in extra.items()}}


def summary(
    rt: Container,
    ws: str,
    brands: list[str],
    brief: Brief,
    cold: float,
    runs: list[dict[str, float]],
) -> dict[str, Any]:
    samples: dict[str, list[float]] = defaultdict(list)
    for t in runs:
        for k, v in t.items():
            samples[k].append(v)
    wall = np.array(samples.pop("wall"))
    p50 = float(np.percentile(wall, 50))
    extra = {k[1:]: float(np.median(v)) for k, v in samples.items() if k.startswith("~")}
    sections = {
        k: {
            "p50": round(float(np.percentile(v, 50)), 1),
            "p95": round(float(np.percentile(v, 95)), 1),
            "share_of_p50": round(float(np.percentile(v, 50)) / p50, 3),
        }
        for k, v in sorted(samples.items(), key=lambda kv: -float(np.median(kv[1])))
        if not k.startswith("~")
    }
    return {
        "workspace": ws,
        "mentions": workspace_size(rt, ws),
        "brands": brands,
        "period": f"{brief.period.start.isoformat()}..{brief.period.end.isoformat()}",
        "period_mentions": period_size(rt, ws, brief, brands),
        "runs": len(wall),
        "cold_ms": round(cold, 1),
        "min_ms": round(float(wall.min()), 1),
        "p50_ms": round(p50, 1),
        "p95_ms": round(float(np.percentile(wall, 95)), 1),
        "p50_over_target": round(p50 / TARGET_MS, 2),
        "sql_ms_p50": round(extra["sql"], 1),
        "collection_span_ms_p50": round(extra["sql_collection_span"], 1),
        "collection_span_calls": int(extra["span_calls"]),
        "sections_ms": sections,
    }


def bench(rt: Container, configs: dict[str, tuple[str, list[str]]], runs: int) -> dict[str, Any]:
    """Each configuration once cold, then ``runs`` rounds that take every configuration in
    turn, so load from elsewhere on the machine falls on all of them alike."""
    first = {name: once(rt, ws, brands) for name, (ws, brands) in configs.items()}
    samples: dict[str, list[dict[str, float]]] = defaultdict(list)
    for _ in range(runs):
        for name, (ws, brands) in configs.items():
            samples[name].append(once(rt, ws, brands)[1])
    out = {}
    for name, (ws, brands) in configs.items():
        brief, cold = first[name]
        out[name] = summary(rt, ws, brands, brief, cold["wall"], samples[name])
        out[name]["load_1m_after"] = round(os.getloadavg()[0], 2)
    return out


def show(label: str, r: dict[str, Any]) -> None:
    print(
        f"\n{label}: {r['mentions']} mentions, brands={r['brands'] or 'all'}, period "
        f"{r['period']} ({r['period_mentions']} mentions)\n"
        f"  make(): cold {r['cold_ms']:.0f} ms, min {r['min_ms']:.0f} ms, "
        f"p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms over {r['runs']} runs "
        f"({r['p50_over_target']:.2f}x the "
        f"{TARGET_MS:.0f} ms target)\n"
        f"  SQL {r['sql_ms_p50']:.0f} ms, of which the workspace's first/last mention query "
        f"{r['collection_span_ms_p50']:.0f} ms ({r['collection_span_calls']} calls)"
    )
    print(f"  {'section':14} {'p50 ms':>9} {'p95 ms':>9} {'share':>7}")
    for k, s in r["sections_ms"].items():
        print(f"  {k:14} {s['p50']:9.1f} {s['p95']:9.1f} {s['share_of_p50']:7.1%}")


def runtime_15k() -> Container:
    from evals.enrichment import prepare_airline

    rt = prepare_airline()
    rt.workspace_settings.set_timezone(WS_15K, TZ)
    return rt


def build_100k_workspace(rt: Container) -> str:
    """``bench100k`` as evals/ask.py's latency_100k builds it (idempotent)."""
    from benchmarks.corpus import WS_100K, build_100k
    from enrichment.catalogs import parse, set_catalog
    from evals.ask import rt_catalogs

    with rt.engine.connect() as conn:
        rows = conn.execute(
            select(func.count()).where(mentions.c.workspace == WS_100K)
        ).scalar_one()
    if rows < 100_000:
        t0 = time.perf_counter()
        build_100k(rt)
        print(f"  built {WS_100K} in {time.perf_counter() - t0:.0f} s", flush=True)
    for kind, text in rt_catalogs():
        k = cast(Literal["taxonomy", "entities"], kind)
        set_catalog(rt.engine, workspace=WS_100K, kind=k, body=parse(k, text=text))
    t0 = time.perf_counter()
    rt.enrich.reenrich(WS_100K)
    print(f"  re-enriched {WS_100K} in {time.perf_counter() - t0:.0f} s", flush=True)
    rt.workspace_settings.set_timezone(WS_100K, TZ)
    return WS_100K


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-100k", action="store_true")
    args = parser.parse_args()
    rt = runtime_15k()
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # Other work on the machine inflates the times: the 1-minute load at the start.
            "load_1m_at_start": round(os.getloadavg()[0], 2),
        },
        "target_ms": TARGET_MS,
        "results": {},
    }
    configs = {f"15k/{name}": (WS_15K, brands) for name, brands in CONFIGS.items()}
    if not args.skip_100k:
        ws = build_100k_workspace(rt)
        configs |= {f"100k/{name}": (ws, brands) for name, brands in CONFIGS.items()}
    results = bench(rt, configs, args.runs)
    report["results"] = results
    for label, r in results.items():
        show(label, r)
    if not args.skip_100k:
        for name in CONFIGS:
            small, big = results[f"15k/{name}"], results[f"100k/{name}"]
            ratio = big["p50_ms"] / small["p50_ms"]
            report.setdefault("ratio_100k_over_15k", {})[name] = round(ratio, 2)
            print(f"\n100k / 15k p50 ({name}): {ratio:.2f}x")
    report["machine"]["load_1m_at_end"] = round(os.getloadavg()[0], 2)
    rt.close()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "briefs_bench.json").write_text(json.dumps(report, indent=2))
    print(f"\nwrote {OUT / 'briefs_bench.json'}")


if __name__ == "__main__":
    main()
