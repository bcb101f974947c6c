"""The enrichment service: the models that label mentions (language, entities, sentiment,
topics), compiled once per catalog version, and re-enrichment when a catalog changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Engine

from hark.documents import content_hash
from hark.settings import Settings
from retrieval.indexer import IndexStats, embed_with_cache
from store import corrections as correction_store
from store import enrichment as enrichment_store
from store import mentions as mention_store

if TYPE_CHECKING:
    from enrichment.enricher import Enricher
    from enrichment.entities import EntityCatalog
    from enrichment.llm_labeller import LLMSentimentLabeller
    from enrichment.sentiment import SentimentModel
    from enrichment.taxonomy import TopicModel
    from enrichment.topic_examples import TopicExamples
    from enrichment.vector_stage import VectorEnrichment
    from enrichment.workspace_sentiment import WorkspaceSentiment
    from ingestion.prepare import PreparedMention
    from retrieval.embedders import Embedder

log = logging.getLogger("hark.enrich")


class EnrichService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        embedder: Callable[[], Embedder],
        sync: Callable[..., IndexStats],
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._embedder = embedder
        # Re-enrichment re-indexes what changed: the index service's sync, handed in so the
        # two services do not build each other.
        self._sync = sync
        self._lock = threading.Lock()
        self._reenrich_locks: dict[str, threading.Lock] = {}
        self._topic_models: dict[tuple[str, int, int], TopicModel] = {}
        self._sentiment_heads: dict[tuple[str, int], WorkspaceSentiment] = {}
        self._entity_catalogs: dict[tuple[str, int], EntityCatalog] = {}

    @cached_property
    def enricher(self) -> Enricher:
        from enrichment.enricher import Enricher
        from enrichment.language import LanguageDetector

        return Enricher(LanguageDetector(self.settings.languages), self.entity_catalog)

    @cached_property
    def sentiment_model(self) -> SentimentModel | None:
        """The shipped classifier, if it was trained on this embedder's vectors."""
        from enrichment.sentiment import SentimentModel

        try:
            model = (
                SentimentModel.load(self.settings.sentiment_model)
                if self.settings.sentiment_model
                else SentimentModel.load()
            )
        except FileNotFoundError:
            return None
        return model if model.embedder == self._embedder().name else None

    @cached_property
    def vector_enrichment(self) -> VectorEnrichment:
        from enrichment.vector_stage import VectorEnrichment

        return VectorEnrichment(
            sentiment=self.sentiment_for,
            topic_model=self.topic_model,
            embed=self.embed_cached,
            max_clauses=self.settings.max_clauses,
            labeller=self._sentiment_labeller(),
            labeller_below=self.settings.llm_sentiment_below,
            corrections=self.corrections,
        )

    def sentiment_for(self, workspace: str) -> WorkspaceSentiment | None:
        """The shipped model with the workspace's active head (refit from its corrections),
        loaded once per head version; None without a shipped model for this embedder."""
        from enrichment.workspace_sentiment import SentimentHead, WorkspaceSentiment

        base = self.sentiment_model
        if base is None:
            return None
        # Only the active version is read on this path (every index page, every answer);
        # the head's body once per version.
        with self._engine().connect() as conn:
            version = correction_store.active_versions(conn, workspace=workspace).get("sentiment")
        if version is None:
            return WorkspaceSentiment(base)
        key = (workspace, version)
        with self._lock:
            model = self._sentiment_heads.get(key)
        if model is None:
            with self._engine().connect() as conn:
                fit_on = correction_store.model_report(
                    conn, workspace=workspace, kind="sentiment", version=version
                ).get("base_model")
                usable = fit_on in (None, base.version)
                if usable:
                    body = correction_store.model_body(
                        conn, workspace=workspace, kind="sentiment", version=version
                    )
            if not usable:
                # A head corrects the class scores of the model it was fit over; over another
                # (an upgrade, or HARK_SENTIMENT_MODEL changed) its corrections mean nothing.
                log.warning(
                    "%s: sentiment head v%d was fit over %s, not %s: using the shipped model "
                    "until `hark label refit`",
                    workspace,
                    version,
                    fit_on,
                    base.version,
                )
                model = WorkspaceSentiment(base)
            else:
                model = WorkspaceSentiment(base, SentimentHead.from_bytes(version, body))
            with self._lock:
                self._sentiment_heads[key] = model
        return model

    def corrections(self, workspace: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """mention id -> field -> the value a user set ("sentiment": label, "topics": ids,
        "brand": entity id or None)."""
        with self._engine().connect() as conn:
            found = correction_store.of_mentions(conn, workspace=workspace, ids=ids)
        out: dict[int, dict[str, Any]] = {}
        for mid, fields in found.items():
            for field, c in fields.items():
                out.setdefault(mid, {})[field] = (
                    c.value["label"] if field == "sentiment" else c.value[field]
                )
        return out

    @property
    def embedder_name(self) -> str:
        """The embedder's name: what cached vectors are keyed by."""
        return self._embedder().name

    @property
    def dedup_window(self) -> timedelta:
        return timedelta(hours=self.settings.dedup_window_hours)

    def embed_cached(self, items: dict[str, str]) -> dict[str, np.ndarray]:
        """content hash -> vector through the SQL cache (embedding only what it lacks)."""
        return embed_with_cache(
            self._engine(), self._embedder(), items, IndexStats(), self.settings.embed_batch_size
        )

    def topic_model(self, workspace: str) -> TopicModel | None:
        """The model of the workspace's active taxonomy (None without one) with the topic
        examples of its active refit (users' topic corrections); built once per taxonomy and
        refit version, its phrases embedded through the cache."""
        from enrichment.taxonomy import Taxonomy, TopicModel
        from enrichment.topic_space import load_centre

        with self._engine().connect() as conn:
            active = enrichment_store.active_catalog(conn, workspace=workspace, kind="taxonomy")
            refit = correction_store.active_versions(conn, workspace=workspace).get("topics")
        if active is None:
            return None
        base_key = (workspace, active.version, 0)
        key = (workspace, active.version, refit or 0)
        with self._lock:
            model = self._topic_models.get(key)
            base = self._topic_models.get(base_key)
        if model is not None:
            return model
        if base is None:
            embedder = self._embedder()
            base = TopicModel.build(
                Taxonomy.from_stored(active.body),
                embedder,
                load_centre(embedder.name, embedder.dim),
                version=active.version,
            )
            with self._lock:
                self._topic_models[base_key] = base
        # A refit's examples refine the phrase-built model without embedding its phrases again.
        if refit is None:
            model = base
        else:
            with self._engine().connect() as conn:
                body = correction_store.model_body(
                    conn, workspace=workspace, kind="topics", version=refit
                )
            model = base.with_examples(self._topic_examples(body))
        with self._lock:
            self._topic_models[key] = model
        return model

    def _topic_examples(self, body: bytes) -> TopicExamples | None:
        """A topics refit's snapshot (mention content hashes, the topics users gave them and
        the clauses enrichment reads them from) as vectors from the embedding cache. A
        snapshot of an older version has no clauses: its mentions are calibrated whole."""
        import json

        from enrichment.topic_examples import TopicExamples

        rows = json.loads(body)
        if not rows:
            return None
        wanted = {r["content_hash"]: r["text"] for r in rows}
        wanted |= {content_hash(c, None): c for r in rows for c in r.get("clauses", ())}
        vectors = self.embed_cached(wanted)
        dim = len(next(iter(vectors.values())))
        return TopicExamples(
            np.stack([vectors[r["content_hash"]] for r in rows]),
            [frozenset(r["topics"]) for r in rows],
            None
            if any("clauses" not in r for r in rows)
            else [
                np.array([vectors[content_hash(c, None)] for c in r["clauses"]]).reshape(-1, dim)
                for r in rows
            ],
        )

    def entity_catalog(self, workspace: str) -> tuple[int, EntityCatalog] | None:
        """The workspace's active brands and competitors, compiled once per version."""
        from enrichment.entities import EntityCatalog

        with self._engine().connect() as conn:
            active = enrichment_store.active_catalog(conn, workspace=workspace, kind="entities")
        if active is None:
            return None
        key = (workspace, active.version)
        with self._lock:
            catalog = self._entity_catalogs.get(key)
            if catalog is None:
                catalog = self._entity_catalogs[key] = EntityCatalog.from_stored(active.body)
        return active.version, catalog

    def hook(self, workspace: str) -> Callable[[list[PreparedMention]], None]:
        """What ingestion runs on new and changed mentions of ``workspace``."""
        return self.enricher.for_workspace(workspace)

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
        per workspace at a time in this process (catalog changes queue them)."""
        with self._lock:
            lock = self._reenrich_locks.setdefault(workspace, threading.Lock())
        with lock:
            return self._reenrich(workspace, everything=everything, on_progress=on_progress)

    def reenrich_in_background(self, workspace: str) -> None:
        """``reenrich`` for work queued after a catalog change: never raises; what it did not
        reach keeps its old version stamp and is picked up by the next run."""
        try:
            self.reenrich(workspace)
        except Exception:
            log.exception("%s: background re-enrichment failed; the next run resumes", workspace)

    def _sentiment_labeller(self) -> LLMSentimentLabeller | None:
        if not (self.settings.llm_base_url and self.settings.llm_sentiment):
            return None
        from ask.llm import make_chat
        from enrichment.llm_labeller import LLMSentimentLabeller

        return LLMSentimentLabeller(make_chat(self.settings))

    def _reenrich(
        self, workspace: str, *, everything: bool, on_progress: Callable[[int], None] | None
    ) -> dict[str, int]:
        from enrichment.reenrich import reenrich_entities, reenrich_languages, reenrich_topics

        engine = self._engine()
        languages = reenrich_languages(
            engine,
            workspace=workspace,
            enricher=self.enricher,
            everything=everything,
            on_progress=on_progress,
        )
        entities = reenrich_entities(
            engine,
            workspace=workspace,
            catalog=self.entity_catalog(workspace),
            everything=everything,
        )
        if everything:
            # Sentiments are derived while indexing, where the vectors are at hand.
            with engine.begin() as conn:
                mention_store.clear_sentiments(conn, workspace=workspace)
        indexed = self._sync(workspace, on_progress=on_progress)
        topics = reenrich_topics(
            engine,
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
