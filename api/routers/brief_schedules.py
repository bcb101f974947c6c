"""Brief schedules (/v1/brief-schedules) and deliveries of briefs (/v1/briefs/{id}/deliveries,
/v1/briefs/deliveries). Thin: the service validates, runs and sends; targets come back
masked (a Slack or webhook URL carries its own key)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ContainerDep, WorkspaceDep
from briefs.delivery import MAX_RECIPIENTS, Recipient
from briefs.model import BriefFilters
from hark.errors import ErrorCode, HarkError
from hark.storable import DbId, PlainInt, StorableStr
from services.brief_schedules import (
    BriefScheduleService,
    Delivery,
    RunResult,
    Schedule,
)

router = APIRouter(prefix="/v1", tags=["brief schedules"])

Status = Literal["pending", "sent", "failed"]
CRON_HELP = (
    "Five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * MON' "
    "(Mondays 09:00 in the schedule's zone)."
)
PERIOD_HELP = (
    "'week' (Monday to Sunday, the last whole week before the run), 'day' (the day "
    "before) or '<N>d' (the N days before)."
)


def brief_schedule_service(c: ContainerDep) -> BriefScheduleService:
    return c.brief_schedules


ServiceDep = Annotated[BriefScheduleService, Depends(brief_schedule_service)]
Recipients = Annotated[list[Recipient], Field(max_length=MAX_RECIPIENTS)]


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StorableStr = Field(min_length=1, max_length=128)
    cron: StorableStr = Field(max_length=128, description=CRON_HELP)
    timezone: StorableStr | None = Field(
        None, max_length=64, description="IANA zone; default: the workspace's."
    )
    language: StorableStr = Field("en", max_length=8)
    filters: BriefFilters = Field(default_factory=BriefFilters)
    period: StorableStr = Field("week", max_length=16, description=PERIOD_HELP)
    recipients: Recipients = Field(default_factory=list)
    enabled: bool = True


class SchedulePatch(BaseModel):
    """The fields to change; the others stay. ``recipients`` replaces the whole list."""

    model_config = ConfigDict(extra="forbid")

    name: StorableStr | None = Field(None, min_length=1, max_length=128)
    cron: StorableStr | None = Field(None, max_length=128, description=CRON_HELP)
    timezone: StorableStr | None = Field(None, max_length=64)
    language: StorableStr | None = Field(None, max_length=8)
    filters: BriefFilters | None = None
    period: StorableStr | None = Field(None, max_length=16, description=PERIOD_HELP)
    recipients: Recipients | None = None
    enabled: bool | None = None


class RecipientOut(BaseModel):
    channel: str
    target: str = Field(description="Masked where it holds a key (Slack and webhook URLs).")


class ScheduleOut(BaseModel):
    id: int
    name: str
    cron: str
    timezone: str
    language: str
    period: str
    filters: dict[str, Any]
    recipients: list[RecipientOut]
    enabled: bool
    last_run: datetime | None = Field(description="The fire time it last ran for.")
    next_run: datetime | None = Field(description="Its next fire time (null: disabled).")
    last_brief_id: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class AttemptOut(BaseModel):
    number: int
    started_at: datetime
    finished_at: datetime | None = Field(description="null: cut short (the sender stopped).")
    ok: bool | None
    code: int | None = Field(description="HTTP status or SMTP reply code.")
    error: str | None


class DeliveryOut(BaseModel):
    id: int
    brief_id: int
    schedule_id: int | None
    channel: str
    target: str
    status: Status
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    attempt_log: list[AttemptOut]


class RunOut(BaseModel):
    schedule_id: int
    brief_id: int | None
    headline: str | None
    deliveries: list[DeliveryOut]


class DeliverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipients: list[Recipient] = Field(min_length=1, max_length=MAX_RECIPIENTS)


def _schedule(s: Schedule) -> ScheduleOut:
    return ScheduleOut(**{**s.__dict__, "recipients": [RecipientOut(**r) for r in s.recipients]})


def _delivery(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        **{**d.__dict__, "attempt_log": [AttemptOut(**a.__dict__) for a in d.attempt_log]}
    )


def _run(r: RunResult) -> RunOut:
    return RunOut(
        schedule_id=r.schedule_id,
        brief_id=r.brief_id,
        headline=r.headline,
        deliveries=[_delivery(d) for d in r.deliveries],
    )


ScheduleId = Annotated[DbId, Path()]


@router.post("/brief-schedules", response_model=ScheduleOut, status_code=201)
def create_schedule(body: ScheduleIn, service: ServiceDep, workspace: WorkspaceDep) -> ScheduleOut:
    """A schedule that makes a brief at each fire time and sends it to its recipients."""
    values = body.model_dump(exclude={"filters", "recipients"})
    return _schedule(
        service.create(workspace, **values, filters=body.filters, recipients=body.recipients)
    )


@router.get("/brief-schedules", response_model=list[ScheduleOut])
def list_schedules(service: ServiceDep, workspace: WorkspaceDep) -> list[ScheduleOut]:
    return [_schedule(s) for s in service.listing(workspace)]


@router.get("/brief-schedules/{schedule_id}", response_model=ScheduleOut)
def get_schedule(
    schedule_id: ScheduleId, service: ServiceDep, workspace: WorkspaceDep
) -> ScheduleOut:
    return _schedule(service.get(workspace, schedule_id))


@router.patch("/brief-schedules/{schedule_id}", response_model=ScheduleOut)
def patch_schedule(
    schedule_id: ScheduleId, body: SchedulePatch, service: ServiceDep, workspace: WorkspaceDep
) -> ScheduleOut:
    """Change some fields. Fire times missed before a change of cron or zone, or while it
    was disabled, are not caught up."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    nulls = sorted(name for name, value in changes.items() if value is None)
    if nulls:
        raise HarkError(ErrorCode.VALIDATION, f"{', '.join(nulls)} cannot be null")
    return _schedule(service.update(workspace, schedule_id, changes))


@router.delete("/brief-schedules/{schedule_id}", status_code=204)
def delete_schedule(
    schedule_id: ScheduleId, service: ServiceDep, workspace: WorkspaceDep
) -> Response:
    """Remove the schedule; the briefs it made and their deliveries stay."""
    service.delete(workspace, schedule_id)
    return Response(status_code=204)


@router.post("/brief-schedules/{schedule_id}/run", response_model=RunOut)
def run_schedule(schedule_id: ScheduleId, service: ServiceDep, workspace: WorkspaceDep) -> RunOut:
    """Make the schedule's brief now (its period ending before today) and deliver it; the
    schedule's own fire times are untouched."""
    return _run(service.run_now(workspace, schedule_id))


@router.post("/briefs/{brief_id}/deliveries", response_model=list[DeliveryOut], status_code=201)
def deliver_brief(
    brief_id: Annotated[DbId, Path()],
    body: DeliverIn,
    service: ServiceDep,
    workspace: WorkspaceDep,
) -> list[DeliveryOut]:
    """Send a stored brief to these recipients now; each delivery as it stands after its
    first attempt (failures that may pass are retried later)."""
    return [_delivery(d) for d in service.deliver(workspace, brief_id, body.recipients)]


@router.get("/briefs/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    service: ServiceDep,
    workspace: WorkspaceDep,
    brief_id: Annotated[DbId | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[PlainInt, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    """The delivery log, newest first, with every attempt."""
    return [
        _delivery(d)
        for d in service.deliveries(workspace, brief_id=brief_id, status=status, limit=limit)
    ]
