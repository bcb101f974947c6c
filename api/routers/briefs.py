"""/v1/briefs: insight briefs made now, kept with their facts, fetched and re-rendered (JSON,
Markdown, a self-contained HTML page, the e-mail's plain text)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.deps import ContainerDep, WorkspaceDep, costs
from api.limits import BRIEFS
from briefs.model import Brief, BriefFilters
from hark.storable import DbId, StorableStr

router = APIRouter(prefix="/v1", tags=["briefs"])

Format = Literal["json", "markdown", "html", "text"]
MEDIA = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}
# The page is self-contained: a browser that opens it from here may load nothing else, so a
# quote that slipped past escaping still could not fetch or run anything.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


class BriefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: StorableStr | None = Field(
        None,
        max_length=32,
        description="FIRST..LAST in ISO dates, both days included, in the workspace's time "
        "zone ('2015-02-16..2015-02-22'), or one day; default: the last whole week (Monday "
        "to Sunday) before the latest mention.",
    )
    language: StorableStr = Field("en", max_length=8, description="One of HARK_LANGUAGES.")
    filters: BriefFilters = Field(default_factory=BriefFilters)
    baseline_periods: int = Field(
        4, ge=0, le=12, description="Periods of the longer baseline before the previous one."
    )
    use_llm: StrictBool = Field(True, description="Let a configured model phrase the summary.")
    save: StrictBool = Field(True, description="Keep the brief in the workspace's history.")


class BriefListItem(BaseModel):
    id: int
    schedule_id: int | None
    period_start: datetime
    period_end: datetime
    language: str
    headline: str
    created_at: datetime


def _rendered(c: ContainerDep, brief: Brief, fmt: Format) -> Brief | Response:
    if fmt == "json":
        return brief
    headers = {"Content-Security-Policy": HTML_POLICY} if fmt == "html" else {}
    return Response(c.briefs.render(brief, fmt), media_type=MEDIA[fmt], headers=headers)


@router.post("/briefs", response_model=Brief, status_code=201, dependencies=[costs(BRIEFS)])
def make_brief(
    body: BriefIn,
    c: ContainerDep,
    workspace: WorkspaceDep,
    format: Annotated[Format, Query(description="What to return the brief as.")] = "json",
) -> Brief | Response:
    """Make a brief now: the period against the one before and a longer baseline, with key
    figures, rising issues, praise, emerging themes, spikes, brands side by side, notable
    mentions and what to look at; every number from the data, every quote cited by id."""
    brief = c.briefs.make(
        workspace,
        period=body.period,
        language=body.language,
        filters=body.filters,
        baseline_periods=body.baseline_periods,
        use_llm=body.use_llm,
        save=body.save,
    )
    return _rendered(c, brief, format)


@router.get("/briefs", response_model=list[BriefListItem])
def list_briefs(
    c: ContainerDep,
    workspace: WorkspaceDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[DbId | None, Query(description="Briefs older than this id.")] = None,
    schedule_id: Annotated[DbId | None, Query()] = None,
) -> list[BriefListItem]:
    """The workspace's briefs, newest first (without their bodies)."""
    rows = c.briefs.listing(workspace, limit=limit, before=before, schedule_id=schedule_id)
    return [BriefListItem.model_validate(r) for r in rows]


@router.get("/briefs/{brief_id:int}", response_model=Brief)
def get_brief(
    brief_id: Annotated[DbId, Path()],
    c: ContainerDep,
    workspace: WorkspaceDep,
    format: Annotated[Format, Query(description="What to return the brief as.")] = "json",
) -> Brief | Response:
    """A stored brief, as it was made (re-rendered in the asked format)."""
    return _rendered(c, c.briefs.get(workspace, brief_id), format)
