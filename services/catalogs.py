"""The catalog service: a workspace's taxonomy and entity catalog, versioned. A change always
refreshes the question vocabulary and schedules re-enrichment, whichever front-end made it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from enrichment.catalogs import CatalogState, Kind, get_catalog, parse, set_catalog
from services.ask import AskService
from services.defer import Defer
from services.enrich import EnrichService


class CatalogService:
    def __init__(
        self, engine: Callable[[], Engine], enrich: EnrichService, ask: AskService
    ) -> None:
        self._engine = engine
        self._enrich = enrich
        self._ask = ask

    def set(
        self,
        workspace: str,
        kind: Kind,
        *,
        data: dict[str, Any] | None = None,
        yaml_text: str | None = None,
        apply: bool = True,
        defer: Defer,
    ) -> CatalogState:
        """Validate and store a catalog (a new version only when it differs from the active
        one). With ``apply``, stored mentions are re-enriched under a new version."""
        body = parse(kind, text=yaml_text) if yaml_text is not None else parse(kind, data=data)
        state = set_catalog(self._engine(), workspace=workspace, kind=kind, body=body)
        self._ask.refresh_vocabulary(workspace)
        if apply and state.created:
            defer(lambda: self._enrich.reenrich_in_background(workspace))
        return state

    def get(self, workspace: str, kind: Kind, version: int | None = None) -> CatalogState:
        return get_catalog(self._engine(), workspace=workspace, kind=kind, version=version)
