"""From a plan to evidence: the numbers (computed by analytics, exact SQL counts) and the
quotes that show them. Every number a composer may write is a Fact's number.

Beside every sentiment count, share and change it also sets what that count stands for once
the classifier's errors are allowed for (analytics/prevalence.py): an estimate with its 90 %
interval, from the workspace's random audits where it has enough, else from the general
model's measured error; and it flags a change the labels' own error could make.

Analysis only builds typed facts (ask/facts.py); what they say comes from ask/phrases, so
nothing here is phrased in any language."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from analytics.compare import Comparison, compare_periods
from analytics.counts import (
    breakdown,
    count,
    sentiment_counts,
    series,
    topic_version,
    window_counts,
)
from analytics.coverage import Coverage, collection_span, coverage, is_all_time, local_days
from analytics.drivers import drivers
from analytics.prevalence import (
    Audit,
    ClassSums,
    Estimate,
    GeneralError,
    LabelErrors,
    change_within_error,
    estimate,
)
from analytics.scope import Period, Scope, checked
from analytics.spikes import spikes
from ask.facts import (
    BreakdownFact,
    CaveatFact,
    CaveatReason,
    ChangeFact,
    ComparisonFact,
    CountFact,
    CoverageFact,
    Dimension,
    DriverFact,
    Evidence,
    Fact,
    FactBase,
    Granularity,
    HalvesFact,
    LabelEstimate,
    NameMatchFact,
    PeakFact,
    PeriodFact,
    RankingFact,
    RankItem,
    RateChangeFact,
    RatingFact,
    RatingPoint,
    SentimentShareFact,
    SeriesPoint,
    ShareChangeFact,
    SpikeFact,
    ThemeFact,
    WindowFact,
)
from ask.plan import Intent, Plan, PlanWindow
from ask.quotes import QuotePicker
from ask.untrusted import inert
from hark.domain import AuthorType, Sentiment
from store import coverage as coverage_store
from store import prevalence as prevalence_store
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


# A ranking shows this many values unless the question asks for a top N.
RANK_SHOWN = 5
# A share ranks values with at least this many mentions: 1 of 1 is no 100 %.
MIN_SHARE_SUPPORT = 5
# ...and at least this part of the largest value's mentions (6 of 9 is no leader among
# hundreds).
MIN_SHARE_OF_LARGEST = 0.1
MIN_RATED = 3
UTC_ZONE = ZoneInfo("UTC")


# Themes found on the fly for a scope without a taxonomy: (scope, window, baseline,
# sentiment) -> ask.themes.ThemeReport (themes ranked, with quotes; whether it was capped).
ThemesFn = Callable[[Scope, PlanWindow, PlanWindow | None, str | None], Any]


@dataclass
class Analysis:
    plan: Plan
    scope: Scope
    quotes: QuotePicker
    topic_names: dict[str, str]
    evidence: Evidence
    display: dict[str, str] = field(default_factory=dict)  # entity id -> display name
    tz: tzinfo = UTC_ZONE
    themes: ThemesFn | None = None
    coverage: dict[tuple[datetime, datetime], Coverage] = field(default_factory=dict)
    labels: LabelErrors = field(default_factory=LabelErrors)

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
        if dimension == "topic":
            name = self.topic_names.get(value, value)
        elif dimension == "entity":
            name = self.display.get(value, value)
        else:
            name = value
        return inert(str(name))[:NAME_CHARS]

    def covered(self, window: PlanWindow) -> Coverage | None:
        return self.coverage.get((window.start, window.end))


def analyse(
    plan: Plan,
    scope: Scope,
    engine: Engine,
    quotes: QuotePicker,
    topic_names: dict[str, str],
    *,
    display: dict[str, str] | None = None,
    tz: tzinfo = UTC_ZONE,
    themes: ThemesFn | None = None,
    prevalence_error: GeneralError | None = None,
    model_version: str | None = None,
) -> Evidence:
    """``prevalence_error`` is the sentiment model's relative error of a count per language
    (``SentimentModel.prevalence_error``); without it, analytics.prevalence's default.
    ``model_version``: the workspace's sentiment model now; only random audits of its labels
    correct the counts."""
    with engine.connect() as conn:
        audits = [
            Audit(r.p, r.label, r.language, r.p_at_audit)
            for r in prevalence_store.random_audits(
                conn, workspace=scope.workspace, model_version=model_version
            )
        ]
    a = Analysis(
        plan,
        scope,
        quotes,
        topic_names,
        Evidence(),
        display=display or {},
        tz=tz,
        themes=themes,
        labels=LabelErrors(general=prevalence_error, audits=audits),
    )
    window = plan.window or ALL_TIME
    a.add(WindowFact(id=a.next_id(), window=window))
    _coverage(a, engine, [*plan.periods] or [w for w in (window, plan.baseline) if w])
    for name in plan.names:
        counts = sentiment_counts(engine, scope, window)
        a.add(
            NameMatchFact(
                id=a.next_id(),
                name=inert(name.name)[:NAME_CHARS],
                patterns=[inert(p)[:NAME_CHARS] for p in name.patterns],
                count=_asked(a, counts),
                term=name.term,
            )
        )
        if not name.mentions:
            _caveat(a, "unknown_name", subject=inert(name.name)[:NAME_CHARS])
    for words in plan.unread:
        _caveat(a, "not_understood", subject=inert(words)[:NAME_CHARS])
    handler: Callable[[Analysis, Engine, PlanWindow], None] = {
        Intent.WHY_CHANGE: _why_change,
        Intent.COMPARE: _compare,
        Intent.TREND: _trend,
        Intent.COUNT: _count,
        Intent.EXAMPLES: _examples,
        Intent.SUMMARISE: _summarise,
        Intent.RANK: _rank,
        Intent.SHARE: _share,
    }[plan.intent]
    if plan.measure in ("rating", "nps") and plan.intent is not Intent.RANK:
        handler = _rating
    handler(a, engine, window)
    if not plan.include_brand_authors and plan.intent is not Intent.EXAMPLES:
        # Say how many of the brands' own posts were left out, where there are any.
        brand_only = a.scope.filters.model_copy(update={"author_types": [AuthorType.BRAND]})
        left_out = count(engine, replace(a.scope, filters=brand_only), window)
        if left_out:
            _caveat(a, "brand_authors", left_out)
    # Coverage caveats follow the answer's numbers: what the data lacks qualifies them.
    for w in [*plan.periods] or [w for w in (window, plan.baseline) if w]:
        c = a.covered(w)
        if c is not None and c.empty:
            _caveat(a, "no_data_period", window=w)
        elif c is not None and c.partial:
            _caveat(a, "partial_period", window=w)
    return a.evidence


def _coverage(a: Analysis, engine: Engine, windows: list[PlanWindow]) -> None:
    """Each period's coverage as a fact, and a caveat for one the data covers only in part:
    its numbers are not a whole period's, and a comparison with it says so."""
    span = None
    for w in windows:
        if is_all_time(w) or (w.start, w.end) in a.coverage:
            continue
        if span is None:  # the collection's bounds, read once for every period
            span = collection_span(engine, a.scope.workspace, a.plan.sources)
        c = coverage(engine, a.scope.workspace, w, sources=a.plan.sources, tz=a.tz, collection=span)
        if w.named_end is not None and w.named_end > w.end and not c.partial:
            # The period goes on past the reference day (the data's last day by default):
            # what is counted is its first part only.
            c = replace(c, partial=True, days=local_days(w.start, w.named_end, a.tz))
        a.coverage[(w.start, w.end)] = c
        a.add(
            CoverageFact(
                id=a.next_id(),
                period=w.label,
                first=c.first,
                last=c.last,
                days_with_data=c.days_with_data,
                days=c.days,
                partial=c.partial,
            )
        )


