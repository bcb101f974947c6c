"""What an answer is made of: facts computed from the data (numbers from code) and quotes of
the mentions behind them. Composers only phrase these; the verifier checks answers against
them. Everything here is returned to the caller, so they can see what the answer rests on.

A fact is one of the typed models below, told apart by its ``kind``. Its fields are the
values analysis computed; what it says (``statement``, from ask/phrases) and which numbers an
answer may write because of it (``numbers``) are derived from those fields, never stored
beside them, so a statement cannot show a number the fact does not allow, nor the reverse.
Composers, the verifier and briefs dispatch on the model class, not on ``kind`` strings.

Names that come from the data (brands, topics, sources, locations) arrive here already made
inert by analysis (``ask.untrusted.inert``); window labels are the planner's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, computed_field, field_validator

from ask.phrasing import phrases, raw, raw_signed
from ask.plan import PlanWindow
from ask.untrusted import safe_url
from hark.domain import Sentiment

# The language of the statements returned with an answer and shown in a model's facts block;
# the model is told to answer in the question's language whatever this is.
STATEMENT_LANGUAGE = "en"

Granularity = Literal["day", "week"]
Dimension = Literal["topic", "brand", "source", "location"]
CaveatReason = Literal["empty", "no_topics", "no_topic_matches", "small", "noise", "one_side"]


class FactBase(BaseModel):
    # The API always returns every field (kind included), so its schema says so.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: str = Field(description="Stable within one answer: f1, f2, ...")
    # Each model narrows this to its own Literal (the union's discriminator); declared here
    # too so every fact's JSON reads id, kind, then the rest.
    kind: str
    citations: list[int] = Field(
        default_factory=list, description="Ids of quotes (mentions) that illustrate this fact."
    )

    @computed_field(description="The fact in plain English with its numbers as shown.")  # type: ignore[prop-decorator]
    @property
    def statement(self) -> str:
        return self.phrase(STATEMENT_LANGUAGE)

    @computed_field(  # type: ignore[prop-decorator]
        description="Every number the statement shows, as shown (percentages in percent): "
        "the numbers an answer may write because of this fact."
    )
    @property
    def numbers(self) -> list[float]:
        return [float(n) for n in self._numbers()]

    def phrase(self, language: str) -> str:
        """The statement in ``language`` (English where ask/phrases has no file for it)."""
        return self._phrase(phrases(language), language)

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        raise NotImplementedError

    def _numbers(self) -> list[float]:
        return []


def _sentiment(p: dict[str, Any], sentiment: Sentiment | None) -> str:
    """The sentiment word before "mentions" ("negative "), empty when none was asked."""
    return str(p["sentiment"][sentiment.value if sentiment else "none"])


class WindowFact(FactBase):
    """The period the answer is about."""

    kind: Literal["window"] = "window"
    window: PlanWindow

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["window"]).format(period=self.window.label)


class SeriesPoint(BaseModel):
    start: date
    count: int


class CountFact(FactBase):
    """Counted mentions in the period, of the asked sentiment (all when none was asked)."""

    kind: Literal["count"] = "count"
    total: int
    sentiment: Sentiment | None = None
    period: str = Field(description="The period's label, as the plan reads it.")
    series: list[SeriesPoint] | None = Field(
        default=None, description="A trend's counts per bucket; null for other questions."
    )
    granularity: Granularity | None = Field(default=None, description="The series' bucket.")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["count"]).format(
            total=raw(self.total, language),
            sentiment=_sentiment(p, self.sentiment),
            period=self.period,
        )

    def _numbers(self) -> list[float]:
        return [self.total]


class SentimentShareFact(FactBase):
    """One sentiment's part of a count (the three together split it)."""

    kind: Literal["share"] = "share"
    sentiment: Sentiment
    count: int
    share: float = Field(description="Percent of the count, one decimal.")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["share"]).format(
            count=raw(self.count, language),
            sentiment=_sentiment(p, self.sentiment).strip(),
            share=raw(self.share, language),
        )

    def _numbers(self) -> list[float]:
        return [self.count, self.share]


class ChangeFact(FactBase):
    """Mentions in the period against the period compared with."""

    kind: Literal["change"] = "change"
    sentiment: Sentiment | None = None
    period: str
    baseline_period: str
    current: int
    baseline: int
    relative: float | None = Field(
        default=None,
        description="Percent change (of the per-day rates when per_day); null when the "
        "baseline is 0.",
    )
    significant: bool
    p_value: float
    per_day: bool = Field(description="The periods differ in length, so rates compare.")
    current_rate: float
    baseline_rate: float

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        f = p["fact"]
        relative = (
            ""
            if self.relative is None
            else f["relative"].format(relative=raw_signed(self.relative, language))
        )
        return str(f["change"]).format(
            sentiment=_sentiment(p, self.sentiment),
            current=raw(self.current, language),
            baseline=raw(self.baseline, language),
            period=self.period,
            baseline_period=self.baseline_period,
            relative=relative,
        )

    def _numbers(self) -> list[float]:
        rel = [] if self.relative is None else [abs(self.relative)]
        return [self.current, self.baseline, *rel]


class RateChangeFact(FactBase):
    """Mentions per day in each period, when the periods differ in length."""

    kind: Literal["rate_change"] = "rate_change"
    current_rate: float
    baseline_rate: float

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["rate_change"]).format(
            current_rate=raw(self.current_rate, language),
            baseline_rate=raw(self.baseline_rate, language),
        )

    def _numbers(self) -> list[float]:
        return [self.current_rate, self.baseline_rate]


