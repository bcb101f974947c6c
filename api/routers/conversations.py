"""/v1/conversations: questions asked one after another, each read as a follow-up of the
previous turn ("and for Delta?", "show me more examples", "why?") and kept with its plan,
answer and citations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.deps import ContainerDep, WorkspaceDep
from ask.service import MAX_QUESTION_CHARS, AskResult
from hark.dates import UtcDatetime
from hark.storable import DbId, StorableStr
from services.chat import ChatAnswer, Conversation

router = APIRouter(prefix="/v1", tags=["conversations"])


class ConversationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: StorableStr | None = Field(
        None, max_length=200, description="Default: the first question."
    )


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: StorableStr = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="The next question, read as a follow-up of the previous turn.",
    )
    reference: UtcDatetime | None = Field(
        None,
        description="'Now' for relative times (UTC if no offset; 1900-2199); default: "
        "the latest mention's day.",
    )
    use_llm: StrictBool = Field(True, description="Let a configured model plan and phrase.")


class TurnOut(AskResult):
    """POST /v1/ask's answer, with the conversation it belongs to and its turn there."""

    conversation_id: int
    turn: int = Field(description="The turn's number in the conversation, from 1.")


def turn_out(answer: ChatAnswer) -> TurnOut:
    assert answer.conversation_id is not None
    return TurnOut(
        **dict(answer.result),
        conversation_id=answer.conversation_id,
        turn=answer.turn,
    )


@router.post("/conversations", response_model=Conversation, status_code=201)
def create_conversation(
    c: ContainerDep, workspace: WorkspaceDep, body: ConversationIn | None = None
) -> Conversation:
    """Start a conversation (an empty body is fine)."""
    return c.chat.create(workspace, title=body.title if body else None)


@router.post("/conversations/{conversation_id:int}/messages", response_model=TurnOut)
def send_message(
    conversation_id: Annotated[DbId, Path()],
    body: MessageIn,
    c: ContainerDep,
    workspace: WorkspaceDep,
) -> TurnOut:
    """Ask the conversation's next question. What it leaves unsaid (period, brand,
    sentiment, what is asked) comes from the previous turn; the plan shows the result and
    a warning names what was kept."""
    answer = c.chat.reply(
        workspace,
        conversation_id,
        body.message,
        use_llm=body.use_llm,
        reference=body.reference,
    )
    return turn_out(answer)


@router.get("/conversations/{conversation_id:int}", response_model=Conversation)
def get_conversation(
    conversation_id: Annotated[DbId, Path()], c: ContainerDep, workspace: WorkspaceDep
) -> Conversation:
    """The conversation and every turn: question, plan, answer, facts, citations."""
    return c.chat.get(workspace, conversation_id)


@router.delete("/conversations/{conversation_id:int}", status_code=204)
def delete_conversation(
    conversation_id: Annotated[DbId, Path()], c: ContainerDep, workspace: WorkspaceDep
) -> Response:
    """Forget the conversation and its turns."""
    c.chat.delete(workspace, conversation_id)
    return Response(status_code=204)
