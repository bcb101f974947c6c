"""The discovery service: cluster what the taxonomy misses, list runs, and promote a cluster
into the taxonomy (which, like any catalog change, refreshes the vocabulary and re-enriches)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from hark.settings import Settings
from services.ask import AskService
from services.defer import Defer
from services.enrich import EnrichService
from store import enrichment as enrichment_store

if TYPE_CHECKING:
    from enrichment.cluster_namer import ClusterNamer
    from enrichment.discovery_runs import DiscoveryRun
    from enrichment.taxonomy import Topic


class DiscoveryService:
    def __init__(
        self,
        settings: Settings,
        engine: Callable[[], Engine],
        enrich: EnrichService,
        ask: AskService,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._enrich = enrich
        self._ask = ask

    def run(self, workspace: str, *, min_size: int, max_topics: int) -> DiscoveryRun:
        """A discovery run over the workspace, with cached embeddings and, when a model is
        configured, its cluster names; stored as a new run."""
        from enrichment.discovery_runs import run_discovery

        return run_discovery(
            self._engine(),
            workspace=workspace,
            embed=self._enrich.embed_cached,
            min_size=min_size,
            max_topics=max_topics,
            namer=self._namer(),
        )

    def clusters(self, workspace: str, run: int | None = None) -> list[dict[str, Any]]:
        """A run's clusters (default: the latest run), largest first."""
        with self._engine().connect() as conn:
            return enrichment_store.discovered(conn, workspace=workspace, run=run)

    def promote(
        self,
        workspace: str,
        key: str,
        *,
        name: str | None = None,
        description: str = "",
        run: int | None = None,
        apply: bool = True,
        defer: Defer,
    ) -> tuple[int, Topic]:
        """Add a cluster to the taxonomy as a new version (its quotes as examples)."""
        from enrichment.discovery_runs import promote

        version, topic = promote(
            self._engine(),
            workspace=workspace,
            key=key,
            name=name,
            description=description,
            run=run,
        )
        self._ask.refresh_vocabulary(workspace)
        if apply:
            defer(lambda: self._enrich.reenrich_in_background(workspace))
        return version, topic

    def _namer(self) -> ClusterNamer | None:
        if not self.settings.llm_base_url:
            return None
        from ask.llm import make_chat
        from enrichment.cluster_namer import ClusterNamer

        return ClusterNamer(make_chat(self.settings))
