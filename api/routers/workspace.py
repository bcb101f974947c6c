"""/v1/workspace/settings: what the caller's workspace overrides of the service's settings.

For now its time zone: the days, weeks and months of its questions ("22 February", "last
week", a daily series) begin at midnight there rather than at HARK_TIMEZONE's midnight.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ContainerDep, WorkspaceDep
from hark.storable import StorableStr
from services.workspace_settings import TimezoneSetting, WorkspaceSettingsService

router = APIRouter(prefix="/v1/workspace", tags=["workspace"])


class WorkspaceSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: StorableStr | None = Field(
        description="IANA time zone, e.g. 'America/Los_Angeles'; null goes back to "
        "the service's HARK_TIMEZONE.",
        max_length=64,
    )


class WorkspaceSettingsOut(BaseModel):
    workspace: str
    timezone: str = Field(description="The IANA time zone the workspace's days begin in.")
    timezone_source: Literal["workspace", "setting"] = Field(
        description="'workspace': set for this workspace; 'setting': HARK_TIMEZONE."
    )


def workspace_settings_service(c: ContainerDep) -> WorkspaceSettingsService:
    return c.workspace_settings


ServiceDep = Annotated[WorkspaceSettingsService, Depends(workspace_settings_service)]


def _out(workspace: str, got: TimezoneSetting) -> WorkspaceSettingsOut:
    return WorkspaceSettingsOut(
        workspace=workspace, timezone=got.timezone, timezone_source=got.source
    )


@router.get("/settings", response_model=WorkspaceSettingsOut)
def get_workspace_settings(service: ServiceDep, workspace: WorkspaceDep) -> WorkspaceSettingsOut:
    """The settings in force for the caller's workspace."""
    return _out(workspace, service.timezone_setting(workspace))


@router.put("/settings", response_model=WorkspaceSettingsOut)
def put_workspace_settings(
    body: WorkspaceSettingsIn, service: ServiceDep, workspace: WorkspaceDep
) -> WorkspaceSettingsOut:
    """Set the caller's workspace's time zone; an unknown zone is a 422 validation_error."""
    return _out(workspace, service.set_timezone(workspace, body.timezone))
