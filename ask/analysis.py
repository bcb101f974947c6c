"""From a plan to evidence: the numbers (computed by analytics, exact SQL counts) and the
quotes that show them. Every number a composer may write is a Fact's number."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from analytics.compare import compare_periods
from analytics.counts import breakdown, sentiment_counts, series
from analytics.drivers import drivers
from analytics.scope import Scope
from analytics.spikes import spikes
from ask.facts import Evidence, Fact
from ask.plan import Intent, Plan, PlanWindow
from ask.quotes import QuotePicker
from ask.untrusted import inert
from store.analytics import ALL_TIME_END, ALL_TIME_START

ALL_TIME = PlanWindow(start=ALL_TIME_START, end=ALL_TIME_END, label="all time")
TOP = 3
QUOTES_PER_DRIVER = 2
SMALL = 10
NAME_CHARS = 60


def pct(x: float | None) -> float:
    return 0.0 if x is None else round(100 * x, 1)


@dataclass
class Analysis:
    plan: Plan
    scope: Scope
    quotes: QuotePicker
    topic_names: dict[str, str]
    evidence: Evidence

    def add(self, kind: str, statement: str, numbers: list[float], **data: object) -> Fact:
        fact = Fact(
            id=f"f{len(self.evidence.facts) + 1}",
            kind=kind,
            statement=statement,
            numbers=[float(n) for n in numbers],
            data=dict(data),
        )
        self.evidence.facts.append(fact)
        return fact

    def cite(self, fact: Fact, ids: list[int]) -> None:
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
    plan: Plan, scope: Scope, engine: object, quotes: QuotePicker, topic_names: dict[str, str]
) -> Evidence:
    a = Analysis(plan, scope, quotes, topic_names, Evidence())
    window = plan.window or ALL_TIME
    a.add("window", f"Period: {window.label}", [], window=window.model_dump(mode="json"))
    handler: Callable[[Analysis, object, PlanWindow], None] = {
        Intent.WHY_CHANGE: _why_change,
        Intent.COMPARE: _compare,
        Intent.TREND: _trend,
        Intent.COUNT: _count,
        Intent.EXAMPLES: _examples,
        Intent.SUMMARISE: _summarise,
    }[plan.intent]
    handler(a, engine, window)
    return a.evidence


def _sentiment_word(plan: Plan) -> str:
    return f"{plan.sentiment.value} " if plan.sentiment else ""


def _asked(a: Analysis, counts: dict[str, int]) -> int:
    """Mentions of the asked sentiment (all of them when none was asked)."""
    return counts.get(a.plan.sentiment.value, 0) if a.plan.sentiment else counts["total"]


def _count(a: Analysis, engine: object, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)  # type: ignore[arg-type]
    total = _asked(a, counts)
    word = _sentiment_word(a.plan)
    fact = a.add("count", f"{total} {word}mentions in {window.label}", [total], total=total)
    a.cite(fact, a.quotes.pick(window, k=TOP))
    if not a.plan.sentiment and total:
        for s in ("negative", "neutral", "positive"):
            n = counts.get(s, 0)
            a.add(
                "share",
                f"{n} of them {s} ({pct(n / total)}%)",
                [n, pct(n / total)],
                sentiment=s,
                count=n,
                share=pct(n / total),
            )
    if total == 0:
        a.add("caveat", "No mentions match the question in that period.", [], reason="empty")


def _summarise(a: Analysis, engine: object, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)  # type: ignore[arg-type]
    total = _asked(a, counts)
    word = _sentiment_word(a.plan)
    a.add("count", f"{total} {word}mentions in {window.label}", [total], total=total)
    if total == 0:
        a.add("caveat", "No mentions match the question in that period.", [], reason="empty")
        return
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    rows = breakdown(engine, a.scope, window, "topic", sentiment=sentiment, limit=TOP + 2)  # type: ignore[arg-type]
    if not rows:
        if a.topic_names:
            a.add(
                "caveat",
                "None of these mentions has a topic of the taxonomy yet.",
                [],
                reason="no_topic_matches",
            )
        else:
            a.add(
                "caveat",
                "No topic taxonomy is set, so mentions are not grouped by topic.",
                [],
                reason="no_topics",
            )
        a.cite(a.evidence.facts[-2], a.quotes.pick(window, k=TOP + 2))
        return
    for rank, (topic, n) in enumerate(rows, start=1):
        fact = a.add(
            "breakdown",
            f"{a.name(topic)}: {n} mentions ({pct(n / total)}% of {total})",
            [n, pct(n / total), total],
            topic=topic,
            name=a.name(topic),
            count=n,
            share=pct(n / total),
            rank=rank,
        )
        if rank <= TOP:
            a.cite(fact, a.quotes.pick(window, k=QUOTES_PER_DRIVER, topic=topic))


def _why_change(a: Analysis, engine: object, window: PlanWindow) -> None:
    baseline = a.plan.baseline
    assert baseline is not None
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    cmp = compare_periods(engine, a.scope, window, baseline, sentiment=sentiment)  # type: ignore[arg-type]
    word = _sentiment_word(a.plan)
    rel = None if cmp.relative_change is None else pct(cmp.relative_change)
    numbers = [cmp.current.count, cmp.baseline.count] + ([abs(rel)] if rel is not None else [])
    a.add(
        "change",
        f"{word}mentions: {cmp.current.count} in {window.label} vs {cmp.baseline.count} in "
        f"{baseline.label}" + (f" ({rel:+.1f}%)" if rel is not None else ""),
        numbers,
        current=cmp.current.count,
        baseline=cmp.baseline.count,
        relative=rel,
        significant=cmp.significant,
        p_value=round(cmp.count_p_value, 4),
        per_day=cmp.lengths_differ,
        current_rate=round(cmp.current.rate, 1),
        baseline_rate=round(cmp.baseline.rate, 1),
    )
    if cmp.lengths_differ:
        a.add(
            "change",
            f"per day: {round(cmp.current.rate, 1)} vs {round(cmp.baseline.rate, 1)}",
            [round(cmp.current.rate, 1), round(cmp.baseline.rate, 1)],
        )
    if sentiment and cmp.current.share is not None and cmp.baseline.share is not None:
        a.add(
            "share",
            f"share of {sentiment} mentions: "
            f"{pct(cmp.current.share)}% vs {pct(cmp.baseline.share)}%",
            [pct(cmp.current.share), pct(cmp.baseline.share)],
            current=pct(cmp.current.share),
            baseline=pct(cmp.baseline.share),
            significant=cmp.share_significant,
        )
    if not cmp.enough_data:
        a.add(
            "caveat",
            f"Fewer than {SMALL} mentions in a period: too few to call this a trend.",
            [SMALL],
            reason="small",
        )
    elif not cmp.significant:
        a.add(
            "caveat",
            "The change is within what chance alone produces (not significant).",
            [],
            reason="noise",
        )
    for dimension in ("topic", "brand", "source", "location"):
        if dimension == "brand" and len(a.plan.brands) == 1:
            continue
        report = drivers(
            engine, a.scope, window, baseline, dimension=dimension, sentiment=sentiment, limit=TOP
        )  # type: ignore[arg-type]
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
            share = pct(d.share_of_change) if d.share_of_change is not None else None
            fact = a.add(
                "driver",
                f"{a.name(d.value, dimension)}: {d.current} vs {d.baseline} ({d.delta:+d})"
                + (f", {share}% of the change" if share is not None else ""),
                [d.current, d.baseline, abs(d.delta)] + ([share] if share is not None else []),
                dimension=dimension,
                value=d.value,
                name=a.name(d.value, dimension),
                current=d.current,
                baseline=d.baseline,
                delta=d.delta,
                share=share,
                significant=d.significant,
            )
            k = QUOTES_PER_DRIVER if dimension == "topic" else 1
            a.cite(fact, a.quotes.pick(window, k=k, **{dimension: d.value}))


def _trend(a: Analysis, engine: object, window: PlanWindow) -> None:
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    span = window.end - window.start
    granularity = "day" if span <= timedelta(days=62) else "week"
    buckets = series(engine, a.scope, window, granularity)  # type: ignore[arg-type]
    key = sentiment or "total"
    values = [(b.start, getattr(b, key)) for b in buckets]
    total = sum(v for _, v in values)
    word = _sentiment_word(a.plan)
    a.add(
        "count",
        f"{total} {word}mentions in {window.label}",
        [total],
        total=total,
        series=[{"start": s.date().isoformat(), "count": v} for s, v in values],
        granularity=granularity,
    )
    if not total:
        a.add("caveat", "No mentions match the question in that period.", [], reason="empty")
        return
    ends = {b.start: b.end for b in buckets}
    peak_start, peak = max(values, key=lambda x: (x[1], x[0]))
    fact = a.add(
        "peak",
        f"busiest {granularity}: {peak_start.date().isoformat()} with {peak}",
        [peak],
        start=peak_start.date().isoformat(),
        count=peak,
        granularity=granularity,
    )
    # The bucket's own bounds: the first and last buckets are cut to the window.
    a.cite(
        fact,
        a.quotes.pick(PlanWindow(start=peak_start, end=ends[peak_start], label=""), k=TOP),
    )
    half = len(values) // 2
    if half:
        first, second = sum(v for _, v in values[:half]), sum(v for _, v in values[half:])
        a.add(
            "change",
            f"first half {first}, second half {second}",
            [first, second],
            first=first,
            second=second,
        )
    for s in spikes(engine, a.scope, window, sentiment=sentiment)[:TOP]:  # type: ignore[arg-type]
        a.add(
            "spike",
            f"spike on {s.day.isoformat()}: {s.count} against about {round(s.expected)} usual",
            [s.count, round(s.expected)],
            day=s.day.isoformat(),
            count=s.count,
            expected=round(s.expected),
        )


def _compare(a: Analysis, engine: object, window: PlanWindow) -> None:
    names = [("brand", b) for b in a.plan.brands] + [("entity", e) for e in a.plan.entities]
    if a.plan.baseline is not None and len(names) < 2:
        _why_change(a, engine, window)
        return
    if len(names) < 2:
        a.add(
            "caveat", "Name at least two brands or competitors to compare.", [2], reason="one_side"
        )
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
        counts = sentiment_counts(engine, scope, window)  # type: ignore[arg-type]
        total = counts["total"]
        neg, posv = counts.get("negative", 0), counts.get("positive", 0)
        fact = a.add(
            "comparison",
            f"{a.name(value, dimension)}: {total} mentions, "
            f"{neg} negative ({pct(neg / total if total else None)}%), "
            f"{posv} positive ({pct(posv / total if total else None)}%)",
            [
                total,
                neg,
                pct(neg / total if total else None),
                posv,
                pct(posv / total if total else None),
            ],
            name=a.name(value, dimension),
            total=total,
            negative=neg,
            positive=posv,
            negative_share=pct(neg / total if total else None),
            positive_share=pct(posv / total if total else None),
        )
        a.cite(fact, a.quotes.pick(window, k=QUOTES_PER_DRIVER, scope=scope))


def _examples(a: Analysis, engine: object, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)  # type: ignore[arg-type]
    total = _asked(a, counts)
    fact = a.add(
        "count",
        f"{total} {_sentiment_word(a.plan)}mentions match in {window.label}",
        [total],
        total=total,
    )
    a.cite(fact, a.quotes.pick(window, k=5, query=a.plan.search_text or a.plan.question))
