"""A mention made ready to store: what ingestion hands to enrichment and to the batch writer.

It lives in the core because ingestion builds it (ingestion.prepare) and enrichment fills in
derived fields before it is written (enrichment.enricher); neither may import the other's
package for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict


class MentionColumns(TypedDict):
    """The ``mentions`` columns a prepared mention carries (store/tables.py); the writer adds
    the workspace, timestamps and links to copies."""

    source: str
    external_id: str
    source_type: str
    author: str | None
    title: str | None
    text: str
    raw_text: str
    created_at: datetime | None
    rating: float | None
    rating_min: float | None
    rating_max: float | None
    url: str | None
    language: str | None
    location: str | None
    brand: str | None
    author_type: str | None
    reach: int | None
    extra: dict[str, Any]
    content_hash: str
    dedup_key: str
    is_repost: bool
    noise: str | None
    enrichment_version: str | None
    # A hash of every other column (and the labels): set last, since it covers the rest.
    row_hash: NotRequired[str]


@dataclass
class PreparedMention:
    row_no: int
    key: tuple[str, str]  # (source, external_id)
    columns: MentionColumns
    labels: dict[str, Any] | None
    # (entity-catalog version, matched entities) once enrichment has run, else None.
    entities: tuple[int, list[dict[str, Any]]] | None = None

    @property
    def row_hash(self) -> str:
        return str(self.columns["row_hash"])
