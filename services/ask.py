"""The ask service: grounded answers over a workspace, and the question vocabulary (brands,
topics, sources, places) that other services refresh when what it is read from changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Engine

from hark.settings import Settings
from store import embeddings as embedding_cache
from store import mentions as mention_store

if TYPE_CHECKING:
    from ask.service import Asker, AskResult
    from retrieval.embedders import Embedder
    from services.enrich import EnrichService
    from services.index import IndexService

VectorsFor = Callable[[list[int]], tuple[np.ndarray, np.ndarray]]


class AskService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        embedder: Callable[[], Embedder],
        enrich: EnrichService,
        index: IndexService,
        timezone_for: Callable[[str], tzinfo] | None = None,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._embedder = embedder
        self._enrich = enrich
        self._index = index
        self._timezone_for = timezone_for

    @cached_property
    def asker(self) -> Asker:
        """Question answering over the stores (the LLM composer and planner only when a
        model endpoint is configured)."""
        from ask.planner import RulesPlanner
        from ask.service import Asker
        from ask.themes import theme_report
        from ask.vocabulary import VocabularyCache

        llm = planner = None
        if self.settings.llm_base_url:
            from ask.composer_llm import LLMComposer
            from ask.llm import make_chat
            from ask.planner_llm import LLMPlanner

            chat = make_chat(self.settings)
            llm = LLMComposer(chat, self.settings)
            planner = LLMPlanner(chat, self.settings.languages)
        engine, embedder = self._engine(), self._embedder()
        return Asker(
            engine=engine,
            planner=RulesPlanner(embedder, self._enrich.enricher.language),
            vocabulary=VocabularyCache(
                engine, self._enrich.entity_catalog, self._enrich.topic_model
            ),
            vectors_for=self._vectors_for,
            embed_query=embedder.embed_query,
            llm=llm,
            llm_planner=planner,
            reference_setting=self.settings.ask_reference_date,
            themes=theme_report,
            timezone_for=self._timezone_for,
            prevalence_error=self.prevalence_error,
            sentiment_version=self._sentiment_version,
        )

    def answer(
        self,
        workspace: str,
        question: str,
        *,
        reference: datetime | None = None,
        use_llm: bool = True,
    ) -> AskResult:
        return self.asker.ask(workspace, question, reference=reference, use_llm=use_llm)

    def prevalence_error(self, language: str | None) -> dict[str, float]:
        """The shipped sentiment model's relative error of a class count in ``language``
        (``SentimentModel.prevalence_error``): what bias-aware counts (analytics/prevalence.py)
        allow for where a workspace has too few random audits. Empty without a model or
        figures, and analytics.prevalence then uses its documented default."""
        model = self._enrich.sentiment_model
        if model is None:
            return {}
        try:
            return dict(model.prevalence_error(language))
        except (AttributeError, KeyError):  # a model without the measurement
            return {}

    def _sentiment_version(self, workspace: str) -> str | None:
        model = self._enrich.sentiment_for(workspace)
        return None if model is None else model.version

    def refresh_vocabulary(self, workspace: str) -> None:
        """Forget the workspace's question vocabulary (it is rebuilt on the next question);
        called by every service that changes brands, topics, sources or places."""
        if "asker" in self.__dict__:
            self.asker.vocabulary.invalidate(workspace)

    def _vectors_for(self, workspace: str) -> VectorsFor:
        mirror = self._index.mirror(workspace)
        if mirror is not None:
            return mirror.vectors_for

        def from_cache(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
            embedder = self._embedder()
            with self._engine().connect() as conn:
                hashes = mention_store.content_hashes(conn, ids=ids)
                vectors = embedding_cache.get_vectors(
                    conn, model=embedder.name, content_hashes=list(hashes.values())
                )
            found = [i for i in ids if hashes.get(i) in vectors]
            if not found:
                return np.zeros(0, np.int64), np.zeros((0, embedder.dim), np.float32)
            return np.asarray(found, np.int64), np.stack([vectors[hashes[i]] for i in found])

        return from_cache
