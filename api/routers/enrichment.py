"""/v1/taxonomy and /v1/entities (versioned enrichment configuration), /v1/topics/discovered
(topic discovery and promotion)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query

from api.deps import ContainerDep, WorkspaceDep, costs
from api.limits import CATALOG_WRITES, DISCOVERIES
from api.schemas import CatalogOut, DiscoveredTopicOut, DiscoveryRunOut, PromotedOut, PromoteIn
from enrichment.catalog_models import EntitiesSpec, TaxonomySpec
from enrichment.catalogs import Kind
from hark.storable import DbId, PlainInt, StorableStr
from services.container import Container

router = APIRouter(prefix="/v1", tags=["enrichment"])

ApplyQuery = Annotated[
    bool, Query(description="Re-enrich stored mentions under the new version (in background).")
]


def _put(
    kind: Kind,
    body: TaxonomySpec | EntitiesSpec,
    c: Container,
    workspace: str,
    apply: bool,
    bg: BackgroundTasks,
) -> CatalogOut:
    data = body.model_dump(exclude_none=True)
    state = c.catalogs.set(workspace, kind, data=data, apply=apply, defer=bg.add_task)
    return CatalogOut(kind=kind, version=state.version, created=state.created, body=state.body)


def _get(kind: Kind, c: Container, workspace: str, version: int | None) -> CatalogOut:
    state = c.catalogs.get(workspace, kind, version)
    return CatalogOut(kind=kind, version=state.version, created=False, body=state.body)


@router.put("/taxonomy", response_model=CatalogOut, dependencies=[costs(CATALOG_WRITES)])
def put_taxonomy(
    body: TaxonomySpec,
    c: ContainerDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    apply: ApplyQuery = True,
) -> CatalogOut:
    """Set the topic taxonomy (same fields as the YAML file); a change is a new version."""
    return _put("taxonomy", body, c, workspace, apply, background)


@router.get("/taxonomy", response_model=CatalogOut)
def get_taxonomy(
    c: ContainerDep, workspace: WorkspaceDep, version: Annotated[DbId | None, Query()] = None
) -> CatalogOut:
    return _get("taxonomy", c, workspace, version)


@router.put("/entities", response_model=CatalogOut, dependencies=[costs(CATALOG_WRITES)])
def put_entities(
    body: EntitiesSpec,
    c: ContainerDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    apply: ApplyQuery = True,
) -> CatalogOut:
    """Set the brands and competitors; a change is a new version."""
    return _put("entities", body, c, workspace, apply, background)


@router.get("/entities", response_model=CatalogOut)
def get_entities(
    c: ContainerDep, workspace: WorkspaceDep, version: Annotated[DbId | None, Query()] = None
) -> CatalogOut:
    return _get("entities", c, workspace, version)


@router.post("/topics/discover", response_model=DiscoveryRunOut, dependencies=[costs(DISCOVERIES)])
def discover(
    c: ContainerDep,
    workspace: WorkspaceDep,
    min_size: Annotated[PlainInt, Query(ge=2, le=10000)] = 10,
    max_topics: Annotated[PlainInt, Query(ge=1, le=100)] = 20,
) -> DiscoveryRunOut:
    """Cluster the mentions no taxonomy topic covers; the clusters are stored as a new run."""
    result = c.discovery.run(workspace, min_size=min_size, max_topics=max_topics)
    return DiscoveryRunOut(
        run=result.run,
        taxonomy_version=result.taxonomy_version,
        considered=result.considered,
        topics=[DiscoveredTopicOut.model_validate(c) for c in result.topics],
    )


@router.get("/topics/discovered", response_model=list[DiscoveredTopicOut])
def list_discovered(
    c: ContainerDep, workspace: WorkspaceDep, run: Annotated[DbId | None, Query()] = None
) -> list[DiscoveredTopicOut]:
    rows = c.discovery.clusters(workspace, run)
    return [DiscoveredTopicOut.model_validate(c) for c in rows]


@router.post(
    "/topics/discovered/{key}/promote",
    response_model=PromotedOut,
    dependencies=[costs(CATALOG_WRITES)],
)
def promote_discovered(
    key: Annotated[StorableStr, Path(max_length=128)],
    c: ContainerDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    body: PromoteIn | None = None,
    apply: ApplyQuery = True,
) -> PromotedOut:
    """Add a discovered cluster to the taxonomy as a new version (its quotes as examples)."""
    body = body or PromoteIn()
    version, topic = c.discovery.promote(
        workspace,
        key,
        name=body.name,
        description=body.description,
        run=body.run,
        apply=apply,
        defer=background.add_task,
    )
    return PromotedOut(taxonomy_version=version, topic=topic.id, name=topic.name)
