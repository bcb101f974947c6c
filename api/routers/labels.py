"""Users' labels: correct a mention's sentiment, topics and main brand
(/v1/mentions/{id}/labels), the queue of what to label next (/v1/labeling/queue), and the
workspace's models refit from the corrections (/v1/labeling/refit, /v1/labeling/models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ContainerDep, WorkspaceDep, costs
from api.limits import CATALOG_WRITES
from hark.domain import Sentiment
from hark.storable import BodyId, DbId, PlainInt, StorableStr
from services.labels import UNSET, LabelService, MentionLabels, QueueItem

router = APIRouter(prefix="/v1", tags=["labels"])

Pick = Literal["random", "uncertain", "manual"]
Field_ = Literal["sentiment", "topics", "brand"]
Kind = Literal["sentiment", "topics"]


def label_service(c: ContainerDep) -> LabelService:
    return c.labels


ServiceDep = Annotated[LabelService, Depends(label_service)]


class LabelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentiment: Sentiment | None = Field(None, description="The mention's sentiment.")
    topics: list[Annotated[StorableStr, Field(max_length=128)]] | None = Field(
        None,
        max_length=64,
        description="Every topic id of the taxonomy that applies ([] = none applies).",
    )
    brand: Annotated[StorableStr, Field(max_length=128)] | None = Field(
        None,
        description="The main entity's id (brand or competitor); null: no main brand. "
        "Leave out to keep it.",
    )
    pick: Pick | None = Field(
        None,
        description="How the mention was chosen, as the labeling queue gave it: 'random' "
        "picks measure the labels' error without bias.",
    )


class LabelsOut(BaseModel):
    mention_id: int
    sentiment: str | None
    sentiment_origin: str | None = Field(
        description="'model', 'rating' or 'correction' (a user's label, which wins)."
    )
    probabilities: dict[str, float] | None
    topics: list[str]
    brand: str | None
    corrected: dict[str, Any] = Field(description="Fields a user set, with their values.")


class QueueItemOut(BaseModel):
    mention_id: int
    pick: Pick
    why: str
    priority: float
    text: str
    title: str | None
    language: str | None
    created_at: datetime | None
    sentiment: str | None
    probabilities: dict[str, float] | None
    topics: list[str]


class RefitOut(BaseModel):
    kind: Kind
    version: int
    corrections: int
    by_label: dict[str, int]
    agreement_before: float | None = Field(
        description="Share of the corrections the shipped model agrees with (null below 20 "
        "corrections: no check)."
    )
    agreement_after: float | None = Field(
        description="Share of the corrections a head agrees with, each correction scored by "
        "a head fit on the other four fifths (null below 20 corrections)."
    )
    random_audits: int = Field(description="Random audit picks among the corrections.")
    audit_agreement_before: float | None = Field(
        description="Share of the random audits the shipped model agrees with (null below 25 "
        "audits: too few to judge apart)."
    )
    audit_agreement_after: float | None = Field(
        description="The same for the heads of the 5-fold check (null below 25 audits)."
    )
    applied: dict[str, int]
    active: bool = Field(
        description="False: kept as a version, not used: it did not beat the shipped model "
        "on the corrections it did not see, or did worse on the random audits."
    )
    switched_off: int | None = Field(
        description="The version active before this refit, switched off because this refit "
        "is not used (the workspace is back on the shipped model); null otherwise."
    )
    kept_restored: int | None = Field(
        default=None,
        description="The version active before this refit that a user restored: a refit "
        "that is not used leaves it in use; null otherwise.",
    )
    note: str | None


class ModelOut(BaseModel):
    kind: Kind
    version: int
    active: bool
    restored: bool = Field(
        default=False,
        description="A user restored this version: while it is active, a sentiment refit "
        "that is not used leaves it in use instead of switching it off.",
    )
    created_at: datetime
    report: dict[str, Any]


class ActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: BodyId | None = Field(
        description="Version to make active; null: none (the shipped model alone)."
    )


def _labels(got: MentionLabels) -> LabelsOut:
    return LabelsOut(**got.__dict__)


def _item(got: QueueItem) -> QueueItemOut:
    return QueueItemOut(**got.__dict__)


@router.put("/mentions/{mention_id}/labels", response_model=LabelsOut)
def put_labels(
    mention_id: Annotated[DbId, Path()],
    body: LabelsIn,
    service: ServiceDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
) -> LabelsOut:
    """Correct a mention's labels. A correction wins for its own mention from now on (counts,
    quotes and search filters) and is training data for this workspace only
    (`POST /v1/labeling/refit`)."""
    return _labels(
        service.correct(
            workspace,
            mention_id,
            sentiment=body.sentiment.value if body.sentiment else None,
            topics=body.topics,
            brand=body.brand if "brand" in body.model_fields_set else UNSET,
            pick=body.pick,
            defer=background.add_task,
        )
    )


@router.get("/mentions/{mention_id}/labels", response_model=LabelsOut)
def get_labels(
    mention_id: Annotated[DbId, Path()], service: ServiceDep, workspace: WorkspaceDep
) -> LabelsOut:
    return _labels(service.labels(workspace, mention_id))


@router.delete("/mentions/{mention_id}/labels/{field}", response_model=LabelsOut)
def delete_label(
    mention_id: Annotated[DbId, Path()],
    field: Field_,
    service: ServiceDep,
    workspace: WorkspaceDep,
) -> LabelsOut:
    """Forget a user's label: the models label the mention again."""
    return _labels(service.remove(workspace, mention_id, field))


