"""Counts, sentiment splits, breakdowns and time series of counted mentions.

Every number is an exact SQL count of distinct counted mentions under the scope and window
(see ``analytics.scope``); nothing is sampled or estimated.

Series are cut in the audience's time zone (``tz``, UTC unless told): "22 February" is the
brand manager's 22 February, not London's. A bucket is [local midnight, next local midnight)
converted to UTC, so a DST day is 23 or 25 hours, and SQL assigns each mention to its local
day at exactly those instants (``store.analytics.local_day``): a bucket's total always equals
``count`` over the bucket's own span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal, get_args

from sqlalchemy import Connection, Engine

from analytics.scope import Period, Scope, checked, midnight
from hark.errors import ErrorCode, HarkError
from store import analytics as analytics_store

SENTIMENTS = ("negative", "neutral", "positive")
UNLABELLED = "unlabelled"  # sentiment not derived yet
DIMENSIONS = analytics_store.DIMENSIONS
Granularity = Literal["day", "week", "month"]
GRANULARITIES: tuple[str, ...] = get_args(Granularity)


def check_dimension(dimension: str) -> None:
    if dimension not in DIMENSIONS:
        raise HarkError(
            ErrorCode.VALIDATION,
            f"unknown dimension {dimension!r}; one of {', '.join(sorted(DIMENSIONS))}",
        )


def check_sentiment(sentiment: str | None) -> None:
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise HarkError(ErrorCode.VALIDATION, f"unknown sentiment {sentiment!r}")


def topic_version(conn: Connection, scope: Scope, *keys: str) -> int | None:
    """The active taxonomy version when the scope or a key needs topics (one query saved
    otherwise)."""
    if scope.topics or "topic" in keys:
        return analytics_store.taxonomy_version(conn, workspace=scope.workspace)
    return None


def window_counts(
    engine: Engine,
    scope: Scope,
    windows: Sequence[Period],
    keys: Sequence[str] = (),
    *,
    sentiment: str | None = None,
    tz: tzinfo = UTC,
) -> dict[tuple[Any, ...], int]:
    """``store.analytics.grouped_counts`` in one connection, taxonomy version included;
    ``tz`` is where the "day" key's days begin."""
    spans = [checked(w) for w in windows]
    with engine.connect() as conn:
        version = topic_version(conn, scope, *keys)
        return analytics_store.grouped_counts(
            conn,
            scope=scope,
            windows=spans,
            keys=keys,
            sentiment=sentiment,
            version=version,
            tz=tz,
        )


def count(engine: Engine, scope: Scope, window: Period) -> int:
    counts = window_counts(engine, scope, [window])
    return counts.get((0,), 0)


def sentiment_counts(engine: Engine, scope: Scope, window: Period) -> dict[str, int]:
    """negative, neutral, positive, unlabelled and total (their sum)."""
    counts = window_counts(engine, scope, [window], ["sentiment"])
    out = dict.fromkeys((*SENTIMENTS, UNLABELLED), 0)
    for (_, label), n in counts.items():
        name = UNLABELLED if label is None else str(label)
        out[name] = out.get(name, 0) + n
    out["total"] = sum(counts.values())
    return out


def breakdown(
    engine: Engine,
    scope: Scope,
    window: Period,
    dimension: str,
    *,
    sentiment: str | None = None,
    limit: int = 10,
) -> list[tuple[str, int]]:
    """The ``limit`` largest values of ``dimension`` with their mention counts, largest first
    (ties by value). Mentions without a value (no location, no topic) are left out, except
    for the "sentiment" dimension where they are "unlabelled". For "topic", ``sentiment`` is
    the topic's own (aspect) sentiment, and a mention counts once under each of its topics,
    so counts may sum to more than the mentions in scope; likewise for "entity". With no
    taxonomy, topic breakdowns are empty."""
    check_dimension(dimension)
    check_sentiment(sentiment)
    counts = window_counts(engine, scope, [window], [dimension], sentiment=sentiment)
    rows: list[tuple[str, int]] = []
    for (_, value), n in counts.items():
        if value is None and dimension != "sentiment":
            continue
        rows.append((UNLABELLED if value is None else str(value), n))
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows[: max(limit, 0)]


@dataclass(frozen=True)
class Bucket:
    """Counts in [start, end): a calendar day, ISO week (from Monday) or month in the series'
    time zone, as UTC instants, cut to the window where the window starts or ends inside it.
    ``day`` is the bucket's first calendar day there (the Monday, the 1st), uncut: what a
    reader calls the bucket ("the week of 23 March")."""

    start: datetime
    total: int
    negative: int
    neutral: int
    positive: int
    unlabelled: int
    end: datetime
    day: date


def bucket_start(day: date, granularity: Granularity) -> date:
    """The first day of the bucket holding ``day``: itself, its Monday, or its month's 1st."""
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def next_bucket(start: date, granularity: Granularity) -> date:
    """The first day of the bucket after the one starting on ``start``."""
    if granularity == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=7 if granularity == "week" else 1)


def series(
    engine: Engine, scope: Scope, window: Period, granularity: Granularity, tz: tzinfo = UTC
) -> list[Bucket]:
    """Every day, ISO week or month of ``tz`` overlapping the window, zero-filled, in order.
    Buckets begin at local midnights (a Monday for weeks, the 1st for months); with the
    default UTC the numbers are the same on every server whatever its own zone."""
    if granularity not in GRANULARITIES:
        raise HarkError(
            ErrorCode.VALIDATION,
            f"granularity must be one of {', '.join(GRANULARITIES)}: {granularity!r}",
        )
    w = checked(window)
    counts = window_counts(engine, scope, [w], ["day", "sentiment"], tz=tz)
    tallies: dict[date, dict[str | None, int]] = {}
    for (_, day, label), n in counts.items():
        tally = tallies.setdefault(bucket_start(day, granularity), {})
        tally[label] = tally.get(label, 0) + n
    out: list[Bucket] = []
    cursor = bucket_start(w.start.astimezone(tz).date(), granularity)
    begins = midnight(cursor, tz)
    while begins < w.end:
        after = next_bucket(cursor, granularity)
        ends = midnight(after, tz)
        tally = tallies.get(cursor, {})
        out.append(
            Bucket(
                start=max(begins, w.start),
                total=sum(tally.values()),
                negative=tally.get("negative", 0),
                neutral=tally.get("neutral", 0),
                positive=tally.get("positive", 0),
                unlabelled=tally.get(None, 0),
                end=min(ends, w.end),
                day=cursor,
            )
        )
        cursor, begins = after, ends
    return out
