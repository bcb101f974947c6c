"""Benchmark corpora: the real airline tweets (15k) and a 100k set resampled from them.

The 100k set reuses real texts with new ids and dates shifted by whole weeks, so its vectors
come from the embedding cache (no new embedding) while the index holds 100k documents.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from hark.domain import MentionCreate
from hark.prepared import PreparedMention
from ingestion.mapping import load_mapping
from ingestion.pipeline import IngestReport, ingest_file, run_ingest
from ingestion.prepare import prepare
from services.container import Container

ROOT = Path(__file__).resolve().parents[1]
AIRLINE_CSV = ROOT.parent / "shared" / "data" / "twitter-us-airline-sentiment" / "tweets.csv"
MAPPING = "twitter-us-airline-sentiment"
WS_15K = "bench15k"
WS_100K = "bench100k"


def airline_rows() -> list[dict[str, str]]:
    if not AIRLINE_CSV.exists():
        raise SystemExit(f"missing {AIRLINE_CSV}: the benchmarks read ../shared/data")
    with AIRLINE_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def ingest_15k(rt: Container, workspace: str = WS_15K) -> IngestReport:
    return ingest_file(
        rt.engine,
        workspace=workspace,
        path=AIRLINE_CSV,
        mapping=load_mapping(MAPPING),
        batch_size=rt.settings.ingest_batch_size,
        dedup_window=rt.enrich.dedup_window,
        index=rt.index.target(workspace),
        enrich=rt.enrich.enricher.enrich,
    )


def _resampled(total: int, seed: int) -> Iterator[PreparedMention]:
    mapping = load_mapping(MAPPING)
    base: list[MentionCreate] = []
    for row in airline_rows():
        try:
            base.append(mapping.apply(row)[0])
        except ValueError:
            continue
    rng = random.Random(seed)
    for n in range(total):
        src = base[n] if n < len(base) else rng.choice(base)
        shifted = src.created_at - timedelta(weeks=rng.randint(1, 12)) if src.created_at else None
        m = src.model_copy(update={"external_id": f"syn-{n}", "created_at": shifted})
        yield prepare(m, row_no=n + 1)


def build_100k(
    rt: Container, total: int = 100_000, workspace: str = WS_100K, seed: int = 42
) -> IngestReport:
    report = IngestReport()
    return run_ingest(
        rt.engine,
        workspace=workspace,
        prepared=_resampled(total, seed),
        report=report,
        batch_size=2000,
        dedup_window=rt.enrich.dedup_window,
        index=rt.index.target(workspace),
        enrich=rt.enrich.enricher.enrich,
    )


_NOISE = re.compile(r"@\w+|https?://\S+|#|&\w+;")


def queries(n: int = 200, seed: int = 7) -> list[str]:
    """Short search phrases cut from real tweets (mentions and links removed)."""
    rng = random.Random(seed)
    out: list[str] = []
    rows = airline_rows()
    while len(out) < n:
        words = _NOISE.sub(" ", rng.choice(rows)["text"]).split()
        if len(words) >= 4:
            start = rng.randint(0, max(0, len(words) - 6))
            out.append(" ".join(words[start : start + rng.randint(3, 8)]))
    return out
