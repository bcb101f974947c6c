"""The typed reading of a question: what it asks (intent), over which period(s), about what
(filters), and in which language to answer. Returned with every answer so the user sees how
the question was read; an LLM planner's output is validated against this same schema."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hark.domain import SearchFilters, Sentiment


class Intent(StrEnum):
    WHY_CHANGE = "why_change"
    TREND = "trend"
    SUMMARISE = "summarise"
    COMPARE = "compare"
    EXAMPLES = "examples"
    COUNT = "count"


class PlanWindow(BaseModel):
    start: datetime
    end: datetime
    label: str

    @model_validator(mode="after")
    def _ordered(self) -> PlanWindow:
        if self.start >= self.end:
            raise ValueError("a window must start before it ends")
        return self


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    intent: Intent
    language: str = Field(description="Language the answer is written in (ISO 639-1).")
    question_language: str | None = Field(None, description="Language the question is in.")
    reference: datetime = Field(description="'Now' for relative times (latest mention).")
    window: PlanWindow | None = Field(None, description="The period asked about.")
    baseline: PlanWindow | None = Field(None, description="The period compared with.")
    sentiment: Sentiment | None = None
    topics: list[str] = Field(default_factory=list, description="Topic ids (active taxonomy).")
    entities: list[str] = Field(default_factory=list, description="Brand/competitor ids.")
    brands: list[str] = Field(default_factory=list, description="Values of the brand field.")
    sources: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list, description="Mention languages.")
    rating_min: float | None = None
    rating_max: float | None = None
    search_text: str = Field("", description="What to look for in the texts.")
    planner: str = Field("rules", description="'rules' or 'llm'.")
    notes: list[str] = Field(default_factory=list, description="How parts were read.")

    def filters(self, *, with_sentiment: bool = True) -> SearchFilters:
        """The plan's metadata filters (windows are applied separately)."""
        return SearchFilters(
            brands=self.brands,
            sources=self.sources,
            locations=self.locations,
            languages=self.languages,
            sentiments=[self.sentiment] if with_sentiment and self.sentiment else [],
            rating_min=self.rating_min,
            rating_max=self.rating_max,
        )