def _asked(a: Analysis, counts: dict[str, int]) -> int:
    """Mentions of the asked sentiment (all of them when none was asked)."""
    return counts.get(a.plan.sentiment.value, 0) if a.plan.sentiment else counts["total"]


# (window index, *key values) -> language -> the store's sums of that group.
Groups = dict[tuple[Any, ...], dict[str | None, prevalence_store.Sums]]


def _prevalence(
    a: Analysis,
    engine: Engine,
    scope: Scope,
    windows: Sequence[Period],
    keys: Sequence[str] = (),
) -> Groups:
    """The sums behind bias-aware counts (store/prevalence.py) over the same scope, windows
    and keys as the exact counts, by group and language."""
    spans = [checked(w) for w in windows]
    with engine.connect() as conn:
        version = topic_version(conn, scope, *keys)
        rows = prevalence_store.prevalence_sums(
            conn, scope=scope, windows=spans, keys=keys, version=version, tz=a.tz
        )
    out: Groups = {}
    for key, sums in rows.items():
        out.setdefault(key[:-1], {})[key[-1]] = sums
    return out


def _estimate(
    a: Analysis, languages: dict[str | None, prevalence_store.Sums] | None, sentiment: str
) -> Estimate | None:
    """The estimate of one sentiment over one group's sums; None for an empty group."""
    if not languages:
        return None
    parts = {lang: ClassSums.of(s.classes[sentiment]) for lang, s in languages.items()}
    model = sum(s.model for s in languages.values())
    return estimate(parts, sentiment, a.labels, model_total=model)


