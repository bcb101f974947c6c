"""/v1/ask: grounded answers to questions about a workspace's mentions."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.deps import ContainerDep, WorkspaceDep
from ask.service import MAX_QUESTION_CHARS, AskResult
from hark.dates import UtcDatetime
from hark.storable import StorableStr

router = APIRouter(prefix="/v1", tags=["ask"])


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: StorableStr = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    reference: UtcDatetime | None = Field(
        None,
        description="'Now' for relative times (UTC if no offset; 1900-2199); default: "
        "the latest mention's day.",
    )
    use_llm: StrictBool = Field(True, description="Let a configured model phrase the answer.")


@router.post("/ask", response_model=AskResult)
def ask(body: AskIn, c: ContainerDep, workspace: WorkspaceDep) -> AskResult:
    """Answer with numbers computed from the data and quotes cited by mention id; the plan
    shows how the question was read, the facts what the answer rests on."""
    return c.ask.answer(workspace, body.question, reference=body.reference, use_llm=body.use_llm)
