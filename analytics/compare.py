"""Two periods compared: counts, per-day rates, the sentiment's share, and whether the change
is more than chance.

Two questions, two tests. "Are there more negative mentions?" compares counts over periods of
possibly different lengths: a conditional binomial test (exact; the lengths enter as the
expected split of the pooled count). "Is a larger part of what people say negative?" compares
shares: a pooled two-proportion z-test. Volume can rise with a flat share (more people talking)
and the share can rise with flat volume; an answer should say which happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from analytics.counts import check_sentiment, window_counts
from analytics.scope import Period, Scope, checked, days
from analytics.stats import ALPHA, rate_test, two_proportion_z

# Below this many mentions in scope in either period, a change is anecdote, whatever the
# p-value says: the answer should hedge.
MIN_MENTIONS_PER_PERIOD = 10


@dataclass(frozen=True)
class PeriodStats:
    start: datetime
    end: datetime
    days: float
    total: int  # counted mentions in scope
    count: int  # of them with the sentiment (all of them when no sentiment is asked)
    share: float | None  # count / total; None when total is 0
    rate: float  # count per day


@dataclass(frozen=True)
class Comparison:
    sentiment: str | None
    current: PeriodStats
    baseline: PeriodStats
    lengths_differ: bool  # then quote rates (per day), not raw counts
    change: int  # current.count - baseline.count
    rate_change: float  # per day
    relative_change: float | None  # rate_change / baseline.rate; None when the baseline is 0
    count_p_value: float  # conditional binomial test of the counts given the period lengths
    share_change: float | None  # current.share - baseline.share (a fraction, not points)
    share_z: float | None
    share_p_value: float | None  # None without a sentiment (the share is always 1)
    significant: bool  # count_p_value < ALPHA
    share_significant: bool  # share_p_value < ALPHA
    enough_data: bool  # each period has >= MIN_MENTIONS_PER_PERIOD mentions in scope


def _period(w: Period, total: int, count: int, length: float | None = None) -> PeriodStats:
    length = days(w) if length is None else length
    return PeriodStats(
        start=w.start,
        end=w.end,
        days=length,
        total=total,
        count=count,
        share=count / total if total else None,
        rate=count / length,
    )


def compare_periods(
    engine: Engine,
    scope: Scope,
    current: Period,
    baseline: Period,
    *,
    sentiment: str | None = "negative",
    covered_days: tuple[float, float] | None = None,
) -> Comparison:
    """``current`` against ``baseline`` for mentions of ``sentiment`` (None: all mentions).

    ``covered_days`` are the days each period's data covers, when the collection covers one
    only in part: rates and the test then compare like with like (a month of which the data
    holds one day is one day, not thirty)."""
    check_sentiment(sentiment)
    cur_w, base_w = checked(current), checked(baseline)
    counts = window_counts(engine, scope, [cur_w, base_w], ["sentiment"])
    totals, hits = [0, 0], [0, 0]
    for (i, label), n in counts.items():
        totals[i] += n
        if sentiment is None or label == sentiment:
            hits[i] += n
    cur_days, base_days = covered_days or (None, None)
    cur = _period(cur_w, totals[0], hits[0], cur_days)
    base = _period(base_w, totals[1], hits[1], base_days)
    share = (
        two_proportion_z(cur.count, cur.total, base.count, base.total)
        if sentiment is not None
        else None
    )
    count_p = rate_test(cur.count, cur.days, base.count, base.days)
    return Comparison(
        sentiment=sentiment,
        current=cur,
        baseline=base,
        lengths_differ=cur.days != base.days,
        change=cur.count - base.count,
        rate_change=cur.rate - base.rate,
        relative_change=(cur.rate - base.rate) / base.rate if base.rate else None,
        count_p_value=count_p,
        share_change=(
            cur.share - base.share if cur.share is not None and base.share is not None else None
        ),
        share_z=share.z if share else None,
        share_p_value=share.p_value if share else None,
        significant=count_p < ALPHA,
        share_significant=share is not None and share.p_value < ALPHA,
        enough_data=min(cur.total, base.total) >= MIN_MENTIONS_PER_PERIOD,
    )
