"""The Trends page's series, read from the ask engine's own trend answers (front-ends reach
analytics only through the services): volume, negative mentions and average rating per
bucket, each bucket's exact bounds in the workspace's time zone (for the drill-down search),
and the spikes the engine found.

A trend is asked as three plain English questions ("mentions about United by day from
2015-02-17 to 2015-02-24", the same with "negative", "average rating ..."), so the series
are the very numbers /v1/ask would give; the plan of each comes back, so the page shows how
the scope was read, and a value the planner did not take is reported, never dropped in
silence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ask.facts import CountFact, RatingFact, SpikeFact
from ask.service import AskResult

Granularity = Literal["day", "week", "month"]


@dataclass(frozen=True)
class TrendScope:
    granularity: Granularity = "day"
    brand: str | None = None
    topic: str | None = None  # the topic's name, as the taxonomy has it
    source: str | None = None
    location: str | None = None
    since: date | None = None
    until: date | None = None  # included

    def words(self) -> str:
        parts = []
        if self.brand:
            parts.append(f"about {self.brand}")
        if self.topic:
            parts.append(f"about {self.topic}")
        if self.source:
            parts.append(f"from {self.source}")
        if self.location:
            parts.append(f"in {self.location}")
        parts.append(f"by {self.granularity}")
        if self.since and self.until:
            parts.append(f"from {self.since.isoformat()} to {self.until.isoformat()}")
        elif self.since:
            parts.append(f"since {self.since.isoformat()}")
        return " ".join(parts)

    def questions(self) -> dict[str, str]:
        scope = self.words()
        return {
            "volume": f"mentions {scope}",
            "negative": f"negative mentions {scope}",
            "rating": f"average rating {scope}",
        }


@dataclass
class Bucket:
    start: date
    since: datetime  # the bucket's first instant inside the window, in the plan's zone
    until: datetime  # its end (exclusive), cut at the window's end
    volume: int = 0
    negative: int | None = None
    negative_share: float | None = None
    rating: float | None = None
    rated: int = 0
    spike: dict[str, Any] | None = None
    negative_spike: dict[str, Any] | None = None


@dataclass
class Trend:
    granularity: Granularity
    timezone: str
    period: str
    window: dict[str, Any] | None
    buckets: list[Bucket] = field(default_factory=list)
    plans: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    questions: dict[str, str] = field(default_factory=dict)


def bucket_end(start: date, granularity: Granularity) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _series(result: AskResult) -> CountFact | None:
    return next((f for f in result.facts if isinstance(f, CountFact) and f.series), None)


def _spikes(result: AskResult) -> list[SpikeFact]:
    return [f for f in result.facts if isinstance(f, SpikeFact)]


def _caveats(result: AskResult) -> list[str]:
    # "No ratings" is the rating chart's own empty state, not a note on the whole trend.
    return [
        f.statement
        for f in result.facts
        if f.kind in ("caveat", "name_match") and getattr(f, "reason", None) != "no_ratings"
    ]


def build(scope: TrendScope, answers: dict[str, AskResult]) -> Trend:
    """The trend from the three answers (``volume``, ``negative``, ``rating``)."""
    volume = answers["volume"]
    plan = volume.plan
    tz = ZoneInfo(plan.timezone)
    trend = Trend(
        granularity=scope.granularity,
        timezone=plan.timezone,
        period=plan.window.label if plan.window else "",
        window=plan.window.model_dump(mode="json") if plan.window else None,
        questions=scope.questions(),
        plans={name: a.plan.model_dump(mode="json") for name, a in answers.items()},
        unread=list(plan.unread),
        warnings=list(dict.fromkeys(w for a in answers.values() for w in a.warnings)),
        notes=list(dict.fromkeys(n for a in answers.values() for n in _caveats(a))),
    )
    counted = _series(volume)
    if counted is None or counted.series is None:
        return trend
    lo = plan.window.start if plan.window else None
    hi = plan.window.end if plan.window else None
    for point in counted.series:
        start = datetime.combine(point.start, datetime.min.time(), tz)
        end = datetime.combine(bucket_end(point.start, scope.granularity), datetime.min.time(), tz)
        since = max(start, lo) if lo else start
        until = min(end, hi) if hi else end
        trend.buckets.append(
            Bucket(
                start=point.start,
                since=since.astimezone(UTC),
                until=until.astimezone(UTC),
                volume=point.count,
            )
        )
    by_start = {b.start: b for b in trend.buckets}
    negative = _series(answers["negative"])
    if negative is not None and negative.series is not None:
        for point in negative.series:
            if (b := by_start.get(point.start)) is not None:
                b.negative = point.count
                b.negative_share = round(100.0 * point.count / b.volume, 1) if b.volume else None
    rating = next((f for f in answers["rating"].facts if isinstance(f, RatingFact)), None)
    if rating is not None and rating.series:
        for rp in rating.series:
            if (b := by_start.get(rp.start)) is not None:
                b.rating = rp.average
                b.rated = rp.rated
    for name, attr in (("volume", "spike"), ("negative", "negative_spike")):
        for spike in _spikes(answers[name]):
            day = datetime.combine(spike.day, datetime.min.time(), tz).astimezone(UTC)
            for b in trend.buckets:
                if b.since <= day < b.until:
                    setattr(
                        b,
                        attr,
                        {
                            "day": spike.day.isoformat(),
                            "count": spike.count,
                            "expected": spike.expected,
                        },
                    )
    return trend


def missing_from_plan(scope: TrendScope, plan: dict[str, Any], topic_id: str | None) -> list[str]:
    """Values of the scope the planner did not take as filters (shown as a warning)."""
    missing = []
    if scope.brand and scope.brand not in plan.get("brands", []) and not plan.get("entities"):
        missing.append(scope.brand)
    if scope.topic and topic_id not in plan.get("topics", []):
        missing.append(scope.topic)
    if scope.source and scope.source not in plan.get("sources", []):
        missing.append(scope.source)
    if scope.location and scope.location not in plan.get("locations", []):
        missing.append(scope.location)
    return missing
