"""What drove a change: the change in (negative) mentions between two periods, split into the
contribution of each value of a dimension (topic, source, location, ...).

Contributions are per-day rate changes, so periods of different lengths compare fairly; with
equal lengths they are proportional to the plain count deltas. A value's share of the change
is its contribution over the total's. For single-valued dimensions (source, location, ...) the
shares of all values plus "without a value" sum to 1. A mention can have several topics or
name several entities, so there shares can sum to more than 1: they answer "how much of the
rise involves X", not a partition. For topics with a sentiment, a topic counts the mentions
whose clause about it has that sentiment (as ``breakdown`` does); the total is mentions of that
sentiment, and "without a value" is those with no topic of that sentiment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import Engine

from analytics.counts import UNLABELLED, check_dimension, check_sentiment, topic_version
from analytics.scope import Period, Scope, checked, days
from analytics.stats import ALPHA, rate_test
from store import analytics as analytics_store

NO_VALUE = "(none)"  # label of mentions without a value of the dimension
MULTI_VALUED = frozenset({"topic", "entity"})


@dataclass(frozen=True)
class Driver:
    value: str
    current: int
    baseline: int
    delta: int  # current - baseline (raw counts; see contribution when lengths differ)
    contribution: float  # current rate - baseline rate, mentions per day
    share_of_change: float | None  # contribution / total change; None when not meaningful
    p_value: float  # conditional binomial test of the two counts given the period lengths
    significant: bool


@dataclass(frozen=True)
class DriverReport:
    dimension: str
    sentiment: str | None
    current_total: int  # mentions of the sentiment in scope, current period
    baseline_total: int
    current_days: float
    baseline_days: float
    total_change: float  # per day
    direction: Literal["up", "down", "flat"]
    ranked_by: Literal["share_of_change", "contribution"]
    drivers: tuple[Driver, ...]  # the `limit` strongest, in the direction of the change first
    unassigned: Driver | None  # mentions without a value (not ranked); None when there are none
    multi_valued: bool  # topic/entity: shares may sum to more than 1
    available: bool  # False for topics when the workspace has no taxonomy
    note: str | None  # why ranking fell back to raw contributions, or why nothing is shown


def _micros(span: timedelta) -> int:
    return span // timedelta(microseconds=1)


def _pair(counts: list[int]) -> tuple[int, int]:
    return counts[0], counts[1]


def _driver(
    value: str, cur: int, base: int, lengths: tuple[float, float], total: float | None
) -> Driver:
    """Counts and significance of one value; ``total`` is the total change when shares mean
    something."""
    contribution = cur / lengths[0] - base / lengths[1]
    p = rate_test(cur, lengths[0], base, lengths[1])
    return Driver(
        value=value,
        current=cur,
        baseline=base,
        delta=cur - base,
        contribution=contribution,
        share_of_change=contribution / total if total else None,
        p_value=p,
        significant=p < ALPHA,
    )


def drivers(
    engine: Engine,
    scope: Scope,
    current: Period,
    baseline: Period,
    *,
    dimension: str,
    sentiment: str | None = "negative",
    limit: int = 5,
) -> DriverReport:
    check_dimension(dimension)
    check_sentiment(sentiment)
    cur_w, base_w = checked(current), checked(baseline)
    windows = [cur_w, base_w]
    with engine.connect() as conn:
        version = topic_version(conn, scope, dimension)
        grouped = analytics_store.grouped_counts(
            conn,
            scope=scope,
            windows=windows,
            keys=[dimension],
            sentiment=sentiment,
            version=version,
        )
        if dimension in MULTI_VALUED:
            sums = analytics_store.grouped_counts(
                conn, scope=scope, windows=windows, sentiment=sentiment, version=version
            )
            totals = [sums.get((0,), 0), sums.get((1,), 0)]
        else:  # one value (or none) per mention: the groups partition the total
            totals = [sum(n for (i, _), n in grouped.items() if i == w) for w in (0, 1)]
    lengths = (days(cur_w), days(base_w))
    total_change = totals[0] / lengths[0] - totals[1] / lengths[1]
    # The sign exactly, from integers: equal per-day rates must read as "flat", not as 1e-16.
    sign = totals[0] * _micros(base_w.end - base_w.start) - totals[1] * _micros(
        cur_w.end - cur_w.start
    )
    direction: Literal["up", "down", "flat"] = "up" if sign > 0 else "down" if sign < 0 else "flat"
    step = 1 if sign > 0 else -1 if sign < 0 else 0

    per_value: dict[str | None, list[int]] = {}
    for (i, value), n in grouped.items():
        if value is None and dimension == "sentiment":
            value = UNLABELLED  # a value like the others, as in breakdowns
        per_value.setdefault(None if value is None else str(value), [0, 0])[i] += n
    value_sum = sum(c / lengths[0] - b / lengths[1] for c, b in per_value.values())
    note: str | None = None
    shares_ok = step != 0 and value_sum * step > 0
    if step == 0:
        note = "the total did not change: values are ranked by the size of their own change"
    elif not shares_ok:
        note = (
            "the values together moved against the total: shares are left out and values are "
            "ranked by their change in the direction of the total"
        )
    if version is None and dimension == "topic":
        note = "the workspace has no taxonomy: no topic analytics"
    share_base = total_change if shares_ok else None
    # Rank on contributions first: significance is computed for the values shown only.
    contribution = {
        v: c / lengths[0] - b / lengths[1] for v, (c, b) in per_value.items() if v is not None
    }
    if step == 0:
        order = sorted(contribution, key=lambda v: (-abs(contribution[v]), v))
    else:
        order = sorted(contribution, key=lambda v: (-contribution[v] * step, v))
    ranked = [_driver(v, *_pair(per_value[v]), lengths, share_base) for v in order[: max(limit, 0)]]
    missing = per_value.get(None)
    return DriverReport(
        dimension=dimension,
        sentiment=sentiment,
        current_total=totals[0],
        baseline_total=totals[1],
        current_days=lengths[0],
        baseline_days=lengths[1],
        total_change=total_change,
        direction=direction,
        ranked_by="share_of_change" if shares_ok else "contribution",
        drivers=tuple(ranked),
        unassigned=_driver(NO_VALUE, *_pair(missing), lengths, share_base) if missing else None,
        multi_valued=dimension in MULTI_VALUED,
        available=not (version is None and dimension == "topic"),
        note=note,
    )
