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

Granularity = Literal["day", "week", "month"]
Dimension = Literal["topic", "brand", "source", "location"]
RankDimension = Literal[
    "brand", "entity", "topic", "theme", "source", "location", "language", "author_type"
]
CaveatReason = Literal[
    "empty",
    "no_topics",
    "no_topic_matches",
    "small",
    "noise",
    "one_side",
    "partial_period",  # a period the data covers only in part
    "no_data_period",  # a period with no data at all
    "unknown_name",  # a name no catalog knows and no text contains
    "not_understood",  # words of the question that were not read
    "no_ratings",  # a rating or NPS was asked of mentions without scores
    "no_dimension",  # a ranking by a dimension the mentions have no values of
    "brand_authors",  # the brands' own posts were left out of the counts
    "discovered_themes",  # themes were found by clustering, not from a taxonomy
    "sample",  # themes were found on a sample of the mentions
    "overlap",  # the periods compared overlap
    "no_nps",  # NPS was asked of scores not on a 0-10 scale
    "within_label_error",  # a change the sentiment labels' own error could make
]


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


# When an estimate is worth saying beside its label count (``LabelEstimate.matters``): it
# differs from the count by more than this part of it (and this many mentions or points)...
ESTIMATE_TOLERANCE = 0.05
ESTIMATE_GAP = {"count": 2.0, "share": 0.5}
# ...or its interval's half-width is more than this part of the count (and this many).
ESTIMATE_WIDE = 0.10
ESTIMATE_HALF_WIDTH = {"count": 3.0, "share": 1.0}


class LabelEstimate(BaseModel):
    """What a sentiment label count (or share) stands for once the classifier's errors are
    allowed for (analytics/prevalence.py): the estimated true count (or share, in percent)
    and its interval. Counts are whole numbers; shares have one decimal."""

    value: float
    low: float
    high: float
    method: Literal["exact", "pcc", "audited"] = Field(
        description="exact: every label is a rating or a correction; pcc: the sum of the "
        "classifier's calibrated probabilities, with its general error; audited: that sum "
        "corrected by the workspace's random audits, with their sampling error and room for a "
        "scope read worse or better than the workspace's average."
    )
    level: float = Field(default=0.9, description="The interval's coverage.")

    def matters(self, exact: float, unit: Literal["count", "share"] = "count") -> bool:
        """Worth saying beside ``exact`` (the label count or share): it differs from it by
        more than a small tolerance, or its interval is wide for it."""
        if self.method == "exact":
            return False
        base = abs(exact)
        gap = max(ESTIMATE_GAP[unit], ESTIMATE_TOLERANCE * base)
        half = max(ESTIMATE_HALF_WIDTH[unit], ESTIMATE_WIDE * base)
        return abs(self.value - exact) > gap or (self.high - self.low) / 2 > half

    @property
    def level_percent(self) -> int:
        return round(100 * self.level)

    def numbers(self) -> list[float]:
        return [self.value, self.low, self.high, self.level_percent]

    def texts(self, language: str, suffix: str = "") -> dict[str, str]:
        """value, low, high and level as a statement shows them."""
        return {
            "value": _raw(self.value, language) + suffix,
            "low": _raw(self.low, language) + suffix,
            "high": _raw(self.high, language) + suffix,
            "level": str(self.level_percent),
        }


def _raw(value: float, language: str) -> str:
    return raw(int(value) if float(value).is_integer() else value, language)


def _shown(estimate: LabelEstimate | None, exact: float, unit: str = "count") -> bool:
    return estimate is not None and estimate.matters(exact, unit)  # type: ignore[arg-type]


def _estimate_text(
    p: dict[str, Any],
    language: str,
    estimate: LabelEstimate | None,
    exact: float,
    share: LabelEstimate | None = None,
) -> str:
    """The statement's note on a count's estimate (and its share's), where it matters."""
    if estimate is None or not estimate.matters(exact):
        return ""
    text = str(p["fact"]["estimate"]).format(**estimate.texts(language))
    if share is not None:
        text += str(p["fact"]["estimate_share"]).format(**share.texts(language, "%"))
    return text