@router.get("/labeling/queue", response_model=list[QueueItemOut])
def labeling_queue(
    service: ServiceDep,
    workspace: WorkspaceDep,
    limit: Annotated[PlainInt, Query(ge=1, le=200)] = 20,
) -> list[QueueItemOut]:
    """What to label next: mentions the model is least sure of, weighted by how much the
    counts lean on them (recent, possibly negative), with every fourth a random audit pick.
    Send `pick` back with the correction."""
    return [_item(i) for i in service.queue(workspace, limit=limit)]


@router.get("/labeling/stats")
def labeling_stats(service: ServiceDep, workspace: WorkspaceDep) -> dict[str, Any]:
    """Corrections by field and pick, active model versions, the model's accuracy on the
    random audit picks."""
    return service.stats(workspace)


@router.post("/labeling/refit", response_model=list[RefitOut], dependencies=[costs(CATALOG_WRITES)])
def refit(
    service: ServiceDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    kind: Annotated[list[Kind] | None, Query()] = None,
    wait: Annotated[bool, Query(description="Re-label before answering (else queued).")] = False,
) -> list[RefitOut]:
    """Fit new versions of the workspace's sentiment head and topic examples from its
    corrections; stored mentions are re-labelled from cached vectors (nothing embedded)."""
    reports = service.refit(
        workspace, kind or ["sentiment", "topics"], defer=None if wait else background.add_task
    )
    return [RefitOut(**r.__dict__) for r in reports]


@router.get("/labeling/models", response_model=list[ModelOut])
def list_models(
    service: ServiceDep,
    workspace: WorkspaceDep,
    kind: Annotated[Kind | None, Query()] = None,
) -> list[ModelOut]:
    return [ModelOut(**m) for m in service.models(workspace, kind)]


@router.put(
    "/labeling/models/{kind}/active",
    response_model=list[ModelOut],
    dependencies=[costs(CATALOG_WRITES)],
)
def restore_model(
    kind: Kind,
    body: ActiveIn,
    service: ServiceDep,
    workspace: WorkspaceDep,
    background: BackgroundTasks,
    wait: Annotated[bool, Query()] = False,
) -> list[ModelOut]:
    """Make an earlier version active (or none), then re-label under it."""
    service.restore(workspace, kind, body.version, defer=None if wait else background.add_task)
    return [ModelOut(**m) for m in service.models(workspace, kind)]
