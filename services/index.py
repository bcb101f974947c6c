"""The index service: each workspace's Chroma collection and exact mirror, and keeping them in
step with SQL (syncs after writes, catch-up on start, drift checks, rebuilds)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from hark.settings import Settings
from ingestion.pipeline import IndexTarget, is_write_conflict, retry_backoff
from retrieval.exact import ExactMirror
from retrieval.indexer import (
    DriftReport,
    IndexStats,
    check_drift,
    rebuild_index,
    repair_drift,
)
from retrieval.vector_index import ChromaIndex, collection_name, legacy_collection_name
from store import mentions as mention_store

if TYPE_CHECKING:
    from enrichment.vector_stage import VectorEnrichment
    from retrieval.embedders import Embedder

log = logging.getLogger("hark.index")
T = TypeVar("T")

# A sync is run again this many times after losing a race (a deadlock with a writer) ...
SYNC_CONFLICT_RETRIES = 3
# ... and once after losing its database connection (a restart, a dropped socket).
SYNC_DROP_RETRIES = 1


@dataclass
class _SyncQueue:
    """Background sync requests of one workspace: counted, and served by one running sync."""

    requested: int = 0
    served: int = 0
    running: bool = False


@dataclass(frozen=True)
class IndexCounts:
    mentions: int
    duplicates: int
    pending_index: int
    indexed_documents: int


def _retry_transient(run: Callable[[], T], *, what: str) -> T:
    """``run()``, again after a lost race or (once) a dropped connection; whatever else
    fails, or keeps failing, is raised."""
    conflicts = drops = 0
    while True:
        try:
            return run()
        except DBAPIError as exc:
            if exc.connection_invalidated and drops < SYNC_DROP_RETRIES:
                drops += 1
            elif is_write_conflict(exc) and conflicts < SYNC_CONFLICT_RETRIES:
                conflicts += 1
            else:
                raise
            cause = type(exc.orig or exc).__name__
            log.warning("%s failed (%s); running it again", what, cause)
            time.sleep(retry_backoff(conflicts + drops))


class IndexService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        embedder: Callable[[], Embedder],
        chroma: Callable[[], Any],
        vector_enrichment: Callable[[], VectorEnrichment],
    ) -> None:
        self.settings = settings
        # Providers, not values: the engine, model and client are built on first use, so a
        # command that needs none of them (``hark keys list``) never loads them.
        self._engine = engine
        self._embedder = embedder
        self._chroma = chroma
        self._vector_enrichment = vector_enrichment
        self._lock = threading.Lock()
        self._collections: dict[str, ChromaIndex] = {}
        self._mirrors: dict[str, ExactMirror] = {}
        self._sync_locks: dict[str, threading.Lock] = {}
        self._sync_queues: dict[str, _SyncQueue] = {}

    def collection(self, workspace: str) -> ChromaIndex:
        """The workspace's vector collection (one per workspace and embedder)."""
        with self._lock:
            if workspace not in self._collections:
                s, name = self.settings, self._embedder().name
                self._collections[workspace] = ChromaIndex(
                    self._chroma(),
                    collection_name(workspace, name),
                    m=s.hnsw_m,
                    ef_construction=s.hnsw_ef_construction,
                    ef_search=s.hnsw_ef_search,
                    legacy_name=legacy_collection_name(workspace, name),
                )
            return self._collections[workspace]

    def mirror(self, workspace: str) -> ExactMirror | None:
        """The in-memory exact-search mirror, or None where exact search is switched off."""
        if self.settings.exact_search_max <= 0:
            return None
        with self._lock:
            if workspace not in self._mirrors:
                embedder = self._embedder()
                self._mirrors[workspace] = ExactMirror(
                    self._engine(), workspace=workspace, model=embedder.name, dim=embedder.dim
                )
            return self._mirrors[workspace]

    def target(self, workspace: str) -> IndexTarget:
        """Where ingestion sends what it stored: embedded, enriched from vectors, indexed."""
        return IndexTarget(
            self._embedder(),
            self.collection(workspace),
            self.settings.embed_batch_size,
            self._vector_enrichment(),
        )

    def sync(self, workspace: str, on_progress: Callable[[int], None] | None = None) -> IndexStats:
        """Index what is stored but not indexed (one sync per workspace at a time in this
        process; across processes the per-row conditional marking keeps it correct). A sync
        that loses a race with a writer, or its database connection, is run again: pages
        already marked indexed are not redone. Other errors are raised."""
        with self._named_lock(workspace):
            return _retry_transient(
                lambda: self.target(workspace).sync(
                    self._engine(), workspace, on_progress=on_progress
                ),
                what=f"{workspace}: index sync",
            )

    def sync_in_background(self, workspace: str) -> None:
        """``sync`` for work queued after a push or at start-up: never raises (a failure is
        logged and its mentions stay pending for the next sync), and requests that arrive
        while a sync of the workspace runs are served by one more pass of that sync, not by
        threads queueing on its lock."""
        with self._lock:
            queue = self._sync_queues.setdefault(workspace, _SyncQueue())
            queue.requested += 1
            if queue.running:
                return
            queue.running = True
        try:
            while True:
                with self._lock:
                    # Checked and cleared under the same lock a request takes: a request is
                    # either seen here or finds no sync running and starts its own.
                    if queue.served == queue.requested:
                        queue.running = False
                        return
                    target = queue.requested
                try:
                    self.sync(workspace)
                except Exception:
                    log.exception(
                        "%s: background index sync failed; its mentions stay pending", workspace
                    )
                with self._lock:
                    queue.served = target
        except BaseException:
            with self._lock:
                queue.running = False
            raise

    def catch_up(self) -> None:
        """Index every workspace's pending mentions (left by a crash or a stopped server).
        Runs in a server thread, so it never raises: what fails stays pending."""
        try:
            with self._engine().connect() as conn:
                workspaces = mention_store.workspaces_with_pending(conn)
        except Exception:
            log.exception("index catch-up could not list workspaces; the next sync will")
            return
        for workspace in workspaces:
            self.sync_in_background(workspace)

    def pending(self, workspace: str) -> int:
        with self._engine().connect() as conn:
            return mention_store.count_pending_for_index(conn, workspace=workspace)

    def counts(self, workspace: str) -> IndexCounts:
        with self._engine().connect() as conn:
            total = mention_store.count_mentions(conn, workspace=workspace, include_duplicates=True)
            dups = mention_store.count_duplicates(conn, workspace=workspace)
            pending = mention_store.count_pending_for_index(conn, workspace=workspace)
        return IndexCounts(total, dups, pending, self.collection(workspace).count())

    def rebuild(
        self, workspace: str, on_progress: Callable[[int], None] | None = None
    ) -> IndexStats:
        """Drop the workspace's collection and rebuild it from SQL (vectors from the cache)."""
        with self._named_lock(workspace):
            return rebuild_index(
                self._engine(),
                workspace=workspace,
                embedder=self._embedder(),
                index=self.collection(workspace),
                batch_size=self.settings.embed_batch_size,
                on_progress=on_progress,
            )

    def mentions(self, workspace: str) -> int:
        with self._engine().connect() as conn:
            return mention_store.count_mentions(conn, workspace=workspace)

    def check(self, workspace: str, *, fix: bool = False) -> DriftReport:
        """Drift between SQL and the collection; with ``fix``, repaired and synced first."""
        engine, index = self._engine(), self.collection(workspace)
        report = check_drift(engine, workspace=workspace, index=index)
        if fix and not report.in_sync:
            repair_drift(engine, workspace=workspace, index=index, report=report)
            self.sync(workspace)
            report = check_drift(engine, workspace=workspace, index=index)
        return report

    def _named_lock(self, workspace: str) -> threading.Lock:
        with self._lock:
            return self._sync_locks.setdefault(workspace, threading.Lock())
