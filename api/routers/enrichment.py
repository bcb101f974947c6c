"""/v1/taxonomy and /v1/entities (versioned enrichment configuration), /v1/topics/discovered
(topic discovery and promotion)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query

from api.deps import RuntimeDep, WorkspaceDep, costs
from api.limits import CATALOG_WRITES, DISCOVERIES
from api.schemas import CatalogOut, DiscoveredTopicOut, DiscoveryRunOut, PromotedOut, PromoteIn
from enrichment.catalog_models import EntitiesSpec, TaxonomySpec
from enrichment.catalogs import Kind, get_catalog, parse, set_catalog
from enrichment.discovery_runs import promote
from hark.storable import DbId, PlainInt, StorableStr
from store import enrichment as enrichment_store

router = APIRouter(prefix="/v1", tags=["enrichment"])

ApplyQuery = Annotated[
    bool, Query(description="Re-enrich stored mentions under the new version (in background).")
]


def _put(
    kind: Kind,
    body: TaxonomySpec | EntitiesSpec,
    rt: RuntimeDep,
    workspace: str,
    apply: bool,
    bg: BackgroundTasks,
) -> CatalogOut:
    state = set_catalog(
        rt.engine,
        workspace=workspace,
        kind=kind,
        body=parse(kind, data=body.model_dump(exclude_none=True)),
    )
    rt.asker.vocabulary.invalidate(workspace)
    if apply and state.created:
        bg.add_task(rt.reenrich_in_background, workspace)
    return CatalogOut(kind=kind, version=state.version, created=state.created, body=state.body)


def _get(kind: Kind, rt: RuntimeDep, workspace: str, version: int | None) -> CatalogOut:
    state = get_catalog(rt.engine, workspace=workspace, kind=kind, version=version)
    return CatalogOut(kind=kind, version=state.version, created=False, body=state.body)


@router.put("/taxonomy", response_model=CatalogOut, dependencies=[costs(CATALOG_WRITES)])
def put_taxonomy(
    body: TaxonomySpec,
    rt: RuntimeDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    apply: ApplyQuery = True,
) -> CatalogOut:
    """Set the topic taxonomy (same fields as the YAML file); a change is a new version."""
    return _put("taxonomy", body, rt, workspace, apply, background)


@router.get("/taxonomy", response_model=CatalogOut)
def get_taxonomy(
    rt: RuntimeDep, workspace: WorkspaceDep, version: Annotated[DbId | None, Query()] = None
) -> CatalogOut:
    return _get("taxonomy", rt, workspace, version)


@router.put("/entities", response_model=CatalogOut, dependencies=[costs(CATALOG_WRITES)])
def put_entities(
    body: EntitiesSpec,
    rt: RuntimeDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    apply: ApplyQuery = True,
) -> CatalogOut:
    """Set the brands and competitors; a change is a new version."""
    return _put("entities", body, rt, workspace, apply, background)


@router.get("/entities", response_model=CatalogOut)
def get_entities(
    rt: RuntimeDep, workspace: WorkspaceDep, version: Annotated[DbId | None, Query()] = None
) -> CatalogOut:
    return _get("entities", rt, workspace, version)


@router.post("/topics/discover", response_model=DiscoveryRunOut, dependencies=[costs(DISCOVERIES)])
def discover(
    rt: RuntimeDep,
    workspace: WorkspaceDep,
    min_size: Annotated[PlainInt, Query(ge=2, le=10000)] = 10,
    max_topics: Annotated[PlainInt, Query(ge=1, le=100)] = 20,
) -> DiscoveryRunOut:
    """Cluster the mentions no taxonomy topic covers; the clusters are stored as a new run."""
    result = rt.discover(workspace, min_size=min_size, max_topics=max_topics)
    return DiscoveryRunOut(
        run=result.run,
        taxonomy_version=result.taxonomy_version,
        considered=result.considered,
        topics=[DiscoveredTopicOut.model_validate(c) for c in result.topics],
    )


@router.get("/topics/discovered", response_model=list[DiscoveredTopicOut])
def list_discovered(
    rt: RuntimeDep, workspace: WorkspaceDep, run: Annotated[DbId | None, Query()] = None
) -> list[DiscoveredTopicOut]:
    with rt.engine.connect() as conn:
        rows = enrichment_store.discovered(conn, workspace=workspace, run=run)
    return [DiscoveredTopicOut.model_validate(c) for c in rows]


@router.post(
    "/topics/discovered/{key}/promote",
    response_model=PromotedOut,
    dependencies=[costs(CATALOG_WRITES)],
)
def promote_discovered(
    key: Annotated[StorableStr, Path(max_length=128)],
    rt: RuntimeDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    body: PromoteIn | None = None,
    apply: ApplyQuery = True,
) -> PromotedOut:
    """Add a discovered cluster to the taxonomy as a new version (its quotes as examples)."""
    body = body or PromoteIn()
    version, topic = promote(
        rt.engine,
        workspace=workspace,
        key=key,
        name=body.name,
        description=body.description,
        run=body.run,
    )
    rt.asker.vocabulary.invalidate(workspace)
    if apply:
        background.add_task(rt.reenrich_in_background, workspace)
    return PromotedOut(taxonomy_version=version, topic=topic.id, name=topic.name)