def _count_estimate(e: Estimate | None) -> LabelEstimate | None:
    """A count's estimate as facts show it: whole numbers, the interval rounded outwards."""
    if e is None:
        return None
    return LabelEstimate(
        value=float(round(e.value)),
        low=float(math.floor(e.low + 1e-9)),
        high=float(math.ceil(e.high - 1e-9)),
        method=e.method,
        level=e.level,
    )


def _share_estimate(e: Estimate | None, total: int) -> LabelEstimate | None:
    """The same estimate as a percent of ``total`` (one decimal, rounded outwards)."""
    if e is None or total <= 0:
        return None
    s = e.scaled(100.0 / total)
    return LabelEstimate(
        value=round(s.value, 1),
        low=math.floor(s.low * 10 + 1e-9) / 10,
        high=math.ceil(s.high * 10 - 1e-9) / 10,
        method=e.method,
        level=e.level,
    )


def _asked_estimate(
    a: Analysis, engine: Engine, window: PlanWindow, scope: Scope | None = None
) -> LabelEstimate | None:
    """The estimate of the asked sentiment's count in ``window`` (None when none is asked)."""
    if a.plan.sentiment is None:
        return None
    groups = _prevalence(a, engine, scope or a.scope, [window])
    return _count_estimate(_estimate(a, groups.get((0,)), a.plan.sentiment.value))


def _count_fact(
    a: Analysis,
    total: int,
    window: PlanWindow,
    series: list[SeriesPoint] | None = None,
    granularity: Granularity | None = None,
    estimate: LabelEstimate | None = None,
) -> CountFact:
    """Mentions of the asked sentiment in ``window`` (a trend adds its series)."""
    return CountFact(
        id=a.next_id(),
        total=total,
        sentiment=a.plan.sentiment,
        period=window.label,
        series=series,
        granularity=granularity,
        estimate=estimate,
    )


def _caveat(
    a: Analysis,
    reason: CaveatReason,
    threshold: int | None = None,
    *,
    subject: str | None = None,
    window: PlanWindow | None = None,
) -> None:
    a.add(
        CaveatFact(
            id=a.next_id(), reason=reason, threshold=threshold, subject=subject, window=window
        )
    )


def _count(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)
    total = _asked(a, counts)
    languages = _prevalence(a, engine, a.scope, [window]).get((0,))
    asked = a.plan.sentiment.value if a.plan.sentiment else None
    est = _count_estimate(_estimate(a, languages, asked)) if asked else None
    fact = a.add(_count_fact(a, total, window, estimate=est))
    a.cite(fact, a.quotes.pick(window, k=TOP))
    if not a.plan.sentiment and total:
        for s in Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE:
            n = counts.get(s.value, 0)
            e = _estimate(a, languages, s.value)
            a.add(
                SentimentShareFact(
                    id=a.next_id(),
                    sentiment=s,
                    count=n,
                    share=pct(n / total),
                    estimate=_count_estimate(e),
                    share_estimate=_share_estimate(e, total),
                )
            )
    if total == 0:
        _caveat(a, "empty")


