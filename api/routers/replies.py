"""/v1/mentions/{id}/reply-draft: a proposed public reply to one mention, in its language and
the workspace's tone (services/replies.py). Nothing is stored or posted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.deps import ContainerDep, WorkspaceDep
from hark.storable import DbId
from services.replies import ReplyDraft

router = APIRouter(prefix="/v1", tags=["replies"])


class ReplyDraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use_llm: StrictBool = Field(
        True,
        description="Let a configured model write the draft (it is checked; on failure "
        "the template draft is returned with a warning).",
    )


@router.post("/mentions/{mention_id}/reply-draft", response_model=ReplyDraft)
def reply_draft(
    mention_id: Annotated[DbId, Path()],
    c: ContainerDep,
    workspace: WorkspaceDep,
    body: ReplyDraftIn | None = None,
) -> ReplyDraft:
    """Draft a reply: grounded in the mention's sentiment, topics and rating, calm and
    empathetic, promising nothing the workspace's reply guidance does not allow, and inviting
    the customer to a private channel; a mention of another workspace is a 404."""
    use_llm = True if body is None else body.use_llm
    return c.replies.draft(workspace, mention_id, use_llm=use_llm)
