"""/v1/mentions: push, search, fetch; /v1/index: index state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, status

from api.deps import ContainerDep, WorkspaceDep
from api.schemas import IndexStatus, IngestResult, MentionsCreate
from hark.domain import (
    AuthorType,
    MentionPublic,
    SearchFilters,
    SearchResult,
    Sentiment,
    SourceType,
)
from hark.errors import ErrorCode, HarkError
from hark.storable import DbId, PlainInt, StorableStr
from services.search import MAX_K

router = APIRouter(prefix="/v1", tags=["mentions"])


@router.post("/mentions", response_model=IngestResult, status_code=status.HTTP_201_CREATED)
def push_mentions(
    body: MentionsCreate,
    c: ContainerDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    wait: Annotated[bool, Query(description="Index before answering (else queued).")] = False,
) -> IngestResult:
    """Store a batch (all or nothing; re-sending it is harmless), then index it."""
    outcome = c.ingest.push(workspace, body.mentions, wait=wait, defer=background.add_task)
    report = outcome.report
    return IngestResult(
        received=len(body.mentions),
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        duplicates=report.duplicates,
        repeated=report.repeated,
        ids=outcome.ids,
        indexing="done" if outcome.indexed else "queued",
    )


@router.get("/mentions/search", response_model=SearchResult)
def search(
    c: ContainerDep,
    workspace: WorkspaceDep,
    q: Annotated[
        StorableStr, Query(min_length=1, max_length=2000, description="Query, any language.")
    ],
    since: Annotated[
        datetime | None, Query(description="created_at >= since; UTC if no offset")
    ] = None,
    until: Annotated[datetime | None, Query(description="created_at < until")] = None,
    source: Annotated[list[str] | None, Query()] = None,
    source_type: Annotated[list[SourceType] | None, Query()] = None,
    language: Annotated[list[str] | None, Query()] = None,
    brand: Annotated[list[str] | None, Query()] = None,
    location: Annotated[list[str] | None, Query()] = None,
    sentiment: Annotated[list[Sentiment] | None, Query()] = None,
    author_type: Annotated[
        list[AuthorType] | None,
        Query(
            description="customer and/or brand (the brands' own accounts); customers only "
            "when absent."
        ),
    ] = None,
    rating_min: Annotated[float | None, Query()] = None,
    rating_max: Annotated[float | None, Query()] = None,
    k: Annotated[PlainInt, Query(ge=1, le=MAX_K)] = 20,
) -> SearchResult:
    filters = SearchFilters.from_params(
        since=since,
        until=until,
        source=source,
        source_type=source_type,
        language=language,
        brand=brand,
        location=location,
        sentiment=sentiment,
        author_type=author_type,
        rating_min=rating_min,
        rating_max=rating_max,
    )
    return c.search.query(workspace, q, filters, k)


@router.get("/mentions/{mention_id}", response_model=MentionPublic)
def get_mention(
    mention_id: Annotated[DbId, Path()], c: ContainerDep, workspace: WorkspaceDep
) -> MentionPublic:
    found = c.search.mentions(workspace, [mention_id])
    if not found:
        raise HarkError(ErrorCode.NOT_FOUND, f"no mention {mention_id} in this workspace")
    return found[0]


@router.get("/index/status", response_model=IndexStatus, tags=["index"])
def index_status(c: ContainerDep, workspace: WorkspaceDep) -> IndexStatus:
    counts = c.index.counts(workspace)
    return IndexStatus(
        workspace=workspace,
        mentions=counts.mentions,
        duplicates=counts.duplicates,
        pending_index=counts.pending_index,
        indexed_documents=counts.indexed_documents,
    )
