"""What a brief is made of: the period it covers and the periods it is set against, its key
figures, its sections (each one the facts and quotes of one analysis, phrased by the same
composer answers use), the things to look at, and the daily series its charts draw.

A brief is stored whole (facts included), so it can be fetched, re-rendered in any format
and compared with the next one without computing anything again. Every number in it is a
fact's number; every quote is cited by its mention id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ask.facts import Fact, KpiFact, Quote
from ask.plan import PlanWindow
from hark.storable import StorableStr

SectionKey = Literal[
    "since_last",  # the last brief's rising issues, counted again
    "volume",  # all mentions against the previous period, and what moved them
    "sentiment",  # the sentiment mix of the period
    "rising",  # the negative change and the topics driving it
    "praise",  # what positive mentions are about
    "emerging",  # themes found by clustering that grew from little or nothing
    "spikes",  # days far above their usual level
    "brands",  # brands and competitors side by side
    "notable",  # highest-reach and most negative mentions
    "baseline",  # the period against the longer baseline
]
ActionKind = Literal[
    "still_rising",  # an issue the last brief flagged, still rising
    "rising_issue",  # a topic driving the negative change
    "negative_up",  # negative mentions rose beyond chance with no topic behind it
    "spike",  # a day far above its usual level
    "jump",  # a source or place whose mentions jumped
    "emerging",  # a theme that grew from little or nothing
    "competitor",  # a brand whose negative share moved beyond chance
    "rating_down",  # the average rating fell
]


class BriefFilters(BaseModel):
    """Which mentions a brief is about (all of the workspace's customers' mentions when
    empty). ``brand`` is the brand the brief is written for: its row leads the brand table."""

    model_config = ConfigDict(extra="forbid")

    # The value types of the search filters they become (text a database can store), so a
    # filter that passes here is one analytics can run.
    brand: StorableStr | None = Field(None, max_length=256)
    brands: list[Annotated[StorableStr, Field(max_length=256)]] = Field(
        default_factory=list, max_length=50
    )
    sources: list[Annotated[StorableStr, Field(max_length=128)]] = Field(
        default_factory=list, max_length=50
    )
    locations: list[Annotated[StorableStr, Field(max_length=256)]] = Field(
        default_factory=list, max_length=50
    )
    languages: list[Annotated[StorableStr, Field(max_length=8)]] = Field(
        default_factory=list, max_length=20
    )


class Section(BaseModel):
    key: SectionKey
    title: str
    text: str = Field(description="The section as the template composer writes it (Markdown).")
    facts: list[Fact] = Field(default_factory=list)


class Action(BaseModel):
    """Something to look at, tied to the facts and mentions that show it."""

    kind: ActionKind
    text: str
    facts: list[str]
    citations: list[int] = Field(default_factory=list)


class DayPoint(BaseModel):
    day: date
    total: int
    negative: int
    neutral: int
    positive: int


class Brief(BaseModel):
    id: int | None = None
    workspace: str
    language: str
    period: PlanWindow
    previous: PlanWindow
    baseline: PlanWindow | None = Field(
        None, description="The longer baseline before the previous period."
    )
    timezone: str
    filters: BriefFilters = Field(default_factory=BriefFilters)
    headline: str
    summary: str = Field(
        "", description="A few sentences over the key figures (a model's, checked, or ours)."
    )
    kpis: list[KpiFact] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    series: list[DayPoint] = Field(
        default_factory=list, description="Mentions per day over the previous period and this."
    )
    previous_brief: int | None = Field(None, description="The brief this one follows.")
    schedule: int | None = None
    composer: Literal["template", "llm"] = "template"
    warnings: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)

    def facts(self) -> list[Fact]:
        """Every fact of the brief: its key figures, then each section's."""
        return [*self.kpis, *(f for s in self.sections for f in s.facts)]

    def section(self, key: SectionKey) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)
