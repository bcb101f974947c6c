"""/v1/mentions: push, search, fetch; /v1/index: index state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, status

from api.deps import RuntimeDep, WorkspaceDep
from api.schemas import IndexStatus, IngestResult, MentionsCreate
from hark.domain import MentionPublic, SearchFilters, SearchResult, Sentiment, SourceType
from hark.errors import ErrorCode, HarkError
from hark.storable import DbId, PlainInt, StorableStr
from ingestion.pipeline import ingest_mentions
from retrieval.search import MAX_K
from store import mentions as mention_store

router = APIRouter(prefix="/v1", tags=["mentions"])


@router.post("/mentions", response_model=IngestResult, status_code=status.HTTP_201_CREATED)
def push_mentions(
    body: MentionsCreate,
    rt: RuntimeDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    wait: Annotated[bool, Query(description="Index before answering (else queued).")] = False,
) -> IngestResult:
    """Store a batch (all or nothing; re-sending it is harmless), then index it."""
    limit = rt.settings.api_max_batch
    if len(body.mentions) > limit:
        raise HarkError(
            ErrorCode.BATCH_TOO_LARGE,
            f"{len(body.mentions)} mentions in one batch; the limit is {limit}",
            {"limit": limit, "received": len(body.mentions)},
        )
    too_long = [
        i for i, m in enumerate(body.mentions) if len(m.text) > rt.settings.api_max_text_chars
    ]
    if too_long:
        raise HarkError(
            ErrorCode.VALIDATION,
            f"text longer than {rt.settings.api_max_text_chars} characters",
            [{"loc": ["mentions", i, "text"], "message": "too long"} for i in too_long],
        )
    report = ingest_mentions(
        rt.engine,
        workspace=workspace,
        mentions=body.mentions,
        dedup_window=rt.dedup_window,
        enrich=rt.enrich_hook(workspace),
    )
    if report.rejects:
        raise HarkError(
            ErrorCode.VALIDATION,
            "some mentions are invalid; nothing was stored",
            [
                {"loc": ["mentions", r.row - 1, r.field], "message": r.reason}
                for r in report.rejects
            ],
        )
    rt.asker.vocabulary.invalidate(workspace)
    if wait:
        rt.sync_pending(workspace)
    else:
        background.add_task(rt.sync_in_background, workspace)
    return IngestResult(
        received=len(body.mentions),
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        duplicates=report.duplicates,
        repeated=report.repeated,
        ids=[report.id_by_key[(m.source, m.external_id)] for m in body.mentions],
        indexing="done" if wait else "queued",
    )


@router.get("/mentions/search", response_model=SearchResult)
def search(
    rt: RuntimeDep,
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
        rating_min=rating_min,
        rating_max=rating_max,
    )
    return rt.search(workspace, q, filters, k)


@router.get("/mentions/{mention_id}", response_model=MentionPublic)
def get_mention(
    mention_id: Annotated[DbId, Path()], rt: RuntimeDep, workspace: WorkspaceDep
) -> MentionPublic:
    with rt.engine.connect() as conn:
        found = mention_store.get_mentions(conn, workspace=workspace, ids=[mention_id])
    if not found:
        raise HarkError(ErrorCode.NOT_FOUND, f"no mention {mention_id} in this workspace")
    return found[0]


@router.get("/index/status", response_model=IndexStatus, tags=["index"])
def index_status(rt: RuntimeDep, workspace: WorkspaceDep) -> IndexStatus:
    with rt.engine.connect() as conn:
        total = mention_store.count_mentions(conn, workspace=workspace, include_duplicates=True)
        dups = mention_store.count_duplicates(conn, workspace=workspace)
        pending = mention_store.count_pending_for_index(conn, workspace=workspace)
    return IndexStatus(
        workspace=workspace,
        mentions=total,
        duplicates=dups,
        pending_index=pending,
        indexed_documents=rt.index(workspace).count(),
    )
