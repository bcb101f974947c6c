"""The search service: semantic search over a workspace with metadata filters, exact in
memory where the filters leave few enough mentions, Chroma's HNSW otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from hark.domain import MentionPublic, SearchFilters, SearchResult
from hark.settings import Settings
from retrieval.search import MAX_K, search_mentions
from services.index import IndexService
from store import mentions as mention_store

__all__ = ["MAX_K", "SearchService"]

if TYPE_CHECKING:
    from retrieval.embedders import Embedder


class SearchService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        embedder: Callable[[], Embedder],
        index: IndexService,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._embedder = embedder
        self._index = index

    def query(
        self,
        workspace: str,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 20,
        exact: bool = True,
    ) -> SearchResult:
        """``exact=False`` sends the query to Chroma's HNSW whatever its size (evals, tests)."""
        return search_mentions(
            self._engine(),
            workspace=workspace,
            embedder=self._embedder(),
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
