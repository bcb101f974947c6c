"""/v1/ask: grounded answers to questions about a workspace's mentions."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import RuntimeDep, WorkspaceDep
from ask.service import MAX_QUESTION_CHARS, AskResult

router = APIRouter(prefix="/v1", tags=["ask"])


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    reference: datetime | None = Field(
        None, description="'Now' for relative times; default: the latest mention's day."
    )
    use_llm: bool = Field(True, description="Let a configured model phrase the answer.")


@router.post("/ask", response_model=AskResult)
def ask(body: AskIn, rt: RuntimeDep, workspace: WorkspaceDep) -> AskResult:
    """Answer with numbers computed from the data and quotes cited by mention id; the plan
    shows how the question was read, the facts what the answer rests on."""
    return rt.asker.ask(workspace, body.question, reference=body.reference, use_llm=body.use_llm)
