"""From a plan to evidence: the numbers (computed by analytics, exact SQL counts) and the
quotes that show them. Every number a composer may write is a Fact's number.

Analysis only builds typed facts (ask/facts.py); what they say comes from ask/phrases, so
nothing here is phrased in any language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine

from analytics.compare import compare_periods
from analytics.counts import breakdown, sentiment_counts, series
from analytics.drivers import drivers
from analytics.scope import Scope
from analytics.spikes import spikes
from ask.facts import (
    BreakdownFact,
    CaveatFact,
    CaveatReason,
    ChangeFact,
    ComparisonFact,
    CountFact,
    Dimension,
    DriverFact,
    Evidence,
    Fact,
    FactBase,
    Granularity,
    HalvesFact,
    PeakFact,
    RateChangeFact,
    SentimentShareFact,
    SeriesPoint,
    ShareChangeFact,
    SpikeFact,
    WindowFact,
)
from ask.plan import Intent, Plan, PlanWindow
from ask.quotes import QuotePicker
from ask.untrusted import inert
from hark.domain import Sentiment
from store.analytics import ALL_TIME_END, ALL_TIME_START

ALL_TIME = PlanWindow(start=ALL_TIME_START, end=ALL_TIME_END, label="all time")
TOP = 3
QUOTES_PER_DRIVER = 2
SMALL = 10
NAME_CHARS = 60
# The dimensions whose values can drive a change, in the order they are shown.
DIMENSIONS: tuple[Dimension, ...] = ("topic", "brand", "source", "location")


def pct(x: float | None) -> float:
    return 0.0 if x is None else round(100 * x, 1)


@dataclass
class Analysis:
    plan: Plan
    scope: Scope
    quotes: QuotePicker
    topic_names: dict[str, str]
    evidence: Evidence

    def next_id(self) -> str:
        return f"f{len(self.evidence.facts) + 1}"

    def add(self, fact: Fact) -> Fact:
        self.evidence.facts.append(fact)
        return fact

    def cite(self, fact: FactBase, ids: list[int]) -> None:
        fact.citations = ids
        self.evidence.quotes.extend(self.quotes.take(ids, illustrates=fact.id))

    def name(self, value: str, dimension: str = "topic") -> str:
        """A display name for a driver value. Brand, source and location values come from
        the data (so from outside): made inert (one line, no markup, links or quote marks)
        and capped, they cannot pass for instructions in a prompt's facts block nor render
        as markup in the facts returned with an answer."""
        name = self.topic_names.get(value, value) if dimension == "topic" else value
        return inert(str(name))[:NAME_CHARS]


def analyse(
    plan: Plan, scope: Scope, engine: Engine, quotes: QuotePicker, topic_names: dict[str, str]
) -> Evidence:
    a = Analysis(plan, scope, quotes, topic_names, Evidence())
    window = plan.window or ALL_TIME
    a.add(WindowFact(id=a.next_id(), window=window))
    handler: Callable[[Analysis, Engine, PlanWindow], None] = {
        Intent.WHY_CHANGE: _why_change,
        Intent.COMPARE: _compare,
        Intent.TREND: _trend,
        Intent.COUNT: _count,
        Intent.EXAMPLES: _examples,
        Intent.SUMMARISE: _summarise,
    }[plan.intent]
    handler(a, engine, window)
    return a.evidence


def _asked(a: Analysis, counts: dict[str, int]) -> int:
    """Mentions of the asked sentiment (all of them when none was asked)."""
    return counts.get(a.plan.sentiment.value, 0) if a.plan.sentiment else counts["total"]


def _count_fact(
    a: Analysis,
    total: int,
    window: PlanWindow,
    series: list[SeriesPoint] | None = None,
    granularity: Granularity | None = None,
) -> CountFact:
    """Mentions of the asked sentiment in ``window`` (a trend adds its series)."""
    return CountFact(
        id=a.next_id(),
        total=total,
        sentiment=a.plan.sentiment,
        period=window.label,
        series=series,
        granularity=granularity,
    )


def _caveat(a: Analysis, reason: CaveatReason, threshold: int | None = None) -> None:
    a.add(CaveatFact(id=a.next_id(), reason=reason, threshold=threshold))


def _count(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)
    total = _asked(a, counts)
    fact = a.add(_count_fact(a, total, window))
    a.cite(fact, a.quotes.pick(window, k=TOP))
    if not a.plan.sentiment and total:
        for s in Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE:
            n = counts.get(s.value, 0)
            a.add(SentimentShareFact(id=a.next_id(), sentiment=s, count=n, share=pct(n / total)))
    if total == 0:
        _caveat(a, "empty")


def _summarise(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)
    total = _asked(a, counts)
    count = a.add(_count_fact(a, total, window))
    if total == 0:
        _caveat(a, "empty")
        return
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    rows = breakdown(engine, a.scope, window, "topic", sentiment=sentiment, limit=TOP + 2)
    if not rows:
        _caveat(a, "no_topic_matches" if a.topic_names else "no_topics")
        # Without topics the count itself is illustrated (the composer shows these quotes
        # under the caveat).
        a.cite(count, a.quotes.pick(window, k=TOP + 2))
        return
    for rank, (topic, n) in enumerate(rows, start=1):
        fact = a.add(
            BreakdownFact(
                id=a.next_id(),
                topic=topic,
                name=a.name(topic),
                count=n,
                share=pct(n / total),
                total=total,
                rank=rank,
            )
        )
        if rank <= TOP:
            a.cite(fact, a.quotes.pick(window, k=QUOTES_PER_DRIVER, topic=topic))


def _why_change(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    baseline = a.plan.baseline
    assert baseline is not None
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    cmp = compare_periods(engine, a.scope, window, baseline, sentiment=sentiment)
    a.add(
        ChangeFact(
            id=a.next_id(),
            sentiment=a.plan.sentiment,
            period=window.label,
            baseline_period=baseline.label,
            current=cmp.current.count,
            baseline=cmp.baseline.count,
            relative=None if cmp.relative_change is None else pct(cmp.relative_change),
            significant=cmp.significant,
            p_value=round(cmp.count_p_value, 4),
            per_day=cmp.lengths_differ,
            current_rate=round(cmp.current.rate, 1),
            baseline_rate=round(cmp.baseline.rate, 1),
        )
    )
    if cmp.lengths_differ:
        a.add(
            RateChangeFact(
                id=a.next_id(),
                current_rate=round(cmp.current.rate, 1),
                baseline_rate=round(cmp.baseline.rate, 1),
            )
        )
    if a.plan.sentiment and cmp.current.share is not None and cmp.baseline.share is not None:
        a.add(
            ShareChangeFact(
                id=a.next_id(),
                sentiment=a.plan.sentiment,
                current=pct(cmp.current.share),
                baseline=pct(cmp.baseline.share),
                significant=cmp.share_significant,
            )
        )
    if not cmp.enough_data:
        _caveat(a, "small", SMALL)
    elif not cmp.significant:
        _caveat(a, "noise")
    for dimension in DIMENSIONS:
        if dimension == "brand" and len(a.plan.brands) == 1:
            continue
        report = drivers(
            engine,
            a.scope,
            window,
            baseline,
            dimension=dimension,
            sentiment=sentiment,
            limit=TOP,
        )
        if (
            not report.available
            or not report.drivers
            or (len({d.value for d in report.drivers}) < 2 and dimension != "topic")
        ):
            continue
        # Topics explain a change best; other dimensions add their two strongest values.
        shown = report.drivers if dimension == "topic" else report.drivers[:2]
        for d in shown:
            if report.direction != "flat" and (d.contribution > 0) != (report.direction == "up"):
                continue
            fact = a.add(
                DriverFact(
                    id=a.next_id(),
                    dimension=dimension,
                    value=d.value,
                    name=a.name(d.value, dimension),
                    current=d.current,
                    baseline=d.baseline,
                    delta=d.delta,
                    share=None if d.share_of_change is None else pct(d.share_of_change),
                    significant=d.significant,
                )
            )
            k = QUOTES_PER_DRIVER if dimension == "topic" else 1
            # The dimension names pick's keyword (topic=, brand=, ...); mypy cannot see that.
            a.cite(fact, a.quotes.pick(window, k=k, **{dimension: d.value}))  # type: ignore[arg-type]


def _trend(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    span = window.end - window.start
    granularity: Granularity = "day" if span <= timedelta(days=62) else "week"
    buckets = series(engine, a.scope, window, granularity)
    key = sentiment or "total"
    values: list[tuple[datetime, int]] = [(b.start, getattr(b, key)) for b in buckets]
    total = sum(v for _, v in values)
    points = [SeriesPoint(start=s.date(), count=v) for s, v in values]
    a.add(_count_fact(a, total, window, points, granularity))
    if not total:
        _caveat(a, "empty")
        return
    ends = {b.start: b.end for b in buckets}
    peak_start, peak = max(values, key=lambda x: (x[1], x[0]))
    fact = a.add(
        PeakFact(id=a.next_id(), granularity=granularity, start=peak_start.date(), count=peak)
    )
    # The bucket's own bounds: the first and last buckets are cut to the window.
    a.cite(
        fact,
        a.quotes.pick(PlanWindow(start=peak_start, end=ends[peak_start], label=""), k=TOP),
    )
    half = len(values) // 2
    if half:
        first, second = sum(v for _, v in values[:half]), sum(v for _, v in values[half:])
        a.add(HalvesFact(id=a.next_id(), first=first, second=second))
    for s in spikes(engine, a.scope, window, sentiment=sentiment)[:TOP]:
        a.add(SpikeFact(id=a.next_id(), day=s.day, count=s.count, expected=round(s.expected)))


def _compare(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    names: list[tuple[Literal["brand", "entity"], str]] = [("brand", b) for b in a.plan.brands] + [
        ("entity", e) for e in a.plan.entities
    ]
    if a.plan.baseline is not None and len(names) < 2:
        _why_change(a, engine, window)
        return
    if len(names) < 2:
        _caveat(a, "one_side", 2)
        _summarise(a, engine, window)
        return
    base_filters = a.scope.filters.model_copy(update={"brands": []})
    for dimension, value in names:
        scope = Scope(
            a.scope.workspace,
            base_filters.model_copy(update={"brands": [value]})
            if dimension == "brand"
            else base_filters,
            topics=a.scope.topics,
            entities=(value,) if dimension == "entity" else (),
        )
        counts = sentiment_counts(engine, scope, window)
        total = counts["total"]
        neg, posv = counts.get("negative", 0), counts.get("positive", 0)
        fact = a.add(
            ComparisonFact(
                id=a.next_id(),
                dimension=dimension,
                value=value,
                name=a.name(value, dimension),
                total=total,
                negative=neg,
                positive=posv,
                negative_share=pct(neg / total if total else None),
                positive_share=pct(posv / total if total else None),
            )
        )
        a.cite(fact, a.quotes.pick(window, k=QUOTES_PER_DRIVER, scope=scope))


def _examples(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)
    fact = a.add(_count_fact(a, _asked(a, counts), window))
    a.cite(fact, a.quotes.pick(window, k=5, query=a.plan.search_text or a.plan.question))
