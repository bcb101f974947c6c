"""The search service: semantic search over a workspace with metadata filters, exact in
memory where the filters leave few enough mentions, Chroma's HNSW otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Engine

from hark.domain import MentionPublic, SearchFilters, SearchResult
from hark.settings import Settings
from retrieval.search import MAX_K, search_mentions
from services.index import IndexService
from store import mentions as mention_store

__all__ = ["MAX_K", "SearchService"]

if TYPE_CHECKING:
    from enrichment.taxonomy import TopicModel
    from retrieval.embedders import Embedder


class SearchService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        embedder: Callable[[], Embedder],
        index: IndexService,
        topics: Callable[[str], TopicModel | None] | None = None,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._embedder = embedder
        self._index = index
        self._topics = topics

    def _anchors(self, workspace: str, query: str, embedder: Embedder) -> np.ndarray | None:
        """The phrases of the workspace's topics the query is about, as vectors folded into
        the query: a question in Kazakh then finds the English mentions an English question
        finds (evals/cross_language.py). None without a taxonomy or a clear topic."""
        model = self._topics(workspace) if self._topics is not None else None
        if model is None:
            return None
        from ask.topic_match import match_topics, topic_anchor

        found = match_topics(query, model, embedder)
        if not found:
            return None
        return np.stack([topic_anchor(model, embedder, m.topic) for m in found])

    def query(
        self,
        workspace: str,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 20,
        exact: bool = True,
    ) -> SearchResult:
        """``exact=False`` sends the query to Chroma's HNSW whatever its size (evals, tests)."""
        embedder = self._embedder()
        return search_mentions(
            self._engine(),
            workspace=workspace,
            embedder=embedder,
            anchors=self._anchors(workspace, query, embedder),
            index=self._index.collection(workspace),
            query=query,
            filters=filters,
            k=k,
            exact_max=self.settings.exact_search_max if exact else 0,
            mirror=self._index.mirror(workspace) if exact else None,
        )

    def mentions(self, workspace: str, ids: list[int]) -> list[MentionPublic]:
        """The workspace's mentions with these ids, in the order asked (others are left out)."""
        with self._engine().connect() as conn:
            return mention_store.get_mentions(conn, workspace=workspace, ids=ids)