def _estimate_numbers(estimate: LabelEstimate | None, exact: float, *shares: Any) -> list[float]:
    if estimate is None or not estimate.matters(exact):
        return []
    return [*estimate.numbers(), *(n for s in shares if s is not None for n in s.numbers())]


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
    side: str | None = Field(
        default=None, description="The brand this count is of, when series compare brands."
    )
    estimate: LabelEstimate | None = Field(
        default=None,
        description="The estimated true count allowing for the sentiment labels' errors, "
        "with its interval; null when no sentiment is counted.",
    )

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        text = str(p["fact"]["count"]).format(
            total=raw(self.total, language),
            sentiment=_sentiment(p, self.sentiment),
            period=self.period,
        ) + _estimate_text(p, language, self.estimate, self.total)
        return f"{self.side}: {text}" if self.side else text

    def _numbers(self) -> list[float]:
        return [self.total, *_estimate_numbers(self.estimate, self.total)]


class SentimentShareFact(FactBase):
    """One sentiment's part of a count (the three together split it)."""

    kind: Literal["share"] = "share"
    sentiment: Sentiment
    count: int
    share: float = Field(description="Percent of the count, one decimal.")
    estimate: LabelEstimate | None = Field(
        default=None,
        description="The estimated true count allowing for the sentiment labels' errors, "
        "with its interval; null when no sentiment is counted.",
    )
    share_estimate: LabelEstimate | None = Field(
        default=None, description="The same estimate as a percent of the count."
    )

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["share"]).format(
            count=raw(self.count, language),
            sentiment=_sentiment(p, self.sentiment).strip(),
            share=raw(self.share, language),
        ) + _estimate_text(p, language, self.estimate, self.count, self.share_estimate)

    def _numbers(self) -> list[float]:
        extra = _estimate_numbers(self.estimate, self.count, self.share_estimate)
        return [self.count, self.share, *extra]


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
    current_estimate: LabelEstimate | None = Field(
        default=None,
        description="The current count's estimate allowing for the sentiment labels' errors.",
    )
    baseline_estimate: LabelEstimate | None = Field(
        default=None, description="The baseline count's estimate, likewise."
    )

    def estimates_matter(self) -> bool:
        return _pair_matters(
            self.current_estimate, self.baseline_estimate, self.current, self.baseline
        )

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
        ) + _pair_text(
            p, language, self.current_estimate, self.baseline_estimate, self.estimates_matter()
        )

    def _numbers(self) -> list[float]:
        rel = [] if self.relative is None else [abs(self.relative)]
        return [
            self.current,
            self.baseline,
            *rel,
            *_pair_numbers(self.current_estimate, self.baseline_estimate, self.estimates_matter()),
        ]


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
    current_estimate: LabelEstimate | None = Field(
        default=None,
        description="The current share's estimate (percent) allowing for the labels' errors.",
    )
    baseline_estimate: LabelEstimate | None = Field(
        default=None, description="The baseline share's estimate, likewise."
    )

    def estimates_matter(self) -> bool:
        return _pair_matters(
            self.current_estimate, self.baseline_estimate, self.current, self.baseline, "share"
        )

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["share_change"]).format(
            sentiment=_sentiment(p, self.sentiment).strip(),
            current=raw(self.current, language),
            baseline=raw(self.baseline, language),
        ) + _pair_text(
            p, language, self.current_estimate, self.baseline_estimate, self.estimates_matter(), "%"
        )

    def _numbers(self) -> list[float]:
        extra = _pair_numbers(
            self.current_estimate, self.baseline_estimate, self.estimates_matter()
        )
        return [self.current, self.baseline, *extra]


def _pair_matters(
    current: LabelEstimate | None,
    baseline: LabelEstimate | None,
    current_exact: float,
    baseline_exact: float,
    unit: str = "count",
) -> bool:
    """A change's estimates are said when either side's matters."""
    if current is None or baseline is None:
        return False
    return _shown(current, current_exact, unit) or _shown(baseline, baseline_exact, unit)


