"""Keeps the vector index in step with the SQL store (the store is the truth)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine

from enrichment.vector_stage import VectorEnrichment
from hark.documents import embed_text
from hark.protocols import Embedder
from retrieval.documents import index_metadata
from retrieval.vector_index import VectorIndex
from store import embeddings as embedding_cache
from store import enrichment as enrichment_store
from store import index_state
from store import mentions as mention_store


@dataclass
class IndexStats:
    indexed: int = 0
    embedded: int = 0
    cache_hits: int = 0
    embed_seconds: float = 0.0
    index_seconds: float = 0.0
    enrich_seconds: float = 0.0
    clauses_embedded: int = 0


@dataclass
class DriftReport:
    sql_count: int
    index_count: int
    pending: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not (self.pending or self.missing or self.stale or self.orphaned)


@dataclass
class IndexTarget:
    """Where ingested mentions get embedded and indexed: ingestion syncs it after each batch
    commits (and takes None to store only)."""

    embedder: Embedder
    index: VectorIndex
    batch_size: int = 64
    enrichment: VectorEnrichment | None = None

    def sync(
        self,
        engine: Engine,
        workspace: str,
        ids: Sequence[int] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> IndexStats:
        """Index the pending mentions of a workspace (only ``ids``, when given)."""
        return sync_index(
            engine,
            workspace=workspace,
            embedder=self.embedder,
            index=self.index,
            batch_size=self.batch_size,
            ids=ids,
            enrichment=self.enrichment,
            on_progress=on_progress,
        )


def embed_with_cache(
    engine: Engine,
    embedder: Embedder,
    items: dict[str, str],
    stats: IndexStats,
    batch_size: int = 64,
) -> dict[str, np.ndarray]:
    """content_hash -> vector, embedding only the contents the cache has never seen."""
    with engine.connect() as conn:
        vectors = embedding_cache.get_vectors(conn, model=embedder.name, content_hashes=list(items))
    missing = [h for h in items if h not in vectors]
    stats.cache_hits += len(items) - len(missing)
    if missing:
        t0 = time.perf_counter()
        matrix = np.concatenate(
            [
                embedder.embed_passages([items[h] for h in missing[i : i + batch_size]])
                for i in range(0, len(missing), batch_size)
            ]
        )
        stats.embed_seconds += time.perf_counter() - t0
        stats.embedded += len(missing)
        new = dict(zip(missing, matrix, strict=True))
        with engine.begin() as conn:
            embedding_cache.put_vectors(conn, model=embedder.name, vectors=new)
        vectors.update(new)
    return vectors


def sync_index(
    engine: Engine,
    *,
    workspace: str,
    embedder: Embedder,
    index: VectorIndex,
    batch_size: int = 64,
    page_size: int = 512,
    ids: Sequence[int] | None = None,
    on_progress: Callable[[int], None] | None = None,
    stats: IndexStats | None = None,
    enrichment: VectorEnrichment | None = None,
) -> IndexStats:
    """Embed (cache first, ``batch_size`` texts per model call) and upsert every pending
    canonical mention, a page at a time. ``enrichment`` labels what needs the vectors
    (sentiment where missing, topics) here, where they are at hand; its labels are written in
    the same transaction that marks the page indexed.

    A page is marked indexed in SQL only after Chroma accepted it, so a crash anywhere leaves
    the page pending and the next sync redoes it.
    """
    stats = stats or IndexStats()
    while True:
        with engine.connect() as conn:
            rows = mention_store.pending_for_index(
                conn, workspace=workspace, limit=page_size, ids=ids
            )
        if not rows:
            return stats
        contents = {r.content_hash: embed_text(r.text, r.title) for r in rows}
        vectors = embed_with_cache(engine, embedder, contents, stats, batch_size)
        notes = None
        if enrichment is not None:
            t0 = time.perf_counter()
            notes = enrichment.annotate(workspace, rows, vectors)
            stats.enrich_seconds += time.perf_counter() - t0
            stats.clauses_embedded += notes.clauses_embedded
        labels = notes.sentiments if notes is not None else {}
        metas = [
            index_metadata(r, {"sentiment": labels[r.id].label} if r.id in labels else None)
            for r in rows
        ]
        t0 = time.perf_counter()
        index.upsert([r.id for r in rows], np.stack([vectors[r.content_hash] for r in rows]), metas)
        with engine.begin() as conn:
            mention_store.set_sentiments(
                conn, items=[(r.id, labels[r.id], r.updated_at) for r in rows if r.id in labels]
            )
            if notes is not None and notes.topic_version is not None:
                enrichment_store.replace_topics(
                    conn, workspace=workspace, version=notes.topic_version, items=notes.topics
                )
            index_state.mark_indexed(
                conn,
                workspace=workspace,
                items=[(r.id, md["doc"], r.updated_at) for r, md in zip(rows, metas, strict=True)],
            )
        stats.index_seconds += time.perf_counter() - t0
        stats.indexed += len(rows)
        if on_progress:
            on_progress(len(rows))


def check_drift(engine: Engine, *, workspace: str, index: VectorIndex) -> DriftReport:
    """Compare every canonical mention with its index document (ids and metadata hashes)."""
    indexed = index.metadata()
    report = DriftReport(sql_count=0, index_count=len(indexed))
    seen: set[int] = set()
    with engine.connect() as conn:
        for row in mention_store.iter_index_rows(conn, workspace=workspace):
            report.sql_count += 1
            seen.add(row.id)
            if row.indexed_hash is None:
                report.pending.append(row.id)
                continue
            doc = indexed.get(row.id)
            if doc is None:
                report.missing.append(row.id)
            elif doc.get("doc") != index_metadata(row)["doc"]:
                report.stale.append(row.id)
    report.orphaned = sorted(set(indexed) - seen)
    return report


def repair_drift(
    engine: Engine, *, workspace: str, index: VectorIndex, report: DriftReport
) -> None:
    """Delete orphans and mark missing/stale documents pending; a sync then rewrites them."""
    index.delete(report.orphaned)
    redo = report.missing + report.stale
    with engine.begin() as conn:
        index_state.bump_epoch(conn, workspace=workspace)
        for start in range(0, len(redo), 400):
            mention_store.reset_indexed(conn, ids=redo[start : start + 400])


def rebuild_index(
    engine: Engine,
    *,
    workspace: str,
    embedder: Embedder,
    index: VectorIndex,
    batch_size: int = 256,
    on_progress: Callable[[int], None] | None = None,
) -> IndexStats:
    """Drop the collection and rebuild it from SQL; vectors come from the embedding cache."""
    # SQL first: a crash after this leaves everything pending, which any sync repairs.
    with engine.begin() as conn:
        mention_store.clear_indexed(conn, workspace=workspace)
        index_state.bump_epoch(conn, workspace=workspace)
    index.drop()
    return sync_index(
        engine,
        workspace=workspace,
        embedder=embedder,
        index=index,
        batch_size=batch_size,
        on_progress=on_progress,
    )