def _summarise(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)
    total = _asked(a, counts)
    count = a.add(_count_fact(a, total, window, estimate=_asked_estimate(a, engine, window)))
    if total == 0:
        _caveat(a, "empty")
        return
    # Topics of mentions of the asked sentiment (the mention's own, not a clause's): each
    # topic's count is then a part of the total it is divided by, never above 100 %.
    rows = breakdown(engine, _asked_scope(a), window, "topic", limit=TOP + 2)
    if not rows and _themes(a, window, None, total):
        return
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


def _asked_scope(a: Analysis) -> Scope:
    """The scope narrowed to mentions of the asked sentiment (itself when none is asked)."""
    if a.plan.sentiment is None:
        return a.scope
    return replace(
        a.scope, filters=a.scope.filters.model_copy(update={"sentiments": [a.plan.sentiment]})
    )


def _covered_days(a: Analysis, *windows: PlanWindow) -> tuple[float, ...] | None:
    """Per-day divisors when any window is covered only in part (else None: whole lengths)."""
    found = [a.covered(w) for w in windows]
    if not any(c is not None and c.partial and not c.empty for c in found):
        return None
    return tuple(
        c.covered_days() if c is not None else (w.end - w.start).total_seconds() / 86_400
        for c, w in zip(found, windows, strict=True)
    )


def _themes(a: Analysis, window: PlanWindow, baseline: PlanWindow | None, total: int) -> bool:
    """Themes found by clustering the scope (no taxonomy, or none of its topics here), with
    their counts per period and quotes. False when none could be found."""
    if a.themes is None or total < 2 * SMALL:
        return False
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    report = a.themes(a.scope, window, baseline, sentiment)
    found = report.themes[: TOP + 2]
    if not found:
        return False
    _caveat(a, "discovered_themes")
    if report.capped:  # a window held more mentions than clustering reads
        _caveat(a, "sample", report.current_read)
    for rank, t in enumerate(found, start=1):
        fact = a.add(
            ThemeFact(
                id=a.next_id(),
                key=t.key,
                name=inert(t.name)[:NAME_CHARS],
                current=t.current,
                baseline=None if baseline is None else t.baseline,
                delta=None if baseline is None else t.delta,
                share=pct(t.current / total),
                total=total,
                rank=rank,
            )
        )
        if rank <= TOP:
            a.cite(fact, a.quotes.pick_ids(list(t.quote_ids)[:QUOTES_PER_DRIVER]))
    return True


# A change's two estimates (current, baseline) of the asked sentiment's count.
Pair = tuple[Estimate, Estimate]


def _change(
    a: Analysis, engine: Engine, current: PlanWindow, baseline: PlanWindow
) -> tuple[Comparison, Pair | None]:
    """``current`` against ``baseline`` (per day with data where either is covered in
    part), added as the answer's change fact, with the asked sentiment's estimates."""
    covered = _covered_days(a, current, baseline)
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    cmp = compare_periods(
        engine,
        a.scope,
        current,
        baseline,
        sentiment=sentiment,
        covered_days=None if covered is None else (covered[0], covered[1]),
    )
    pair: Pair | None = None
    if sentiment is not None:
        groups = _prevalence(a, engine, a.scope, [current, baseline])
        now, before = (
            _estimate(a, groups.get((0,)), sentiment),
            _estimate(a, groups.get((1,)), sentiment),
        )
        if now is not None and before is not None:
            pair = (now, before)
    a.add(
        ChangeFact(
            id=a.next_id(),
            sentiment=a.plan.sentiment,
            period=current.label,
            baseline_period=baseline.label,
            current=cmp.current.count,
            baseline=cmp.baseline.count,
            relative=None if cmp.relative_change is None else pct(cmp.relative_change),
            significant=cmp.significant,
            p_value=round(cmp.count_p_value, 4),
            per_day=cmp.lengths_differ,
            current_rate=round(cmp.current.rate, 1),
            baseline_rate=round(cmp.baseline.rate, 1),
            current_estimate=_count_estimate(pair[0]) if pair else None,
            baseline_estimate=_count_estimate(pair[1]) if pair else None,
        )
    )
    return cmp, pair


def _change_caveats(a: Analysis, cmp: Comparison, pair: Pair | None = None) -> None:
    """Too few mentions to call it a trend, or a change within chance; a change the counts
    call real but that the sentiment labels' own error could make (of the counts, per day
    when the periods differ, or of the share) is flagged as such."""
    if not cmp.enough_data:
        _caveat(a, "small", SMALL)
        return
    if not cmp.significant:
        _caveat(a, "noise")
    if pair is not None and _within_label_error(cmp, pair):
        _caveat(a, "within_label_error")