def _pair_text(
    p: dict[str, Any],
    language: str,
    current: LabelEstimate | None,
    baseline: LabelEstimate | None,
    shown: bool,
    suffix: str = "",
) -> str:
    if not shown or current is None or baseline is None:
        return ""
    now, before = current.texts(language, suffix), baseline.texts(language, suffix)
    return str(p["fact"]["estimate_change"]).format(
        current=now["value"],
        current_low=now["low"],
        current_high=now["high"],
        baseline=before["value"],
        baseline_low=before["low"],
        baseline_high=before["high"],
        level=now["level"],
    )


def _pair_numbers(
    current: LabelEstimate | None, baseline: LabelEstimate | None, shown: bool
) -> list[float]:
    if not shown or current is None or baseline is None:
        return []
    return [*current.numbers(), *baseline.numbers()]


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
    dimension: Literal["brand", "entity", "name"]
    value: str = Field(description="The brand as stored, or the catalog entity id.")
    name: str = Field(description="Its display name, inert.")
    total: int
    negative: int
    positive: int
    negative_share: float
    positive_share: float
    negative_estimate: LabelEstimate | None = Field(
        default=None,
        description="The negative count's estimate allowing for the sentiment labels' errors.",
    )
    positive_estimate: LabelEstimate | None = Field(
        default=None, description="The positive count's estimate, likewise."
    )

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        text = str(p["fact"]["comparison"]).format(
            name=self.name,
            total=raw(self.total, language),
            negative=raw(self.negative, language),
            negative_share=raw(self.negative_share, language),
            positive=raw(self.positive, language),
            positive_share=raw(self.positive_share, language),
        )
        for sentiment, est, n in (
            (Sentiment.NEGATIVE, self.negative_estimate, self.negative),
            (Sentiment.POSITIVE, self.positive_estimate, self.positive),
        ):
            if est is not None and est.matters(n):
                text += str(p["fact"]["estimate_of"]).format(
                    sentiment=_sentiment(p, sentiment).strip(), **est.texts(language)
                )
        return text

    def _numbers(self) -> list[float]:
        return [
            self.total,
            self.negative,
            self.negative_share,
            self.positive,
            self.positive_share,
            *_estimate_numbers(self.negative_estimate, self.negative),
            *_estimate_numbers(self.positive_estimate, self.positive),
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


class RankItem(BaseModel):
    value: str = Field(description="The value as stored (a brand, an entity id, a source...).")
    name: str = Field(description="Its display name, inert.")
    count: int = Field(description="Mentions of the asked sentiment (all when none was asked).")
    total: int = Field(description="All counted mentions of this value.")
    share: float | None = Field(
        default=None, description="Percent of total that is of the asked sentiment."
    )
    rating: float | None = Field(default=None, description="Average rating (rating measure).")
    estimate: LabelEstimate | None = Field(
        default=None,
        description="The count's estimate allowing for the sentiment labels' errors "
        "(a sentiment asked).",
    )
    share_estimate: LabelEstimate | None = Field(
        default=None, description="The share's estimate, likewise (percent)."
    )


class RankingFact(FactBase):
    """Values of a dimension ordered by the asked measure ("which operator got the most
    negative tweets"). Each item's count and share are exact counts of its mentions."""

    kind: Literal["ranking"] = "ranking"
    dimension: RankDimension
    measure: Literal["count", "share", "rating"]
    sentiment: Sentiment | None = None
    order: Literal["most", "least"] = "most"
    period: str
    items: list[RankItem]
    others: int = Field(default=0, description="Values not shown (beyond the top).")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        f = p["fact"]
        parts = []
        for i, item in enumerate(self.items, start=1):
            if self.measure == "rating":
                parts.append(
                    f["rank_rating"].format(
                        rank=i,
                        name=item.name,
                        rating=raw(item.rating or 0.0, language),
                        total=raw(item.total, language),
                    )
                )
            else:
                parts.append(
                    f["rank_item"].format(
                        rank=i,
                        name=item.name,
                        count=raw(item.count, language),
                        total=raw(item.total, language),
                        share=raw(item.share or 0.0, language),
                    )
                    + _estimate_text(p, language, item.estimate, item.count, item.share_estimate)
                )
        return str(f["ranking"]).format(
            sentiment=_sentiment(p, self.sentiment),
            dimension=p["dimension"].get(self.dimension, self.dimension),
            period=self.period,
            items="; ".join(parts),
        )

    def _numbers(self) -> list[float]:
        out: list[float] = [*range(1, len(self.items) + 1)]
        for item in self.items:
            out += [item.count, item.total]
            if item.share is not None:
                out.append(item.share)
            if item.rating is not None:
                out.append(item.rating)
            out += _estimate_numbers(item.estimate, item.count, item.share_estimate)
        return out


class PeriodFact(FactBase):
    """One of two or more named periods compared ("June vs July", "each week of July")."""

    kind: Literal["period"] = "period"
    label: str
    start: datetime
    end: datetime
    sentiment: Sentiment | None = None
    count: int = Field(description="Mentions of the asked sentiment (all when none).")
    total: int = Field(description="All counted mentions in the period.")
    share: float | None = Field(default=None, description="Percent of total (a sentiment asked).")
    per_day: float = Field(description="count per day the data covers in the period.")
    partial: bool = Field(description="The data covers the period only in part.")
    estimate: LabelEstimate | None = Field(
        default=None,
        description="The estimated true count allowing for the sentiment labels' errors, "
        "with its interval; null when no sentiment is counted.",
    )
    share_estimate: LabelEstimate | None = Field(
        default=None, description="The share's estimate, likewise (percent of total)."
    )

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        f = p["fact"]
        share = (
            ""
            if self.share is None
            else f["period_share"].format(
                share=raw(self.share, language), total=raw(self.total, language)
            )
        )
        return str(f["period"]).format(
            label=self.label,
            count=raw(self.count, language),
            sentiment=_sentiment(p, self.sentiment),
            share_text=share,
            per_day=raw(self.per_day, language),
            partial=f["partial"] if self.partial else "",
        ) + _estimate_text(p, language, self.estimate, self.count, self.share_estimate)

    def _numbers(self) -> list[float]:
        share = [] if self.share is None else [self.share, self.total]
        extra = _estimate_numbers(self.estimate, self.count, self.share_estimate)
        return [self.count, self.per_day, *share, *extra]


class CoverageFact(FactBase):
    """What part of a period the data covers: the workspace's first and last mention in it
    and the days that have any. A period covered in part is no whole month or week to
    compare a whole one with."""

    kind: Literal["coverage"] = "coverage"
    period: str
    first: datetime | None
    last: datetime | None
    days_with_data: int
    days: int
    partial: bool

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        f = p["fact"]
        if self.first is None or self.last is None:
            return str(f["coverage_none"]).format(period=self.period)
        return str(f["coverage"]).format(
            period=self.period,
            first=self.first.strftime("%Y-%m-%d %H:%M"),
            last=self.last.strftime("%Y-%m-%d %H:%M"),
            days_with_data=raw(self.days_with_data, language),
            days=raw(self.days, language),
        )

    def _numbers(self) -> list[float]:
        return [self.days_with_data, self.days]


class RatingPoint(BaseModel):
    start: date
    average: float | None
    rated: int


class RatingFact(FactBase):
    """The average star rating of the mentions that have one (and NPS on 0-10 scales)."""

    kind: Literal["rating"] = "rating"
    period: str
    average: float | None
    rated: int = Field(description="Mentions with a rating.")
    low: int = Field(description="Ratings in the bottom two fifths of the scale (1-2 of 5).")
    low_share: float | None = None
    nps: float | None = Field(default=None, description="Net promoter score on 0-10 scales.")
    part_min: float | None = Field(default=None, description="An asked range's lowest rating.")
    part_max: float | None = Field(default=None, description="...and its highest.")
    part: int | None = Field(default=None, description="Rated mentions in the asked range.")
    part_share: float | None = Field(default=None, description="Percent of rated mentions.")
    series: list[RatingPoint] | None = Field(
        default=None, description="The average per day, week or month, when a series is asked."
    )
    granularity: Granularity | None = None

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        f = p["fact"]
        text = str(f["rating"]).format(
            period=self.period,
            average=raw(self.average or 0.0, language),
            rated=raw(self.rated, language),
            low=raw(self.low, language),
            low_share=raw(self.low_share or 0.0, language),
        )
        if self.nps is not None:
            text += str(f["nps"]).format(nps=raw(self.nps, language))
        if self.part is not None:
            text += str(f["rating_part"]).format(
                range=stars_text(self.part_min, self.part_max),
                part=raw(self.part, language),
                part_share=raw(self.part_share or 0.0, language),
            )
        return text

    def _numbers(self) -> list[float]:
        out: list[float] = [self.rated, self.low]
        out += [
            v
            for v in (
                self.average,
                self.low_share,
                self.nps,
                self.part,
                self.part_share,
                self.part_min,
                self.part_max,
            )
            if v is not None
        ]
        for point in self.series or []:
            out.append(point.rated)
            if point.average is not None:
                out.append(point.average)
        return out


def stars_text(low: float | None, high: float | None) -> str:
    """An asked rating range as written: "1–2", "5"."""
    a, b = (f"{v:g}" if v is not None else "" for v in (low, high))
    return a if a == b or not b else f"{a}–{b}" if a else f"≤{b}"


class NameMatchFact(FactBase):
    """A name the question uses that the catalog does not know, counted in the texts."""

    kind: Literal["name_match"] = "name_match"
    name: str = Field(description="The name as the question wrote it, inert.")
    patterns: list[str]
    count: int = Field(description="Counted mentions whose text names it, in scope.")
    term: bool = Field(False, description="A word of the question, not a name.")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        key = "term_match" if self.term else "name_match"
        return str(p["fact"][key]).format(name=self.name, count=raw(self.count, language))

    def _numbers(self) -> list[float]:
        return [self.count]


class ThemeFact(FactBase):
    """A theme found by clustering the mentions in scope (no taxonomy topic): discovered,
    not configured. Counts are its members in each period."""

    kind: Literal["theme"] = "theme"
    key: str
    name: str = Field(description="Named from its most telling words, inert.")
    current: int
    baseline: int | None = None
    delta: int | None = None
    share: float = Field(description="Percent of the mentions in scope in the period.")
    total: int
    rank: int
    discovered: bool = True

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        f = p["fact"]
        change = (
            ""
            if self.baseline is None
            else f["theme_change"].format(
                baseline=raw(self.baseline, language), delta=f"{self.delta or 0:+d}"
            )
        )
        return str(f["theme"]).format(
            name=self.name,
            current=raw(self.current, language),
            share=raw(self.share, language),
            total=raw(self.total, language),
            change=change,
        )

    def _numbers(self) -> list[float]:
        out: list[float] = [self.current, self.share, self.total]
        if self.baseline is not None:
            out += [self.baseline, abs(self.delta or 0)]
        return out


class VoiceFact(FactBase):
    """A brand's (or a catalog competitor's) share of voice among the brands compared, and
    its negative share, in the period beside the previous one; ``significant`` says whether
    its negative share moved beyond chance (two-proportion z-test)."""

    kind: Literal["voice"] = "voice"
    dimension: Literal["brand", "entity"]
    value: str = Field(description="The brand as stored, or the catalog entity id.")
    name: str = Field(description="Its display name, inert.")
    total: int
    previous_total: int
    share: float = Field(description="Percent of the mentions of all brands compared.")
    previous_share: float
    negative: int
    previous_negative: int = Field(0, description="Its negative mentions the period before.")
    negative_share: float = Field(description="Percent of its own mentions.")
    previous_negative_share: float
    significant: bool
    p_value: float | None = None
    focus: bool = Field(False, description="The brand the brief is written for.")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        return str(p["fact"]["voice"]).format(
            name=self.name,
            total=raw(self.total, language),
            previous_total=raw(self.previous_total, language),
            share=raw(self.share, language),
            previous_share=raw(self.previous_share, language),
            negative=raw(self.negative, language),
            negative_share=raw(self.negative_share, language),
            previous_negative_share=raw(self.previous_negative_share, language),
        )

    def _numbers(self) -> list[float]:
        return [
            self.total,
            self.previous_total,
            self.share,
            self.previous_share,
            self.negative,
            self.negative_share,
            self.previous_negative_share,
        ]


class NotableFact(FactBase):
    """A mention worth reading on its own: the widest reach, or among the most negative."""

    kind: Literal["notable"] = "notable"
    reason: Literal["reach", "negative"]
    mention: int = Field(description="The mention's id (also its citation).")
    reach: int | None = Field(None, description="Its reach, where the source gives one.")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        key = "notable_reach" if self.reason == "reach" else "notable_negative"
        return str(p["fact"][key]).format(
            mention=self.mention, reach=raw(self.reach or 0, language)
        )

    def _numbers(self) -> list[float]:
        return [self.reach] if self.reason == "reach" and self.reach is not None else []


class KpiFact(FactBase):
    """A brief's key figure in its period beside the previous period (and the longer
    baseline's average per period), taken from the facts named in ``based_on``; the change
    is a percent for counts, points for shares, stars for ratings."""

    kind: Literal["kpi"] = "kpi"
    key: Literal["volume", "negative", "negative_share", "positive_share", "rating", "nps"]
    unit: Literal["count", "percent", "stars", "points"]
    current: float
    previous: float | None = None
    baseline: float | None = Field(
        None, description="The longer baseline's average per period of the same length."
    )
    change: float | None = None
    significant: bool | None = Field(
        None, description="The change is beyond what chance alone produces (p < 0.05)."
    )
    within_label_error: bool = Field(
        False, description="The sentiment labels' own error could make this change."
    )
    based_on: list[str] = Field(default_factory=list, description="Ids of the facts behind it.")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        k = p["brief"]["kpi"]
        values = {
            "current": _whole(self.current, language),
            "previous": "" if self.previous is None else _whole(self.previous, language),
            "change": "" if self.change is None else raw_signed(self.change, language),
            "baseline": "" if self.baseline is None else _whole(self.baseline, language),
        }
        text = str(k[self.key if self.previous is not None else f"{self.key}_only"]).format(
            **values
        )
        if self.baseline is not None:
            text += str(k["baseline"]).format(**values)
        if self.significant is not None:
            text += str(k["significant" if self.significant else "noise"])
        if self.within_label_error:
            text += str(k["label_error"])
        return text

    def _numbers(self) -> list[float]:
        return [
            abs(v)
            for v in (self.current, self.previous, self.change, self.baseline)
            if v is not None
        ]


def _whole(value: float, language: str) -> str:
    """A count kept as a float, shown as the whole number it is."""
    return raw(int(value) if float(value).is_integer() else value, language)


class CaveatFact(FactBase):
    """Why the numbers say less than they seem to, or why some are missing."""

    kind: Literal["caveat"] = "caveat"
    reason: CaveatReason
    threshold: int | None = Field(
        default=None, description="The limit the caveat names (fewest mentions, fewest sides)."
    )
    subject: str | None = Field(
        default=None, description="What the caveat is about (a period, a name, words), inert."
    )
    window: PlanWindow | None = Field(default=None, description="The period it is about.")

    def _phrase(self, p: dict[str, Any], language: str) -> str:
        n = "" if self.threshold is None else raw(self.threshold, language)
        subject = self.subject or (self.window.label if self.window is not None else "")
        return str(p["fact"]["caveat"][self.reason]).format(n=n, subject=subject)

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
    | RankingFact
    | PeriodFact
    | CoverageFact
    | RatingFact
    | NameMatchFact
    | ThemeFact
    | VoiceFact
    | NotableFact
    | KpiFact
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
