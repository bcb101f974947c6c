"""/v1/workspace/settings: what the caller's workspace overrides of the service's settings.

Its time zone: the days, weeks and months of its questions ("22 February", "last week", a
daily series) begin at midnight there rather than at HARK_TIMEZONE's midnight. And how its
reply drafts sound (POST /v1/mentions/{id}/reply-draft): free-text tone guidance and a
signature.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ContainerDep, WorkspaceDep
from hark.errors import ErrorCode, HarkError
from hark.storable import StorableStr
from services.workspace_settings import (
    MAX_REPLY_SIGNATURE_CHARS,
    MAX_REPLY_TONE_CHARS,
    WorkspaceSettings,
    WorkspaceSettingsService,
)

router = APIRouter(prefix="/v1/workspace", tags=["workspace"])


class WorkspaceSettingsIn(BaseModel):
    """The settings to change; those left out stay as they are, null goes back to the
    service's setting (or to none)."""

    model_config = ConfigDict(extra="forbid")

    timezone: StorableStr | None = Field(
        None,
        description="IANA time zone, e.g. 'America/Los_Angeles'; null goes back to "
        "the service's HARK_TIMEZONE.",
        max_length=64,
    )
    reply_tone: StorableStr | None = Field(
        None,
        description="How reply drafts should sound and what they may offer, in free text, "
        "e.g. \"formal, use 'вы', no emoji; we may offer a voucher for delays\"; null: none.",
        max_length=MAX_REPLY_TONE_CHARS,
    )
    reply_signature: StorableStr | None = Field(
        None,
        description="The line reply drafts are signed with, e.g. 'Команда Kaspi'; null: none.",
        max_length=MAX_REPLY_SIGNATURE_CHARS,
    )


class WorkspaceSettingsOut(BaseModel):
    workspace: str
    timezone: str = Field(description="The IANA time zone the workspace's days begin in.")
    timezone_source: Literal["workspace", "setting"] = Field(
        description="'workspace': set for this workspace; 'setting': HARK_TIMEZONE."
    )
    reply_tone: str | None = Field(None, description="Tone guidance for reply drafts.")
    reply_signature: str | None = Field(None, description="The reply drafts' signature.")


def workspace_settings_service(c: ContainerDep) -> WorkspaceSettingsService:
    return c.workspace_settings


ServiceDep = Annotated[WorkspaceSettingsService, Depends(workspace_settings_service)]


def _out(workspace: str, got: WorkspaceSettings) -> WorkspaceSettingsOut:
    return WorkspaceSettingsOut(
        workspace=workspace,
        timezone=got.timezone.timezone,
        timezone_source=got.timezone.source,
        reply_tone=got.reply.tone,
        reply_signature=got.reply.signature,
    )


@router.get("/settings", response_model=WorkspaceSettingsOut)
def get_workspace_settings(service: ServiceDep, workspace: WorkspaceDep) -> WorkspaceSettingsOut:
    """The settings in force for the caller's workspace."""
    return _out(workspace, service.all(workspace))


@router.put("/settings", response_model=WorkspaceSettingsOut)
def put_workspace_settings(
    body: WorkspaceSettingsIn, service: ServiceDep, workspace: WorkspaceDep
) -> WorkspaceSettingsOut:
    """Change the settings given (an unknown zone, or a tone or signature that is too long or
    not plain text, is a 422 validation_error and changes nothing)."""
    given = {name: getattr(body, name) for name in body.model_fields_set}
    if not given:
        raise HarkError(
            ErrorCode.VALIDATION,
            "give at least one setting: timezone, reply_tone or reply_signature",
        )
    return _out(workspace, service.update(workspace, **given))