def _within_label_error(cmp: Comparison, pair: Pair) -> bool:
    """The change the answer leads with (of the counts, per day when the periods differ;
    else of the share, when only the share moved beyond chance) against the labels' error."""
    now, before = pair
    if cmp.significant:
        scales = (1 / cmp.current.days, 1 / cmp.baseline.days) if cmp.lengths_differ else (1, 1)
        return change_within_error(now, before, current_scale=scales[0], baseline_scale=scales[1])
    if cmp.share_significant and cmp.current.total and cmp.baseline.total:
        return change_within_error(
            now, before, current_scale=1 / cmp.current.total, baseline_scale=1 / cmp.baseline.total
        )
    return False


def _why_change(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    baseline = a.plan.baseline
    assert baseline is not None
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    cmp, pair = _change(a, engine, window, baseline)
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
                current_estimate=_share_estimate(pair[0], cmp.current.total) if pair else None,
                baseline_estimate=_share_estimate(pair[1], cmp.baseline.total) if pair else None,
            )
        )
    _change_caveats(a, cmp, pair)
    if window.start < baseline.end and baseline.start < window.end:
        _caveat(a, "overlap")
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
    if not any(isinstance(f, DriverFact) and f.dimension == "topic" for f in a.evidence.facts):
        _themes(a, window, baseline, cmp.current.count)


def _granularity(plan: Plan, window: PlanWindow) -> Granularity:
    """The asked step of a series, else one that gives a readable number of buckets."""
    span = window.end - window.start
    return plan.granularity or (
        "day" if span <= timedelta(days=62) else "week" if span <= timedelta(days=370) else "month"
    )


def _trend(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    granularity = _granularity(a.plan, window)
    sides = _sides(a)
    if len(sides) >= 2:
        _side_series(a, engine, window, granularity, sides)
        return
    buckets = series(engine, a.scope, window, granularity, tz=a.tz)
    key = sentiment or "total"
    values: list[tuple[datetime, int]] = [(b.start, getattr(b, key)) for b in buckets]
    total = sum(v for _, v in values)
    # Buckets are named by their local first day (the reader's calendar), not a UTC date.
    points = [SeriesPoint(start=b.day, count=getattr(b, key)) for b in buckets]
    est = _asked_estimate(a, engine, window) if total else None
    a.add(_count_fact(a, total, window, points, granularity, est))
    if not total:
        _caveat(a, "empty")
        return
    peak_bucket = max(buckets, key=lambda b: (getattr(b, key), b.start))
    fact = a.add(
        PeakFact(
            id=a.next_id(),
            granularity=granularity,
            start=peak_bucket.day,
            count=getattr(peak_bucket, key),
        )
    )
    # The bucket's own bounds: the first and last buckets are cut to the window.
    a.cite(
        fact,
        a.quotes.pick(PlanWindow(start=peak_bucket.start, end=peak_bucket.end, label=""), k=TOP),
    )
    half = len(values) // 2
    if half:
        first, second = sum(v for _, v in values[:half]), sum(v for _, v in values[half:])
        a.add(HalvesFact(id=a.next_id(), first=first, second=second))
    for s in spikes(engine, a.scope, window, sentiment=sentiment, tz=a.tz)[:TOP]:
        a.add(SpikeFact(id=a.next_id(), day=s.day, count=s.count, expected=round(s.expected)))


def _sides(a: Analysis) -> list[tuple[str, Scope]]:
    """(display name, scope) of each brand, entity or name the question sets side by side."""
    base = a.scope.filters.model_copy(update={"brands": []})
    terms = tuple(tuple(n.patterns) for n in a.plan.names if n.term)
    out = [
        (a.name(b, "brand"), replace(a.scope, filters=base.model_copy(update={"brands": [b]})))
        for b in a.plan.brands
    ]
    out += [
        (a.name(e, "entity"), replace(a.scope, filters=base, entities=(e,)))
        for e in a.plan.entities
    ]
    out += [
        (
            a.name(n.name, "name"),
            replace(a.scope, filters=base, entities=(), text_any=(*terms, tuple(n.patterns))),
        )
        for n in a.plan.names
        if n.mentions and not n.term
    ]
    return out


def _side_series(
    a: Analysis,
    engine: Engine,
    window: PlanWindow,
    granularity: Granularity,
    sides: list[tuple[str, Scope]],
) -> None:
    """ "MTS vs Beeline by week": one series per brand, never their sum."""
    key = a.plan.sentiment.value if a.plan.sentiment else "total"
    for name, scope in sides:
        buckets = series(engine, scope, window, granularity, tz=a.tz)
        points = [SeriesPoint(start=b.day, count=getattr(b, key)) for b in buckets]
        fact = a.add(
            CountFact(
                id=a.next_id(),
                total=sum(p.count for p in points),
                sentiment=a.plan.sentiment,
                period=window.label,
                series=points,
                granularity=granularity,
                side=name,
                estimate=_asked_estimate(a, engine, window, scope),
            )
        )
        a.cite(fact, a.quotes.pick(window, k=1, scope=scope))


def _compare(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    names: list[tuple[Literal["brand", "entity", "name"], str]] = [
        *(("brand", b) for b in a.plan.brands),
        *(("entity", e) for e in a.plan.entities),
        *(("name", n.name) for n in a.plan.names if n.mentions and not n.term),
    ]
    patterns = {n.name: tuple(n.patterns) for n in a.plan.names}
    # Words of the question read from the texts narrow every side; names are sides.
    terms = tuple(tuple(n.patterns) for n in a.plan.names if n.term)
    if len(a.plan.periods) >= 2 and len(names) < 2:
        _periods(a, engine, window)
        return
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
            text_any=(*terms, patterns[value]) if dimension == "name" else terms,
        )
        counts = sentiment_counts(engine, scope, window)
        total = counts["total"]
        neg, posv = counts.get("negative", 0), counts.get("positive", 0)
        languages = _prevalence(a, engine, scope, [window]).get((0,))
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
                negative_estimate=_count_estimate(_estimate(a, languages, "negative")),
                positive_estimate=_count_estimate(_estimate(a, languages, "positive")),
            )
        )
        a.cite(fact, a.quotes.pick(window, k=QUOTES_PER_DRIVER, scope=scope))


