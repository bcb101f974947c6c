"""The typed reading of a question: what it asks (intent), over which period(s), about what
(filters), and in which language to answer. Returned with every answer so the user sees how
the question was read; an LLM planner's output is validated against this same schema."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hark.domain import AuthorType, SearchFilters, Sentiment


class Intent(StrEnum):
    WHY_CHANGE = "why_change"
    TREND = "trend"  # a series by day, week or month
    SUMMARISE = "summarise"
    COMPARE = "compare"  # brands side by side, or named periods against each other
    EXAMPLES = "examples"
    COUNT = "count"
    RANK = "rank"  # values of a dimension ordered by a measure ("which operator … most")
    SHARE = "share"  # the asked sentiment's part of a scope ("what share … negative")


# What a number measures: a count of mentions (of the asked sentiment, or all), the asked
# sentiment's share of the scope, the average star rating, or NPS from 0-10 scores.
Measure = Literal["count", "share", "rating", "nps"]
# What a ranking or breakdown is by. "entity" is the catalog's brands and competitors as
# matched in texts; "brand" the source's own brand field; "theme" clusters found on the fly.
GroupBy = Literal[
    "brand", "entity", "topic", "theme", "source", "location", "language", "author_type"
]
Granularity = Literal["day", "week", "month"]


class NameTerm(BaseModel):
    """A name in the question that no catalog or stored value knows, read from the texts."""

    name: str = Field(description="As the question wrote it.")
    patterns: list[str] = Field(description="Spellings searched for in the texts.")
    mentions: int = Field(description="Mentions whose text names it (whole workspace).")
    term: bool = Field(
        False, description="A word of the question (not a name) looked up in the texts."
    )


class PlanWindow(BaseModel):
    start: datetime
    end: datetime
    label: str
    named_end: datetime | None = Field(
        None,
        description="Where the named period ends when the window stops earlier, at the "
        'reference day ("this month", or a month the data ends in).',
    )

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
    measure: Measure = "count"
    group_by: GroupBy | None = Field(None, description="What a ranking is by.")
    order: Literal["most", "least"] = "most"
    top_n: int | None = Field(None, ge=1, le=50)
    granularity: Granularity | None = Field(None, description="A series' bucket.")
    periods: list[PlanWindow] = Field(
        default_factory=list, description="Named periods compared with each other, in order."
    )
    timezone: str = Field("UTC", description="Where days, weeks and months are cut (IANA).")
    names: list[NameTerm] = Field(
        default_factory=list, description="Names outside the catalog, matched in the texts."
    )
    include_brand_authors: bool = Field(
        False,
        description="Count the brands' own posts and replies too (customers only by default).",
    )
    unread: list[str] = Field(
        default_factory=list, description="Parts of the question Hark could not read."
    )
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
            author_types=[AuthorType.CUSTOMER, AuthorType.BRAND]
            if self.include_brand_authors
            else [],
            rating_min=self.rating_min,
            rating_max=self.rating_max,
        )
