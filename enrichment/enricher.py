"""Applies the text enrichers to mentions on their way into the store (new and changed rows
only): language, the workspace's brands and competitors, and who wrote the mention."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, cast

from enrichment.author_type import addressed_handles, classify_author, official_handles
from enrichment.entities import EntityCatalog
from enrichment.language import LanguageDetector
from hark.prepared import PreparedMention

# (catalog version, catalog) of a workspace, or None when it has no entity catalog.
CatalogLookup = Callable[[str], tuple[int, EntityCatalog] | None]


class Enricher:
    def __init__(self, language: LanguageDetector, entities: CatalogLookup | None = None) -> None:
        self.language = language
        self._entities = entities

    @property
    def version(self) -> str:
        return self.language.version

    def enrich(self, batch: list[PreparedMention]) -> None:
        """Fill what the source did not give. A language the source states is kept."""
        todo = [p for p in batch if not p.columns.get("language")]
        if not todo:
            return
        detected = self.language.detect_many(
            [
                p.columns["text"]
                if not p.columns["title"]
                else f"{p.columns['title']}\n{p.columns['text']}"
                for p in todo
            ]
        )
        for p, lang in zip(todo, detected, strict=True):
            p.columns["language"] = lang
            p.columns["enrichment_version"] = self.version

    def for_workspace(self, workspace: str) -> Callable[[list[PreparedMention]], None]:
        """The ingestion hook for one workspace: language, then entities under the catalog
        active when the hook was made (one lookup per ingest run or push)."""
        found = self._entities(workspace) if self._entities is not None else None

        catalog = found[1] if found is not None else None
        handles = official_handles(catalog)

        def enrich(batch: list[PreparedMention]) -> None:
            self.enrich(batch)
            # Handles many of the batch's texts open with are accounts people write to.
            known = handles | addressed_handles([str(p.columns["text"]) for p in batch])
            for p in batch:
                set_author_type(p, catalog, known)
            if found is not None:
                version, catalog_now = found
                for p in batch:
                    p.entities = (version, match_entities(catalog_now, p.columns))

        return enrich


def match_entities(catalog: EntityCatalog, columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Entity rows for a mention's columns (text, title, the source's brand): a prepared
    mention's, or a stored row's when re-enriching."""
    matches = catalog.match(
        str(columns["text"]),
        title=columns.get("title") or None,
        stated_brand=columns.get("brand") or None,
    )
    return [asdict(m) for m in matches]


def set_author_type(
    p: PreparedMention, catalog: EntityCatalog | None, handles: frozenset[str] | None = None
) -> None:
    """Mark a prepared mention "brand" or "customer" (enrichment.author_type) so that brands'
    own replies stay out of customer counts from the moment they are stored. A type the
    source stated (``author_type`` among the columns) wins."""
    columns = cast(dict[str, Any], p.columns)
    columns["author_type"] = classify_author(
        str(columns["text"]),
        columns.get("author"),
        catalog,
        columns.get("author_type"),
        handles=handles,
    ).author_type