class ShareChangeFact(FactBase):
    """The asked sentiment's share of all mentions in each period (percent)."""

    kind: Literal["share_change"] = "share_change"
    sentiment: Sentiment
    current: float
    baseline: float
    significant: bool

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["share_change"]).format(
            sentiment=_sentiment(p, self.sentiment).strip(),
            current=raw(self.current, language),
            baseline=raw(self.baseline, language),
        )

    def _numbers(self) -> list[float]:
        return [self.current, self.baseline]


class HalvesFact(FactBase):
    """A trend's mentions in the first and the second half of its buckets."""

    kind: Literal["halves"] = "halves"
    first: int
    second: int

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["halves"]).format(
            first=raw(self.first, language), second=raw(self.second, language)
        )

    def _numbers(self) -> list[float]:
        return [self.first, self.second]


class DriverFact(FactBase):
    """A value of a dimension whose change explains part of the total change."""

    kind: Literal["driver"] = "driver"
    dimension: Dimension
    value: str = Field(description="The value as stored (a topic id, a brand, ...).")
    name: str = Field(description="Its display name, inert.")
    current: int
    baseline: int
    delta: int
    share: float | None = Field(
        default=None, description="Percent of the total change it explains."
    )
    significant: bool

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        f = p["fact"]
        share = (
            "" if self.share is None else f["driver_share"].format(share=raw(self.share, language))
        )
        return str(f["driver"]).format(
            name=self.name,
            current=raw(self.current, language),
            baseline=raw(self.baseline, language),
            delta=f"{self.delta:+d}",
            share_text=share,
        )

    def _numbers(self) -> list[float]:
        share = [] if self.share is None else [self.share]
        return [self.current, self.baseline, abs(self.delta), *share]


class PeakFact(FactBase):
    """A trend's busiest bucket."""

    kind: Literal["peak"] = "peak"
    granularity: Granularity
    start: date
    count: int

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["peak"]).format(
            granularity=p["granularity"][self.granularity],
            start=self.start.isoformat(),
            count=raw(self.count, language),
        )

    def _numbers(self) -> list[float]:
        return [self.count]


class SpikeFact(FactBase):
    """A day well above its rolling baseline."""

    kind: Literal["spike"] = "spike"
    day: date
    count: int
    expected: int = Field(description="The baseline for that day, rounded.")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["spike"]).format(
            day=self.day.isoformat(),
            count=raw(self.count, language),
            expected=raw(self.expected, language),
        )

    def _numbers(self) -> list[float]:
        return [self.count, self.expected]


class ComparisonFact(FactBase):
    """One side of a comparison of brands or competitors in the same period."""

    kind: Literal["comparison"] = "comparison"
    dimension: Literal["brand", "entity"]
    value: str = Field(description="The brand as stored, or the catalog entity id.")
    name: str = Field(description="Its display name, inert.")
    total: int
    negative: int
    positive: int
    negative_share: float
    positive_share: float

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["comparison"]).format(
            name=self.name,
            total=raw(self.total, language),
            negative=raw(self.negative, language),
            negative_share=raw(self.negative_share, language),
            positive=raw(self.positive, language),
            positive_share=raw(self.positive_share, language),
        )

    def _numbers(self) -> list[float]:
        return [
            self.total,
            self.negative,
            self.negative_share,
            self.positive,
            self.positive_share,
        ]


class BreakdownFact(FactBase):
    """One of the most discussed topics among the counted mentions."""

    kind: Literal["breakdown"] = "breakdown"
    topic: str = Field(description="Topic id.")
    name: str = Field(description="Its display name, inert.")
    count: int
    share: float = Field(description="Percent of total.")
    total: int
    rank: int

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["breakdown"]).format(
            name=self.name,
            count=raw(self.count, language),
            share=raw(self.share, language),
            total=raw(self.total, language),
        )

    def _numbers(self) -> list[float]:
        return [self.count, self.share, self.total]


class CaveatFact(FactBase):
    """Why the numbers say less than they seem to, or why some are missing."""

    kind: Literal["caveat"] = "caveat"
    reason: CaveatReason
    threshold: int | None = Field(
        default=None, description="The limit the caveat names (fewest mentions, fewest sides)."
    )

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        n = "" if self.threshold is None else raw(self.threshold, language)
        return str(p["fact"]["caveat"][self.reason]).format(n=n)

    def _numbers(self) -> list[float]:
        return [] if self.threshold is None else [self.threshold]


Fact = Annotated[
    WindowFact
    | CountFact
    | SentimentShareFact
    | ChangeFact
    | RateChangeFact
    | ShareChangeFact
    | HalvesFact
    | DriverFact
    | PeakFact
    | SpikeFact
    | ComparisonFact
    | BreakdownFact
    | CaveatFact,
    Field(discriminator="kind"),
]
# Facts read back from JSON (an API response): the statement and numbers there are derived,
# so they are ignored and derived again from the typed fields.
FACTS: TypeAdapter[list[Fact]] = TypeAdapter(list[Fact])


class Quote(BaseModel):
    id: int = Field(description="Mention id; cited in answers as [id].")
    text: str
    source: str
    created_at: datetime | None = None
    url: str | None = None
    sentiment: str | None = None
    language: str | None = None
    illustrates: str | None = Field(
        default=None, description="Id of the fact (e.g. a driver) this quote was chosen to show."
    )

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str | None) -> str | None:
        # A mention's url field is the poster's: only an http(s) link may travel on with it.
        return safe_url(url)


class Evidence(BaseModel):
    facts: list[Fact] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)

    def quote_ids(self) -> set[int]:
        return {q.id for q in self.quotes}

    def allowed_numbers(self) -> set[float]:
        return {float(n) for f in self.facts for n in f.numbers}