def _examples(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    counts = sentiment_counts(engine, a.scope, window)
    est = _asked_estimate(a, engine, window)
    fact = a.add(_count_fact(a, _asked(a, counts), window, estimate=est))
    a.cite(fact, a.quotes.pick(window, k=5, query=a.plan.search_text or a.plan.question))


def _rank(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    """Values of the asked dimension ordered by the asked measure, each with its own count
    and share of its own mentions; the top value's quotes show it."""
    dim = a.plan.group_by or "entity"
    if dim == "topic" and a.plan.order == "most" and a.plan.measure == "count":
        # "What do they complain about most": the summary's topic breakdown is that ranking,
        # with quotes for each topic, and themes where no taxonomy covers the scope.
        _summarise(a, engine, window)
        return
    if dim == "theme":
        counts = sentiment_counts(engine, a.scope, window)
        total = _asked(a, counts)
        a.add(_count_fact(a, total, window, estimate=_asked_estimate(a, engine, window)))
        # With a period to compare with, each theme says how it grew ("what is new").
        if not _themes(a, window, a.plan.baseline, total):
            _caveat(a, "no_topics")
        return
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    measure = a.plan.measure if a.plan.measure in ("count", "share", "rating") else "count"
    items: list[RankItem] = []
    if dim == "author_type":  # customers against the brands' own accounts: both counted
        a = replace(
            a,
            scope=replace(
                a.scope,
                filters=a.scope.filters.model_copy(
                    update={"author_types": [AuthorType.CUSTOMER, AuthorType.BRAND]}
                ),
            ),
        )
    if measure == "rating":
        with engine.connect() as conn:
            version = topic_version(conn, a.scope, dim)
            stats = coverage_store.rating_stats(
                conn, scope=a.scope, window=window, key=dim, version=version
            )
        for value, st in stats.items():
            if value is None or st["rated"] < MIN_RATED:
                continue
            items.append(
                RankItem(
                    value=str(value),
                    name=a.name(str(value), dim),
                    count=int(st["rated"]),
                    total=int(st["rated"]),
                    rating=round(st["average"], 2),
                )
            )
        if not items:
            _caveat(a, "no_ratings")
            return
        items.sort(key=lambda i: (-(i.rating or 0.0), i.name))
    else:
        grouped = window_counts(engine, a.scope, [window], [dim, "sentiment"])
        groups = _prevalence(a, engine, a.scope, [window], [dim]) if sentiment else {}
        by_value = {str(k[1]): v for k, v in groups.items() if k[1] is not None}
        totals: dict[str, int] = {}
        hits: dict[str, int] = {}
        for (_, value, label), n in grouped.items():
            if value is None:
                continue
            key = str(value)
            totals[key] = totals.get(key, 0) + n
            if sentiment is None or label == sentiment:
                hits[key] = hits.get(key, 0) + n
        for key, total in totals.items():
            count = hits.get(key, 0)
            est = None
            if sentiment is not None:
                est = _estimate(a, by_value.get(key), sentiment)
            items.append(
                RankItem(
                    value=key,
                    name=a.name(key, dim),
                    count=count,
                    total=total,
                    share=pct(count / total) if sentiment is not None else None,
                    estimate=_count_estimate(est),
                    share_estimate=_share_estimate(est, total),
                )
            )
        named = a.plan.entities if dim == "entity" else a.plan.brands if dim == "brand" else []
        if named:  # "which of MTS and Beeline…": the named ones, not whoever they co-occur with
            items = [i for i in items if i.value in named]
        if not items:
            _caveat(a, "no_dimension", subject=dim)
            return
        if measure == "share" and sentiment is not None:
            base = max(MIN_SHARE_SUPPORT, MIN_SHARE_OF_LARGEST * max(i.total for i in items))
            supported = [i for i in items if i.total >= base]
            items = supported or items
            items.sort(key=lambda i: (-(i.share or 0.0), -i.total, i.name))
        else:
            measure = "count"
            items.sort(key=lambda i: (-i.count, -i.total, i.name))
    if a.plan.order == "least":
        items.reverse()
    shown = a.plan.top_n or (len(items) if len(items) <= RANK_SHOWN + 2 else RANK_SHOWN)
    fact = a.add(
        RankingFact(
            id=a.next_id(),
            dimension=dim,
            measure=measure,
            sentiment=a.plan.sentiment,
            order=a.plan.order,
            period=window.label,
            items=items[:shown],
            others=max(len(items) - shown, 0),
        )
    )
    top = items[0]
    if dim in ("brand", "source", "location", "topic"):
        ids = a.quotes.pick(window, k=QUOTES_PER_DRIVER, **{dim: top.value})  # type: ignore[arg-type]
    elif dim == "entity":
        ids = a.quotes.pick(
            window, k=QUOTES_PER_DRIVER, scope=replace(a.scope, entities=(top.value,))
        )
    elif dim == "language":
        lang_scope = replace(
            a.scope, filters=a.scope.filters.model_copy(update={"languages": [top.value]})
        )
        ids = a.quotes.pick(window, k=QUOTES_PER_DRIVER, scope=lang_scope)
    else:
        ids = a.quotes.pick(window, k=QUOTES_PER_DRIVER)
    a.cite(fact, ids)


def _share(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    """The asked sentiment's part of the scope: a count of all and the part, as a share."""
    if a.plan.group_by is not None:
        _rank(a, engine, window)
        return
    if a.plan.rating_min is not None or a.plan.rating_max is not None:
        _rating(a, engine, window)  # "what share of reviews gave 1-2 stars": a rating range
        return
    counts = sentiment_counts(engine, a.scope, window)
    total = counts["total"]
    a.add(CountFact(id=a.next_id(), total=total, sentiment=None, period=window.label))
    if total == 0:
        _caveat(a, "empty")
        return
    asked = [a.plan.sentiment] if a.plan.sentiment else list(Sentiment)
    languages = _prevalence(a, engine, a.scope, [window]).get((0,))
    for s in asked:
        n = counts.get(s.value, 0)
        e = _estimate(a, languages, s.value)
        fact = a.add(
            SentimentShareFact(
                id=a.next_id(),
                sentiment=s,
                count=n,
                share=pct(n / total),
                estimate=_count_estimate(e),
                share_estimate=_share_estimate(e, total),
            )
        )
    a.cite(fact, a.quotes.pick(window, k=TOP))


def _periods(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    """Two or more named periods, each counted with its coverage, then the last against the
    first: per day when the data covers either only in part."""
    periods = a.plan.periods
    sentiment = a.plan.sentiment.value if a.plan.sentiment else None
    groups = _prevalence(a, engine, a.scope, periods) if sentiment else {}
    for i, p in enumerate(periods):
        est = _estimate(a, groups.get((i,)), sentiment) if sentiment else None
        counts = sentiment_counts(engine, a.scope, p)
        count, total = _asked(a, counts), counts["total"]
        c = a.covered(p)
        days = c.covered_days() if c is not None else (p.end - p.start).total_seconds() / 86_400
        fact = a.add(
            PeriodFact(
                id=a.next_id(),
                label=p.label,
                start=p.start,
                end=p.end,
                sentiment=a.plan.sentiment,
                count=count,
                total=total,
                share=pct(count / total) if sentiment and total else None,
                per_day=round(count / max(days, 1e-9), 1),
                partial=bool(c and c.partial),
                estimate=_count_estimate(est),
                share_estimate=_share_estimate(est, total) if sentiment else None,
            )
        )
        if p is periods[-1]:
            a.cite(fact, a.quotes.pick(p, k=QUOTES_PER_DRIVER))
    first, last = periods[0], periods[-1]
    _change_caveats(a, *_change(a, engine, last, first))


def _rating_series(a: Analysis, engine: Engine, window: PlanWindow) -> list[RatingPoint] | None:
    """The average rating per bucket of a series ("average rating by month")."""
    if a.plan.intent is not Intent.TREND:
        return None
    granularity = _granularity(a.plan, window)
    points = []
    with engine.connect() as conn:
        for b in series(engine, a.scope, window, granularity, tz=a.tz):
            bucket = PlanWindow(start=b.start, end=b.end, label="")
            st = coverage_store.rating_stats(conn, scope=a.scope, window=bucket).get(None)
            points.append(
                RatingPoint(
                    start=b.day,
                    average=round(st["average"], 2) if st else None,
                    rated=int(st["rated"]) if st else 0,
                )
            )
    return points


def _rating(a: Analysis, engine: Engine, window: PlanWindow) -> None:
    """Average stars, low ratings and (on 0-10 scales) NPS of the mentions in scope; with an
    asked rating range, that range's part of all rated mentions."""
    ranged = a.plan.rating_min is not None or a.plan.rating_max is not None
    whole = replace(
        a.scope,
        filters=a.scope.filters.model_copy(update={"rating_min": None, "rating_max": None}),
    )
    with engine.connect() as conn:
        stats = coverage_store.rating_stats(conn, scope=whole, window=window).get(None)
        part = (
            coverage_store.rating_stats(conn, scope=a.scope, window=window).get(None)
            if ranged
            else None
        )
    if stats is None:
        a.add(RatingFact(id=a.next_id(), period=window.label, average=None, rated=0, low=0))
        _caveat(a, "no_ratings")
        return
    rated = int(stats["rated"])
    nps = None
    if stats["on_ten"]:
        nps = round(100 * (stats["promoters"] - stats["detractors"]) / stats["on_ten"], 1)
    fact = a.add(
        RatingFact(
            id=a.next_id(),
            period=window.label,
            average=round(stats["average"], 2),
            rated=rated,
            low=int(stats["low"]),
            low_share=pct(stats["low"] / rated),
            nps=nps,
            part_min=a.plan.rating_min if ranged else None,
            part_max=a.plan.rating_max if ranged else None,
            part=int(part["rated"]) if part else 0 if ranged else None,
            part_share=pct((part["rated"] if part else 0) / rated) if ranged else None,
            series=_rating_series(a, engine, window),
            granularity=a.plan.granularity if a.plan.intent is Intent.TREND else None,
        )
    )
    if a.plan.measure == "nps" and nps is None:
        _caveat(a, "no_nps")
    a.cite(fact, a.quotes.pick(window, k=TOP))
