"""Request and response bodies of the API (domain models are reused where they fit)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hark.domain import MentionCreate


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
