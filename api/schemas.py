"""Request and response bodies of the API (domain models are reused where they fit)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hark.domain import MentionCreate
from hark.storable import BodyId, StorableStr


class MentionsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentions: list[MentionCreate] = Field(min_length=1)


class IngestResult(BaseModel):
    received: int
    inserted: int
    updated: int
    unchanged: int
    duplicates: int
    repeated: int
    ids: list[int] = Field(description="Stored mention id of each pushed mention, in order.")
    indexing: str = Field(description="'done' (wait=true) or 'queued'.")


class IndexStatus(BaseModel):
    workspace: str
    mentions: int
    duplicates: int
    pending_index: int
    indexed_documents: int


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class CatalogOut(BaseModel):
    kind: str = Field(description="'taxonomy' or 'entities'.")
    version: int
    created: bool = Field(description="This request made a new version (false: unchanged).")
    body: dict[str, Any]


class DiscoveredTopicOut(BaseModel):
    run: int
    key: str
    label: str
    size: int
    terms: list[str]
    quote_ids: list[int]
    cohesion: float
    status: str = Field(description="new, promoted or dismissed.")
    promoted_as: str | None = None
    taxonomy_version: int | None = Field(None, description="Taxonomy the run looked past.")


class DiscoveryRunOut(BaseModel):
    run: int
    taxonomy_version: int | None
    considered: int = Field(description="Uncovered mentions that were clustered.")
    topics: list[DiscoveredTopicOut]


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StorableStr | None = Field(
        None, min_length=1, max_length=128, description="Topic name (default: label)."
    )
    description: StorableStr = Field("", max_length=1000)
    run: BodyId | None = Field(None, description="Discovery run (default: the latest).")


class PromotedOut(BaseModel):
    taxonomy_version: int
    topic: str
    name: str
